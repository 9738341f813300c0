"""Signed guide packs: a good pack installs atomically; every bad one is refused and the
installed guides stay exactly as they were."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from advisor_desktop.guides import (
    GuideLibrary,
    PackMalformed,
    PackNotNewer,
    PackNoTrustedKey,
    PackSignatureInvalid,
    active_source,
    build_pack,
    install_pack,
    installed_version,
    read_pack,
    shipped_root,
    trusted_keys,
)
from advisor_desktop.guides.store import pack_folder, withheld_note
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.protocol.profile import OrgProfile, parse_profile

AGE_RECIPIENT = str(pyrage.x25519.Identity.generate().to_public())


def public_text(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "ed25519:" + base64.b64encode(raw).decode()


@pytest.fixture
def desk_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def desk_profile(profile: OrgProfile, desk_key: Ed25519PrivateKey) -> OrgProfile:
    doc = dict(profile.raw)
    doc["desks"] = [
        {
            "name": "Central desk",
            "age_recipient": AGE_RECIPIENT,
            "signing_key": public_text(desk_key),
        }
    ]
    return parse_profile(json.dumps(doc))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of the shipped guides with one visible change in English."""
    root = tmp_path / "source"
    shutil.copytree(shipped_root(), root)
    path = root / "en" / "01-advisor.md"
    path.write_text(path.read_text().replace("# What a confidential", "# What a trusted"))
    return root


def snapshot(paths: AppPaths) -> dict[str, bytes]:
    folder = pack_folder(paths)
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def install(paths: AppPaths, data: bytes, profile: OrgProfile) -> int:
    return install_pack(paths, data, trusted_keys(profile))


def test_good_pack_installs_and_overrides_shipped(
    paths: AppPaths, source: Path, desk_key: Ed25519PrivateKey, desk_profile: OrgProfile
) -> None:
    assert active_source(paths).origin == "shipped"
    data = build_pack(source, 3, desk_key)
    assert install(paths, data, desk_profile) == 3
    assert installed_version(paths) == 3
    active = active_source(paths, trusted_keys(desk_profile))
    assert (active.origin, active.version) == ("pack", 3)
    library = GuideLibrary(desk_profile, active)
    assert library.guide("en").section(1).title.startswith("What a trusted")
    # A newer pack replaces it; the old folder is cleaned up.
    assert install(paths, build_pack(source, 4, desk_key), desk_profile) == 4
    assert sorted(p.name for p in pack_folder(paths).iterdir()) == ["4", "current.json"]


def test_build_pack_is_deterministic(source: Path, desk_key: Ed25519PrivateKey) -> None:
    import datetime as dt

    when = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    assert build_pack(source, 1, desk_key, created=when) == build_pack(
        source, 1, desk_key, created=when
    )


def _rezip(
    data: bytes, change: dict[str, bytes | None], add: dict[str, bytes] | None = None
) -> bytes:
    """The pack with members replaced (None removes) and others added, signature untouched."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    dst.writestr(info.filename, change[info.filename] or b"")
            else:
                dst.writestr(info, src.read(info))
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def _resign(data: bytes, key: Ed25519PrivateKey, edit_manifest: dict[str, object]) -> bytes:
    """The pack with its manifest edited and correctly re-signed."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        doc = json.loads(src.read("manifest.json"))
    doc.update(edit_manifest)
    manifest = json.dumps(doc).encode()
    return _rezip(
        data,
        {"manifest.json": manifest, "manifest.sig": base64.b64encode(key.sign(manifest))},
    )


@pytest.fixture
def installed(
    paths: AppPaths, source: Path, desk_key: Ed25519PrivateKey, desk_profile: OrgProfile
) -> dict[str, bytes]:
    """Version 5 installed; returns the snapshot of the pack folder."""
    install(paths, build_pack(source, 5, desk_key), desk_profile)
    return snapshot(paths)


