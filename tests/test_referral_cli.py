"""``advisor referral`` over the shared use cases: the redaction review the wizard shows, and
the export's neutral, private file."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.identity import keygen
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.paths import resolve_paths
from advisor_desktop.storage.meta import load_vault_profile
from advisor_desktop.storage.store import open_vault
from tests.conftest import PASSPHRASE, TEST_KDF, CliRunner
from tests.helpers.records import make_record

NOTES = "Maria Jansen (maria@example.org, +31 6 12345678) was insulted on 2026-03-14."


@pytest.fixture
def ref(cli: CliRunner, policy: KdfPolicy, tmp_path: Path) -> str:
    """A draft referral of a record with a listed identifier, to a desk in the profile."""
    assert cli("init").code == 0
    keygen(tmp_path / "desk", "Central desk", b"desk passphrase", TEST_KDF)
    assert cli("profile", "import", str(tmp_path / "desk" / "desk-public.json")).code == 0
    vault = open_vault(resolve_paths(cli.data_dir), bytearray(PASSPHRASE.encode()), policy)
    with vault:
        record_id = Notebook(vault, load_vault_profile(vault)).add(
            make_record(notes=NOTES, identifiers=("Maria Jansen",))
        )
    made = cli("referral", "new", str(record_id), "--desk", "Central desk", "--scopes", "summary")
    assert made.code == 0, made.err
    return made.out.strip()


def test_redact_lists_the_review_with_states(cli: CliRunner, ref: str) -> None:
    rows = json.loads(cli("referral", "redact", ref, "--json").out)
    assert {r["state"] for r in rows} == {"proposed"}
    phone = next(r for r in rows if r["kind"] == "phone")
    undone = cli("referral", "redact", ref, "--undo", f"{phone['start']}:{phone['end']}", "--json")
    assert undone.code == 0, undone.err
    after = {(r["start"], r["end"]): r for r in json.loads(undone.out)}
    # The undone proposal stays listed (as the wizard lists it), marked as kept.
    assert after[(phone["start"], phone["end"])]["state"] == "undone"
    assert after[(phone["start"], phone["end"])]["original"] == "+31 6 12345678"
    text = cli("referral", "redact", ref)
    assert "[Kept]" in text.out
    assert "[To check]" in text.out
    reset = json.loads(cli("referral", "redact", ref, "--reset", "--json").out)
    assert {r["state"] for r in reset} == {"proposed"}


def test_contact_typed_but_empty_is_refused(cli: CliRunner, ref: str) -> None:
    listed = json.loads(cli("referral", "list", "--json").out)
    record_id = str(listed[0]["record_id"])
    empty = cli(
        "referral", "new", record_id, "--desk", "Central desk", "--scopes", "contact",
        "--contact", " ",
    )  # fmt: skip
    assert empty.code == 2
    assert "contact" in empty.err


def test_export_to_a_folder_is_neutral_and_private(
    cli: CliRunner, ref: str, tmp_path: Path
) -> None:
    out = tmp_path / "usb"
    out.mkdir()
    assert cli("referral", "export", ref, "--out", str(out)).code == 1  # not sealed yet
    assert list(out.iterdir()) == []
    assert cli("referral", "confirm", ref).code == 0
    exported = cli("referral", "export", ref, "--out", str(out))
    assert exported.code == 0, exported.err
    path = Path(exported.out.strip())
    assert path.parent == out
    assert re.fullmatch(r"[0-9a-f]{16}\.referral", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_language_scope_and_the_preview_in_words(
    cli: CliRunner, ref: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--scopes`` takes ``language``; without it and without the period no language and no
    time travel; ``preview --words`` reads like the wizard's preview, without ids."""
    listed = json.loads(cli("referral", "list", "--json").out)
    record_id = str(listed[0]["record_id"])
    bare = json.loads(cli("referral", "preview", ref).out)
    assert "language" not in bare
    assert "created" not in bare
    assert set(bare["consent"]) == {"scopes", "statement_version", "method"}
    made = cli(
        "referral", "new", record_id, "--desk", "Central desk",
        "--scopes", "category,period=quarter,language",
    )  # fmt: skip
    assert made.code == 0, made.err
    other = made.out.strip()
    doc = json.loads(cli("referral", "preview", other).out)
    assert doc["language"] == "en"
    assert doc["consent"]["language"] == "en"
    assert re.fullmatch(r"\d{4}-Q[1-4]", doc["created"])
    assert doc["consent"]["given"] == doc["created"]
    words = cli("referral", "preview", other, "--words")
    assert words.code == 0, words.err
    assert "Bullying" in words.out
    assert "1st quarter 2026" in words.out
    assert "English" in words.out
    for internal in ("bullying", "granularity", other, doc["advisor_key_id"], "{"):
        assert internal not in words.out
    assert "--digest" in words.err
    from advisor_desktop.cli.advisor.main import main

    capsys.readouterr()
    assert main(["--data-dir", str(cli.data_dir), "referral", "new", "--help"]) == 0
    assert "language" in capsys.readouterr().out
