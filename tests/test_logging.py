"""Logs hold event names and ids only: never content, passphrases or recovery codes."""

from __future__ import annotations

import csv
import io
import logging
import stat
from pathlib import Path

import pytest

from advisor_desktop.notebook.csv_import import REQUIRED_COLUMNS
from advisor_desktop.platform.logs import ContentFilter, setup_logging

from .conftest import PASSPHRASE, CliRunner
from .helpers.canaries import make_canaries, patterns, scan_file

NEW_PASSPHRASE = "Ünïcode new passphrase 42"


def _csv(canaries: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*REQUIRED_COLUMNS, "alias"])
    for i, canary in enumerate(canaries):
        writer.writerow(
            [
                "2026-01-0" + str(i + 1),
                "phone",
                "hq",
                "fraud",
                "manager",
                canary,
                "",
                "open",
                "en",
                canary,
                canary,
            ]
        )
    # One bad row whose bad value is itself a canary: the error goes to stderr, not the log.
    writer.writerow(["2026-01-09", canaries[0], "hq", "", "", "", "", "", "en", "", ""])
    return buf.getvalue()


def test_cli_workflow_logs_events_but_no_secrets(cli: CliRunner, tmp_path: Path) -> None:
    canaries = make_canaries("log")
    r = cli("init")
    assert r.code == 0
    code = next(line.strip() for line in r.out.splitlines() if line.count("-") == 7)
    export = tmp_path / "export.csv"
    export.write_text(_csv(canaries), encoding="utf-8")
    assert cli("import", str(export)).code != 0  # bad row: nothing imported
    assert cli("import", "--skip-invalid", str(export)).code == 0
    for canary in canaries:
        assert cli("search", canary).code == 0
    assert cli("show", "1", "--json").code == 0
    assert cli("list", env={"ADVISOR_PASSPHRASE": "wrong " + canaries[1]}).code == 3
    backup = tmp_path / "b.advisor"
    assert cli("backup", "--out", str(backup)).code == 0
    assert cli("passwd", env={"ADVISOR_NEW_PASSPHRASE": NEW_PASSPHRASE}).code == 0
    again = {"ADVISOR_PASSPHRASE": NEW_PASSPHRASE}
    assert cli("close", "1", env=again).code == 0
    assert cli("purge", "--dry-run", env=again).code == 0
    assert (
        cli(
            "restore",
            "--replace",
            "--recovery",
            str(backup),
            env={"ADVISOR_RECOVERY_CODE": code, "ADVISOR_NEW_PASSPHRASE": PASSPHRASE + "!"},
        ).code
        == 0
    )

    log_file = cli.data_dir / "logs" / "advisor-desktop.log"
    text = log_file.read_text(encoding="utf-8")
    for event in (
        "vault_created",
        "vault_opened via=passphrase",
        "vault_opened via=recovery",
        "records_added count=",
        "backup_written",
        "passphrase_changed",
        "record_status id=1 status=closed",
        "backup_restored",
        "vault_closed",
    ):
        assert event in text, event
    secrets_ = [
        *canaries,
        PASSPHRASE,
        NEW_PASSPHRASE,
        PASSPHRASE + "!",
        code,
        code.replace("-", ""),
        "wrong",
    ]
    hits = scan_file(log_file, patterns(secrets_))
    assert hits == [], [h.canary for h in hits]
    for passphrase_word in PASSPHRASE.split():
        assert passphrase_word not in text
    mode = stat.S_IMODE(log_file.stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)


@pytest.fixture
def log_to_file(tmp_path: Path) -> tuple[logging.Logger, Path]:
    path = setup_logging(tmp_path / "logs")
    return logging.getLogger("advisor_desktop.tests"), path


def _flush() -> None:
    for handler in logging.getLogger("advisor_desktop").handlers:
        handler.flush()


def test_filter_redacts_text_arguments(log_to_file: tuple[logging.Logger, Path]) -> None:
    log, path = log_to_file
    secret_text = "The visitor, Ms Example, said her manager threatened her"
    log.info("%s", secret_text)
    log.info("note_saved id=%s text=%s", 42, "Überprüfung")
    log.info("two %s %s", "ok-token_1.2:3", "with space")
    log.warning("mapping %(x)s", {"x": "секретный текст"})
    log.info("record_saved id=%s ratio=%s id2=%s", 7, 0.5, "3f2a8c1e-0000-4000-8000-000000000000")
    _flush()
    text = path.read_text(encoding="utf-8")
    assert secret_text not in text
    assert "Example" not in text
    assert "Überprüfung" not in text
    assert "секретный" not in text
    assert "with space" not in text
    assert "<redacted>" in text
    assert "note_saved id=42 text=<redacted>" in text
    assert "two ok-token_1.2:3 <redacted>" in text
    assert "mapping <redacted>" in text
    assert "record_saved id=7 ratio=0.5 id2=3f2a8c1e-0000-4000-8000-000000000000" in text


def test_filter_strips_tracebacks(log_to_file: tuple[logging.Logger, Path]) -> None:
    log, path = log_to_file
    try:
        raise ValueError("note content inside an exception: Geheimnis")
    except ValueError:
        log.exception("save_failed id=%s", 3)
    _flush()
    text = path.read_text(encoding="utf-8")
    assert "save_failed id=3 exc=ValueError" in text
    assert "Geheimnis" not in text
    assert "Traceback" not in text


def test_filter_on_a_bare_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a=%s b=%s", ("ok", "not ok"), None)
    assert ContentFilter().filter(record)
    assert record.getMessage() == "a=ok b=<redacted>"
    long_token = "a" * 65
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (long_token,), None)
    ContentFilter().filter(record)
    assert record.getMessage() == "<redacted>"
