"""``advisor guides …`` end to end, in-process, on real guides and a real vault."""

from __future__ import annotations

import base64
import json
import unicodedata
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from advisor_desktop.guides import EXPECTED_LOCALES, build_pack, shipped_root
from advisor_desktop.guides.check import channels_without_contacts
from advisor_desktop.guides.fill import has_contact_details
from advisor_desktop.protocol.profile import (
    CHANNEL_IDS,
    OrgProfile,
    default_profile_path,
    load_profile,
)
from tests.conftest import CliRunner

AGE_RECIPIENT = str(pyrage.x25519.Identity.generate().to_public())


def test_list_json_without_a_vault(cli: CliRunner) -> None:
    result = cli("guides", "list", "--json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["source"] == "shipped"
    rows = {row["code"]: row for row in doc["languages"]}
    assert sorted(rows) == sorted(EXPECTED_LOCALES)
    assert rows["en"]["review"] == "reviewed"
    assert rows["en"]["name"] == "English"
    assert rows["ar"]["direction"] == "rtl"
    assert rows["ar"]["name"] == "العربية"
    assert [code for code, row in rows.items() if row["stale"] or not row["complete"]] == []
    plain = cli("guides", "list")
    assert plain.code == 0
    assert plain.out.splitlines()[0].startswith("en ")


def test_show_fills_contacts_and_strips_markup(cli: CliRunner) -> None:
    result = cli("guides", "show", "--lang", "en", "--section", "6")
    assert result.code == 0, result.err
    assert "{{" not in result.out
    assert "Central reporting and advice desk (integrity)" in result.out
    assert "**" not in result.out
    whole = cli("guides", "show", "--lang", "en")
    assert whole.out.count("\n# ") == 5


def test_show_rejects_unknown_language_and_section(cli: CliRunner) -> None:
    assert cli("guides", "show", "--lang", "xx").code == 2
    assert cli("guides", "show", "--lang", "en", "--section", "9").code == 2


def test_check_passes_on_shipped_guides(cli: CliRunner) -> None:
    """Every expected guide language ships, complete: this fails when one is absent."""
    present = {p.name for p in shipped_root().iterdir() if p.is_dir()}
    assert present == set(EXPECTED_LOCALES)
    result = cli("guides", "check")
    assert result.code == 0, result.out
    assert f"All {len(EXPECTED_LOCALES)} guide languages are complete and up to date." in (
        result.out
    )


def test_check_fails_when_a_guide_language_is_absent(cli: CliRunner, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "g"
    shutil.copytree(shipped_root(), root)
    shutil.rmtree(root / "fr")
    result = cli("guides", "check", "--root", str(root))
    assert result.code == 1
    assert "fr" in result.out


WARNING = "Warning: channel {} has no contact details;"
HINT = "`advisor profile import FILE`"


def _check_code() -> int:
    """The exit code ``guides check`` has on the shipped guides: 0, every language ships."""
    return 0


def _warned(out: str) -> list[str]:
    """The channel ids ``guides check`` warned about, in order."""
    prefix, suffix = WARNING.split("{}")
    return [
        line.removeprefix(prefix).split(suffix)[0].strip()
        for line in out.splitlines()
        if line.startswith(prefix)
    ]


def _profile_with_contacts(path: Path, filled: tuple[str, ...] = CHANNEL_IDS) -> Path:
    """The shipped default.json with contact details for the ``filled`` channels."""
    doc = json.loads(default_profile_path().read_text(encoding="utf-8"))
    for channel in doc["channels"]:
        if channel["id"] in filled:
            name = channel["id"]
            channel["contact"] = {
                **channel.get("contact", {}),
                "email": f"{name}@example.org",
                "phone": "+31 70 123 4567",
            }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_channels_without_contacts_lists_the_empty_referenced_channels(
    profile: OrgProfile, tmp_path: Path
) -> None:
    import shutil

    # The shipped profile has no contact details at all, and the guides refer to every channel.
    assert not any(has_contact_details(profile, cid) for cid in CHANNEL_IDS)
    assert channels_without_contacts(shipped_root(), profile) == [c.id for c in profile.channels]
    partly = load_profile(_profile_with_contacts(tmp_path / "p.json", ("central-desk",)))
    assert has_contact_details(partly, "central-desk")
    assert not has_contact_details(partly, "manager")
    assert not has_contact_details(partly, "no-such-channel")
    missing = channels_without_contacts(shipped_root(), partly)
    assert "central-desk" not in missing
    assert set(missing) == set(CHANNEL_IDS) - {"central-desk"}
    full = load_profile(_profile_with_contacts(tmp_path / "full.json"))
    assert channels_without_contacts(shipped_root(), full) == []
    # Blank values count as empty; channels no guide refers to are not reported.
    doc = json.loads((tmp_path / "full.json").read_text(encoding="utf-8"))
    for channel in doc["channels"]:
        if channel["id"] == "manager":
            channel["contact"] = {"email": "  ", "phone": ""}
    (tmp_path / "blank.json").write_text(json.dumps(doc), encoding="utf-8")
    blank = load_profile(tmp_path / "blank.json")
    assert channels_without_contacts(shipped_root(), blank) == ["manager"]
    root = tmp_path / "g"
    shutil.copytree(shipped_root() / "en", root / "en")
    for path in (root / "en").glob("*.md"):
        text = path.read_text(encoding="utf-8").replace("{{contact:manager}}\n", "")
        path.write_text(text, encoding="utf-8")
    assert channels_without_contacts(root, blank) == []
    assert channels_without_contacts(tmp_path / "nowhere", profile) == []


def test_check_warns_about_channels_without_contacts(
    cli: CliRunner, profile: OrgProfile, tmp_path: Path
) -> None:
    import shutil

    result = cli("guides", "check")
    assert result.code == _check_code(), result.out + result.err
    assert _warned(result.out) == [c.id for c in profile.channels]
    warnings = [line for line in result.out.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == len(CHANNEL_IDS)
    assert all(HINT in line and "organisation profile" in line for line in warnings)
    assert "complete and up to date" in result.out
    # --root uses the same profile; a broken folder fails as before, with the warnings too.
    root = tmp_path / "g"
    shutil.copytree(shipped_root() / "en", root / "en")
    (root / "en" / "02-options.md").unlink()
    broken = cli("guides", "check", "--root", str(root))
    assert broken.code == 1
    assert "en/2: " in broken.out
    assert _warned(broken.out) == [c.id for c in profile.channels]


@pytest.mark.slow
def test_check_without_warnings_once_the_vault_profile_has_contacts(
    cli: CliRunner, tmp_path: Path
) -> None:
    profile_file = _profile_with_contacts(tmp_path / "profile.json")
    assert cli("init", "--profile", str(profile_file)).code == 0
    result = cli("guides", "check")
    assert result.code == _check_code(), result.out + result.err
    assert "Warning" not in result.out + result.err
    with_root = cli("guides", "check", "--root", str(shipped_root()))
    assert with_root.code == result.code
    assert "Warning" not in with_root.out + with_root.err
    # Without the passphrase the shipped profile is used, without a prompt: it warns again.
    shipped = cli("guides", "check", env={"ADVISOR_PASSPHRASE": ""})
    assert shipped.code == result.code
    assert len(_warned(shipped.out)) == len(CHANNEL_IDS)
    assert cli("guides", "check", env={"ADVISOR_PASSPHRASE": "wrong"}).code == 3


def test_check_lists_problems_of_a_broken_folder(cli: CliRunner, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "g"
    shutil.copytree(shipped_root() / "en", root / "en")
    (root / "en" / "02-options.md").unlink()
    result = cli("guides", "check", "--root", str(root))
    assert result.code == 1
    assert "en/2: " in result.out
    assert "problems found" in result.err


def test_pdf_is_written(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "guide.pdf"
    result = cli("guides", "pdf", "--lang", "en", "--out", str(out))
    assert result.code == 0, result.err
    assert out.read_bytes().startswith(b"%PDF")


def _desk_profile(profile: OrgProfile, key: Ed25519PrivateKey, path: Path) -> Path:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    doc = dict(profile.raw)
    doc["desks"] = [
        {
            "name": "Desk",
            "age_recipient": AGE_RECIPIENT,
            "signing_key": base64.b64encode(raw).decode(),
        }
    ]
    doc["channels"] = [dict(c) for c in doc["channels"]]
    for channel in doc["channels"]:
        if channel["id"] == "central-desk":
            channel["contact"] = {"email": "desk@example.org", "phone": "+31 70 111 2222"}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.slow
def test_import_verifies_against_the_vault_profile(
    cli: CliRunner, tmp_path: Path, profile: OrgProfile
) -> None:
    key = Ed25519PrivateKey.generate()
    profile_file = _desk_profile(profile, key, tmp_path / "profile.json")
    assert cli("init", "--profile", str(profile_file)).code == 0
    source = tmp_path / "src"
    import shutil

    shutil.copytree(shipped_root(), source)
    good = tmp_path / "good.pack"
    good.write_bytes(build_pack(source, 2, key))
    bad = tmp_path / "bad.pack"
    bad.write_bytes(build_pack(source, 3, Ed25519PrivateKey.generate()))

    refused = cli("guides", "import", str(bad))
    assert refused.code == 1
    assert "signature" in refused.err
    assert cli("guides", "list", "--json").out.count('"source": "shipped"') == 1

    result = cli("guides", "import", str(good))
    assert result.code == 0, result.err
    assert "version 2" in result.out
    listing = json.loads(cli("guides", "list", "--json").out)
    assert (listing["source"], listing["pack_version"]) == ("pack", 2)
    again = cli("guides", "import", str(good))
    assert again.code == 1
    assert "newer" in again.err
    # The vault's profile fills contacts when the passphrase is available.
    shown = cli("guides", "show", "--lang", "en", "--section", "6")
    assert "desk@example.org" in shown.out
    # Without the passphrase the shipped profile is used, and a wrong one is refused.
    assert (
        "desk@example.org"
        not in cli(
            "guides", "show", "--lang", "en", "--section", "6", env={"ADVISOR_PASSPHRASE": ""}
        ).out
    )
    assert cli("guides", "list", env={"ADVISOR_PASSPHRASE": "wrong"}).code == 3


def test_import_of_an_unreadable_file_is_a_usage_error(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("guides", "import", str(tmp_path / "nope.pack"))
    assert result.code == 2


def _plant_unsigned_pack(data_dir: Path, version: int = 99) -> None:
    """A ``guides-pack/99/`` with correct file hashes and an all-zero signature, made current:
    it carries a false phone number for the desk."""
    import hashlib
    import shutil

    folder = data_dir / "guides-pack" / str(version)
    shutil.copytree(shipped_root(), folder)
    for lang in ("en", "fr"):
        target = folder / lang / "06-contacts.md"
        target.write_text(target.read_text() + "\nCall the desk on +00 666 666 666.\n")
    files = {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.md"))
    }
    doc = {"format": "advisor-desktop-guides-pack", "pack_version": version,
           "created": "2026-01-01T00:00:00+00:00", "files": files}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(doc))
    (folder / "manifest.sig").write_bytes(base64.b64encode(bytes(64)))
    (folder.parent / "current.json").write_text(json.dumps({"version": version}))


NOT_VERIFIED = (
    "The installed guide pack (version 99) cannot be verified without the vault's profile"
)


def test_a_planted_unsigned_pack_is_not_shown_without_a_passphrase(cli: CliRunner) -> None:
    _plant_unsigned_pack(cli.data_dir)
    shown = cli("guides", "show", "--lang", "en", "--section", "6", env={"ADVISOR_PASSPHRASE": ""})
    assert shown.code == 0, shown.err
    assert "Central reporting and advice desk (integrity)" in shown.out  # the shipped guide
    assert "666" not in shown.out
    assert shown.err.startswith(NOT_VERIFIED)
    listed = cli("guides", "list", "--json", env={"ADVISOR_PASSPHRASE": ""})
    assert (json.loads(listed.out)["source"], json.loads(listed.out)["pack_version"]) == (
        "shipped",
        0,
    )


def test_a_planted_unsigned_pack_is_not_rendered_as_pdf(cli: CliRunner, tmp_path: Path) -> None:
    import shutil
    import subprocess

    _plant_unsigned_pack(cli.data_dir)
    out = tmp_path / "guide.pdf"
    result = cli("guides", "pdf", "--lang", "fr", "--out", str(out), env={"ADVISOR_PASSPHRASE": ""})
    assert result.code == 0, result.err
    assert result.err.startswith(NOT_VERIFIED)
    tool = shutil.which("pdftotext")
    assert tool is not None, "pdftotext (poppler-utils) reads the PDF back"
    text = subprocess.run([tool, str(out), "-"], capture_output=True, text=True, check=True)
    words = " ".join(unicodedata.normalize("NFKC", text.stdout).split())
    assert "666" not in words
    assert "Qu'est-ce qu'une personne de confiance" in words  # the shipped French guide


@pytest.mark.slow
def test_a_planted_unsigned_pack_is_not_shown_with_the_vault_profile(
    cli: CliRunner, tmp_path: Path, profile: OrgProfile
) -> None:
    key = Ed25519PrivateKey.generate()
    assert cli("init", "--profile", str(_desk_profile(profile, key, tmp_path / "p.json"))).code == 0
    _plant_unsigned_pack(cli.data_dir)
    shown = cli("guides", "show", "--lang", "en", "--section", "6")
    assert shown.code == 0, shown.err
    assert "666" not in shown.out
    assert "desk@example.org" in shown.out  # the vault's profile, on the shipped guide
    assert "did not verify against the desk keys" in shown.err
