"""End to end on the command line: desk keygen → advisor imports it → referral new, preview,
confirm, export → desk enrols the advisor (with the desk passphrase, after comparing the
fingerprint: ``--yes``) and opens the file; and the refusals. The desk store's own tests are in
tests/desk/."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from advisor_desktop.cli.common import Console
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.paths import resolve_paths
from advisor_desktop.storage.meta import load_vault_profile
from advisor_desktop.storage.store import open_vault
from tests.conftest import PASSPHRASE, CliRunner
from tests.helpers.records import make_record

DESK_PASS = "desk passphrase for tests"
NOTES = "Maria Jansen (maria@example.org, +31 6 12345678) was insulted on 2026-03-14."


@dataclass
class Result:
    code: int
    out: str
    err: str


class DeskRunner:
    """Runs ``advisor-desk`` in-process on one desk folder with a fast KDF."""

    def __init__(self, folder: Path, policy: KdfPolicy) -> None:
        self.folder = folder
        self.policy = policy

    def __call__(self, *argv: str, env: dict[str, str] | None = None) -> Result:
        from advisor_desktop.cli.desk.main import main

        out, err = io.StringIO(), io.StringIO()
        console = Console(
            stdin=io.StringIO(""),
            stdout=out,
            stderr=err,
            env={"ADVISOR_DESK_PASSPHRASE": DESK_PASS, **(env or {})},
        )
        code = main(["--desk-dir", str(self.folder), *argv], console=console, policy=self.policy)
        return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def desk(tmp_path: Path, policy: KdfPolicy) -> DeskRunner:
    return DeskRunner(tmp_path / "desk", policy)


def add_record(cli: CliRunner, policy: KdfPolicy) -> int:
    """A record with a listed identifier, written straight into the CLI's vault."""
    vault = open_vault(resolve_paths(cli.data_dir), bytearray(PASSPHRASE.encode()), policy)
    with vault:
        notebook = Notebook(vault, load_vault_profile(vault))
        return int(notebook.add(make_record(notes=NOTES, identifiers=("Maria Jansen",))))


@pytest.fixture
def ready(cli: CliRunner, desk: DeskRunner, policy: KdfPolicy) -> int:
    """A vault with the desk imported and enrolled; returns a record id."""
    assert cli("init").code == 0
    assert desk("keygen", "--name", "Central desk").code == 0
    imported = cli("profile", "import", str(desk.folder / "desk-public.json"))
    assert imported.code == 0, imported.err
    assert "fingerprint" in imported.out
    key = cli("device-key", "--json")
    assert key.code == 0
    enrolled = desk("enrol", json.loads(key.out)["public_key"], "--name", "Advisor Lagos", "--yes")
    assert enrolled.code == 0, enrolled.err
    assert json.loads(key.out)["fingerprint"] in enrolled.out
    return add_record(cli, policy)


def referral(cli: CliRunner, record_id: int, scopes: str = "category,role,period,summary") -> str:
    made = cli("referral", "new", str(record_id), "--desk", "Central desk", "--scopes", scopes)
    assert made.code == 0, made.err
    return made.out.strip()


def test_full_flow(cli: CliRunner, desk: DeskRunner, ready: int, tmp_path: Path) -> None:
    ref = referral(cli, ready)
    preview = cli("referral", "preview", ref)
    assert preview.code == 0
    doc = json.loads(preview.out)
    assert doc["referral_id"] == ref
    assert "Maria" not in preview.out
    assert "12345678" not in preview.out
    digest = preview.err.split()[1]
    # export before confirm is refused
    assert cli("referral", "export", ref, "--out", str(tmp_path)).code == 1
    confirmed = cli("referral", "confirm", ref, "--digest", digest)
    assert confirmed.code == 0, confirmed.err
    exported = cli("referral", "export", ref, "--out", str(tmp_path))
    assert exported.code == 0, exported.err
    path = Path(exported.out.strip())
    assert path.suffix == ".referral"
    assert ref not in path.name
    assert path.read_bytes().startswith(b"age-encryption.org/v1\n")

    opened = desk("open", str(path), "--json")
    assert opened.code == 0, opened.err
    got = json.loads(opened.out)
    assert got["signer"] == "Advisor Lagos"
    assert got["payload"] == doc
    text = desk("open", str(path))
    assert text.code == 9  # replay: the first open remembered the id
    listed = json.loads(cli("referral", "list", "--json").out)
    assert [(r["id"], r["state"]) for r in listed] == [(ref, "exported")]


def test_readable_open(cli: CliRunner, desk: DeskRunner, ready: int, tmp_path: Path) -> None:
    ref = referral(cli, ready)
    assert cli("referral", "confirm", ref).code == 0
    out = tmp_path / "x.referral"
    assert cli("referral", "export", ref, "--out", str(out)).code == 0
    opened = desk("open", str(out))
    assert opened.code == 0, opened.err
    assert f"Referral {ref}" in opened.out
    assert "Signed by: Advisor Lagos" in opened.out
    assert "period: granularity=month, value=2026-03" in opened.out