def _refused(
    paths: AppPaths,
    profile: OrgProfile,
    data: bytes,
    before: dict[str, bytes],
    error: type[Exception],
) -> str:
    with pytest.raises(error) as caught:
        install(paths, data, profile)
    assert snapshot(paths) == before
    assert installed_version(paths) == 5
    assert active_source(paths, trusted_keys(profile)).version == 5
    return str(caught.value)


def test_bad_signature_is_refused(
    paths: AppPaths, source: Path, desk_profile: OrgProfile, installed: dict[str, bytes]
) -> None:
    other = Ed25519PrivateKey.generate()
    message = _refused(
        paths, desk_profile, build_pack(source, 6, other), installed, PackSignatureInvalid
    )
    assert "signature" in message


def test_tampered_file_is_refused(
    paths: AppPaths,
    source: Path,
    desk_key: Ed25519PrivateKey,
    desk_profile: OrgProfile,
    installed: dict[str, bytes],
) -> None:
    data = build_pack(source, 6, desk_key)
    tampered = _rezip(data, {"guides/en/02-options.md": b"---\nlang: en\n---\n# Evil\n"})
    message = _refused(paths, desk_profile, tampered, installed, PackMalformed)
    assert "changed after signing" in message
    # An extra, unlisted file is refused too.
    extra = _rezip(data, {}, {"guides/en/07-extra.md": b"x"})
    _refused(paths, desk_profile, extra, installed, PackMalformed)


@pytest.mark.parametrize(
    "name",
    [
        "../evil.md",
        "guides/../../evil.md",
        "/etc/evil.md",
        "guides/en/..\\x.md",
        "guides/en/sub/01-advisor.md",
        "C:/evil.md",
    ],
)
def test_path_traversal_is_refused(
    paths: AppPaths,
    source: Path,
    desk_key: Ed25519PrivateKey,
    desk_profile: OrgProfile,
    installed: dict[str, bytes],
    name: str,
    tmp_path: Path,
) -> None:
    data = _rezip(build_pack(source, 6, desk_key), {}, {name: b"evil"})
    _refused(paths, desk_profile, data, installed, PackMalformed)
    assert not (tmp_path / "evil.md").exists()


def test_signed_manifest_with_traversal_is_refused(
    paths: AppPaths,
    source: Path,
    desk_key: Ed25519PrivateKey,
    desk_profile: OrgProfile,
    installed: dict[str, bytes],
) -> None:
    evil = hashlib.sha256(b"evil").hexdigest()
    data = _resign(build_pack(source, 6, desk_key), desk_key, {"files": {"../x.md": evil}})
    _refused(paths, desk_profile, data, installed, PackMalformed)


@pytest.mark.parametrize("version", [5, 4, 1])
def test_older_or_equal_version_is_refused(
    paths: AppPaths,
    source: Path,
    desk_key: Ed25519PrivateKey,
    desk_profile: OrgProfile,
    installed: dict[str, bytes],
    version: int,
) -> None:
    message = _refused(
        paths, desk_profile, build_pack(source, version, desk_key), installed, PackNotNewer
    )
    assert "version" in message


@pytest.mark.parametrize(
    "data", [b"", b"garbage" * 100, b"PK\x03\x04" + b"\x00" * 60, b"%PDF-1.4 not a pack"]
)
def test_garbage_file_is_refused(
    paths: AppPaths, desk_profile: OrgProfile, installed: dict[str, bytes], data: bytes
) -> None:
    _refused(paths, desk_profile, data, installed, PackMalformed)


def test_signed_but_incomplete_pack_is_refused(
    paths: AppPaths,
    source: Path,
    desk_key: Ed25519PrivateKey,
    desk_profile: OrgProfile,
    installed: dict[str, bytes],
) -> None:
    (source / "fr" / "03-after-report.md").unlink()
    message = _refused(
        paths, desk_profile, build_pack(source, 6, desk_key), installed, PackMalformed
    )
    assert "incomplete" in message