def test_redact_and_withdraw(cli: CliRunner, ready: int) -> None:
    ref = referral(cli, ready)
    rows = json.loads(cli("referral", "redact", ref, "--json").out)
    kinds = {r["kind"] for r in rows}
    assert {"name", "email", "phone", "date"} <= kinds
    name = next(r for r in rows if r["kind"] == "name")
    locked = cli("referral", "redact", ref, "--undo", f"{name['start']}:{name['end']}")
    assert locked.code == 1
    assert "identifier" in locked.err
    phone = next(r for r in rows if r["kind"] == "phone")
    assert cli("referral", "redact", ref, "--undo", f"{phone['start']}:{phone['end']}").code == 0
    assert "12345678" in cli("referral", "preview", ref).out
    assert cli("referral", "redact", ref, "--add", "0:3").code == 0
    assert cli("referral", "redact", ref, "--add", "nonsense").code == 2
    assert cli("referral", "confirm", ref).code == 0
    withdrawn = cli("referral", "withdraw", ref)
    assert withdrawn.code == 0
    assert json.loads(cli("referral", "list", "--json").out)[0]["state"] == "withdrawn"
    assert cli("referral", "export", ref, "--out", "x").code == 1


def test_usage_errors(cli: CliRunner, ready: int) -> None:
    bad_scope = cli("referral", "new", str(ready), "--desk", "Central desk", "--scopes", "name")
    assert bad_scope.code == 2
    assert "Unknown scope" in bad_scope.err
    no_desk = cli("referral", "new", str(ready), "--desk", "Nope", "--scopes", "category")
    assert no_desk.code == 1
    no_post = cli("referral", "new", str(ready), "--desk", "Central desk", "--scopes", "post")
    assert no_post.code == 2
    assert cli("referral", "preview", "no-such-id").code == 1
    lang = cli(
        "referral", "new", str(ready), "--desk", "Central desk", "--scopes", "category",
        "--consent-language", "xx",
    )  # fmt: skip
    assert lang.code == 2


def test_desk_refusals(cli: CliRunner, desk: DeskRunner, ready: int, tmp_path: Path) -> None:
    ref = referral(cli, ready)
    assert cli("referral", "confirm", ref).code == 0
    good = tmp_path / "good.referral"
    assert cli("referral", "export", ref, "--out", str(good)).code == 0
    data = good.read_bytes()
    truncated = tmp_path / "t.referral"
    truncated.write_bytes(data[: len(data) // 2])
    assert desk("open", str(truncated)).code == 6
    flipped = tmp_path / "f.referral"
    flipped.write_bytes(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
    assert desk("open", str(flipped)).code == 6
    garbage = tmp_path / "g.referral"
    garbage.write_bytes(b"\x00" * 100)
    assert desk("open", str(garbage)).code == 6
    assert desk("open", str(tmp_path / "missing")).code == 2
    wrong = desk("open", str(good), env={"ADVISOR_DESK_PASSPHRASE": "wrong one"})
    assert wrong.code == 3
    other = DeskRunner(tmp_path / "other-desk", desk.policy)
    assert other("keygen", "--name", "Other").code == 0
    assert other("open", str(good)).code == 6  # not encrypted to this desk
    # A package this desk can decrypt, from an advisor device it never enrolled: exit 7. (The
    # desk's identity file copied to another desk no longer opens there: it belongs to this
    # desk's store, see tests/desk/test_store_integrity.py.)
    stranger = CliRunner(tmp_path / "stranger", desk.policy)
    assert stranger("init").code == 0
    assert stranger("profile", "import", str(desk.folder / "desk-public.json")).code == 0
    unknown_ref = referral(stranger, add_record(stranger, desk.policy))
    assert stranger("referral", "confirm", unknown_ref).code == 0
    unknown = tmp_path / "unknown.referral"
    assert stranger("referral", "export", unknown_ref, "--out", str(unknown)).code == 0
    assert desk("open", str(unknown)).code == 7


def test_desk_keygen_and_enrol_errors(desk: DeskRunner) -> None:
    assert desk("open", "x").code in (2, 4)
    assert desk("keygen", "--name", "D").code == 0
    assert desk("keygen", "--name", "D").code == 4  # exists
    assert desk("enrol", "not-a-key", "--name", "A").code == 1
    assert desk().code == 2
    public = json.loads((desk.folder / "desk-public.json").read_text())
    assert public["age_recipient"].startswith("age1")


def test_profile_show_and_bad_import(cli: CliRunner, ready: int, tmp_path: Path) -> None:
    shown = cli("profile", "show", "--json")
    assert shown.code == 0
    assert json.loads(shown.out)["desks"][0]["name"] == "Central desk"
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "advisor-desktop-desk-public", "version": 1, "name": "X", '
                   '"age_recipient": "age1nope", "signing_key": "ed25519:AAAA"}')  # fmt: skip
    assert cli("profile", "import", str(bad)).code == 1
    assert "Desk: Central desk" in cli("profile", "show").out


@pytest.mark.skipif(shutil.which("age") is None, reason="the age command-line tool is absent")
def test_age_cli_decrypts_package(
    cli: CliRunner, desk: DeskRunner, ready: int, tmp_path: Path
) -> None:
    """Interoperability: any conforming age implementation opens the package."""
    from advisor_desktop.desk.identity import unlock

    ref = referral(cli, ready)
    assert cli("referral", "confirm", ref).code == 0
    out = tmp_path / "p.referral"
    assert cli("referral", "export", ref, "--out", str(out)).code == 0
    identity = unlock(desk.folder, DESK_PASS.encode())
    key_file = tmp_path / "identity.txt"
    key_file.write_text(str(identity.age_identity) + "\n")
    key_file.chmod(0o600)
    plain = subprocess.run(
        ["age", "-d", "-i", str(key_file), str(out)], capture_output=True, check=True
    ).stdout
    envelope = json.loads(plain)
    assert envelope["format"] == "advisor-desktop-referral"
    assert envelope["payload"]["referral_id"] == ref