def test_bad_manifest_fields_are_refused(
    paths: AppPaths,
    source: Path,
    desk_key: Ed25519PrivateKey,
    desk_profile: OrgProfile,
    installed: dict[str, bytes],
) -> None:
    data = build_pack(source, 6, desk_key)
    for edit in ({"pack_version": "7"}, {"pack_version": True}, {"format": "x"}, {"files": {}}):
        _refused(paths, desk_profile, _resign(data, desk_key, edit), installed, PackMalformed)


def test_no_desk_key_refuses(
    paths: AppPaths, source: Path, desk_key: Ed25519PrivateKey, profile: OrgProfile
) -> None:
    assert profile.desks == ()
    with pytest.raises(PackNoTrustedKey):
        install(paths, build_pack(source, 1, desk_key), profile)
    assert snapshot(paths) == {}


def test_tampered_installed_pack_falls_back_to_shipped(
    paths: AppPaths, desk_profile: OrgProfile, installed: dict[str, bytes]
) -> None:
    target = pack_folder(paths) / "5" / "en" / "01-advisor.md"
    target.write_text(target.read_text() + "\nEvil line.\n")
    assert active_source(paths).origin == "shipped"


def test_installed_pack_with_a_foreign_key_is_not_trusted(
    paths: AppPaths, installed: dict[str, bytes]
) -> None:
    stranger = Ed25519PrivateKey.generate().public_key()
    active = active_source(paths, [stranger])
    assert (active.origin, active.withheld, active.withheld_reason) == ("shipped", 5, "invalid")


def test_without_the_vault_a_pack_is_verified_with_the_shipped_profile(
    paths: AppPaths,
    installed: dict[str, bytes],
    desk_profile: OrgProfile,
    profile: OrgProfile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The shipped profile has no desk key: the installed (validly signed) pack is not served.
    assert profile.desks == ()
    active = active_source(paths)
    assert (active.origin, active.withheld, active.withheld_reason) == ("shipped", 5, "no-key")
    assert "cannot be verified without the vault's profile" in (withheld_note(active) or "")
    # A shipped profile that names the desk's key verifies it.
    monkeypatch.setattr("advisor_desktop.guides.store.load_profile", lambda: desk_profile)
    active = active_source(paths)
    assert (active.origin, active.version, active.withheld) == ("pack", 5, None)
    assert withheld_note(active) is None


def plant_unsigned_pack(paths: AppPaths, version: int = 99) -> Path:
    """A pack folder with correct file hashes and an all-zero signature, made current."""
    folder = pack_folder(paths) / str(version)
    shutil.copytree(shipped_root(), folder)
    planted = folder / "en" / "06-contacts.md"
    planted.write_text(planted.read_text() + "\nCall the desk on +00 666 666 666.\n")
    files = {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.md"))
    }
    doc = {"format": "advisor-desktop-guides-pack", "pack_version": version,
           "created": "2026-01-01T00:00:00+00:00", "files": files}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(doc))
    (folder / "manifest.sig").write_bytes(base64.b64encode(bytes(64)))
    (pack_folder(paths) / "current.json").write_text(json.dumps({"version": version}))
    return folder


def test_a_planted_unsigned_pack_is_never_served(
    paths: AppPaths, desk_profile: OrgProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    plant_unsigned_pack(paths)
    for keys in (None, trusted_keys(desk_profile), []):
        active = active_source(paths, keys)
        assert (active.origin, active.root, active.withheld) == ("shipped", shipped_root(), 99)
    monkeypatch.setattr("advisor_desktop.guides.store.load_profile", lambda: desk_profile)
    assert active_source(paths).withheld_reason == "invalid"


def test_read_pack_returns_contents(source: Path, desk_key: Ed25519PrivateKey) -> None:
    pack = read_pack(build_pack(source, 2, desk_key), [desk_key.public_key()])
    assert pack.version == 2
    assert "en/01-advisor.md" in pack.files
