"""Every ``advisor`` command end to end: outputs, --json, --data-dir, passwd, status, selftest."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from advisor_desktop.cli.advisor.main import main
from advisor_desktop.cli.common import Console
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.platform.paths import resolve_paths
from advisor_desktop.storage.store import open_vault

from .conftest import PASSPHRASE, CliRunner

FOUNDATION_COMMANDS = {
    "init",
    "passwd",
    "backup",
    "restore",
    "import",
    "list",
    "search",
    "show",
    "close",
    "reopen",
    "follow-ups",
    "purge",
    "demo-data",
    "selftest",
}
NEW_PASSPHRASE = "the second passphrase"


def help_commands(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The command names listed by ``advisor --help``."""
    code = main(["--help"])
    out = capsys.readouterr().out
    assert code == 0
    block = out.split("COMMAND\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^ {4}([a-z][a-z-]*)\b", block, flags=re.MULTILINE)


def init(cli: CliRunner) -> str:
    r = cli("init")
    assert r.code == 0, r.err
    return next(line.strip() for line in r.out.splitlines() if line.count("-") == 7)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def test_help_lists_every_command_and_each_has_help(
    capsys: pytest.CaptureFixture[str], cli: CliRunner
) -> None:
    commands = help_commands(capsys)
    assert set(commands) >= FOUNDATION_COMMANDS, commands
    for command in commands:
        code = main(["--data-dir", str(cli.data_dir), command, "--help"])
        out = capsys.readouterr().out
        assert code == 0, command
        assert f"usage: advisor {command}" in out.replace("\n", " "), command
    assert main(["--version"]) == 0
    assert re.match(r"advisor \d+\.\d+", capsys.readouterr().out)


def test_usage_errors_exit_2(cli: CliRunner, capsys: pytest.CaptureFixture[str]) -> None:
    init(cli)
    for argv in (
        (),
        ("show",),
        ("show", "abc"),
        ("list", "--status", "pending"),
        ("search",),
        ("backup",),
        ("follow-ups", "--within", "soon"),
        ("demo-data", "--count", "0"),
        ("list", "--no-such-option"),
    ):
        r = cli(*argv)
        assert r.code == 2, (argv, r)
        assert "Traceback" not in r.err
    capsys.readouterr()


def test_full_workflow_with_json(cli: CliRunner, tmp_path: Path) -> None:
    init(cli)
    t = today()
    rows = [
        ("2026-01-05", "open", (t - dt.timedelta(days=3)).isoformat(), "overdue pelican"),
        ("2026-01-06", "open", t.isoformat(), "due today pelican"),
        ("2026-01-07", "open", (t + dt.timedelta(days=5)).isoformat(), "in five days"),
        ("2026-01-08", "open", (t + dt.timedelta(days=20)).isoformat(), "in twenty days"),
        ("2026-01-09", "closed", (t - dt.timedelta(days=9)).isoformat(), "closed, not due"),
        ("2026-01-10", "open", "", "no follow-up at all"),
    ]
    export = tmp_path / "in.csv"
    export.write_text(
        "date,channel,role,categories,options,agreed,follow_up,status,language,notes\n"
        + "".join(f'{d},phone,hq,fraud,manager,,{f},{s},en,"{n}"\n' for d, s, f, n in rows),
        encoding="utf-8",
    )
    assert cli("import", str(export)).code == 0

    listed = json.loads(cli("list", "--json").out)
    assert [item["date"] for item in listed] == [r[0] for r in reversed(rows)]
    assert set(listed[0]) == {"id", "date", "role", "categories", "status", "follow_up"}
    assert len(json.loads(cli("list", "--status", "closed", "--json").out)) == 1
    assert len(json.loads(cli("list", "--status", "open", "--json").out)) == 5
    text = cli("list").out.splitlines()
    assert len(text) == 6
    assert "2026-01-10" in text[0]

    def due(*args: str) -> list[str]:
        r = cli("follow-ups", *args, "--json")
        assert r.code == 0, r.err
        return [item["date"] for item in json.loads(r.out)]

    assert due() == ["2026-01-05", "2026-01-06"]
    assert due("--within", "4") == ["2026-01-05", "2026-01-06"]
    assert due("--within", "5") == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert due("--within", "30") == ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08"]
    assert len(cli("follow-ups").out.splitlines()) == 2

    hits = json.loads(cli("search", "PELICAN", "--json").out)
    assert sorted(h["date"] for h in hits) == ["2026-01-05", "2026-01-06"]
    assert all("pelican" in h["snippet"] for h in hits)
    assert len(json.loads(cli("search", "pelican", "--limit", "1", "--json").out)) == 1
    assert json.loads(cli("search", '"', "--json").out) == []
    assert cli("search", "pelican").out.count("pelican") == 2

    rid = hits[0]["id"]
    shown = json.loads(cli("show", str(rid), "--json").out)
    assert shown["id"] == rid
    assert shown["status"] == "open"
    assert shown["purge_date"] is None
    assert shown["channel"] == "phone"
    assert "notes" in cli("show", str(rid)).out

    assert cli("close", str(rid)).code == 0
    shown = json.loads(cli("show", str(rid), "--json").out)
    assert shown["status"] == "closed"
    assert shown["closed_at"] is not None
    assert shown["purge_date"] is not None
    assert rid not in [item["id"] for item in json.loads(cli("follow-ups", "--json").out)]
    assert cli("reopen", str(rid)).code == 0
    shown = json.loads(cli("show", str(rid), "--json").out)
    assert (shown["status"], shown["closed_at"], shown["purge_date"]) == ("open", None, None)
    assert cli("close", "9999").code == 1
    assert cli("reopen", "9999").code == 1

    dry = cli("purge", "--dry-run", "--json")
    assert dry.code == 0
    assert json.loads(dry.out) == []
    assert cli("purge", "--json").code == 0
    assert "Purged 0 records" in cli("purge").out


def test_demo_data_is_deterministic_per_seed(cli: CliRunner, tmp_path: Path) -> None:
    init(cli)
    assert "Added 30 fictional records" in cli("demo-data", "--count", "30", "--seed", "5").out
    other = CliRunner(tmp_path / "other", cli.policy)
    init(other)
    assert other("demo-data", "--count", "30", "--seed", "5").code == 0
    third = CliRunner(tmp_path / "third", cli.policy)
    init(third)
    assert third("demo-data", "--count", "30", "--seed", "6").code == 0

    def notes(runner: CliRunner) -> list[str]:
        return [json.loads(runner("show", str(i), "--json").out)["notes"] for i in (1, 7, 30)]

    assert notes(cli) == notes(other)
    assert notes(cli) != notes(third)
    assert json.loads(cli("list", "--json").out) == json.loads(other("list", "--json").out)
    # Multilingual: Latin, Cyrillic, Arabic and CJK notes are all searchable.
    for word in ("visitor", "посетитель", "الزائر", "来访者"):
        assert json.loads(cli("search", word, "--json").out), word


def test_passwd_normal_and_recovery(cli: CliRunner, tmp_path: Path) -> None:
    code = init(cli)
    assert cli("demo-data", "--count", "3").code == 0
    # Normal: old passphrase from the environment, new one from the environment.
    r = cli("passwd", env={"ADVISOR_NEW_PASSPHRASE": NEW_PASSPHRASE})
    assert r.code == 0, r.err
    assert cli("list").code == 3
    assert cli("list", env={"ADVISOR_PASSPHRASE": NEW_PASSPHRASE}).code == 0
    # Wrong old passphrase: exit 3, nothing changes.
    assert cli("passwd", env={"ADVISOR_NEW_PASSPHRASE": "whatever it is"}).code == 3
    # Too short a new one: refused, old one still works.
    r = cli("passwd", env={"ADVISOR_PASSPHRASE": NEW_PASSPHRASE, "ADVISOR_NEW_PASSPHRASE": "x"})
    assert r.code == 1
    assert "8 characters" in r.err
    assert cli("list", env={"ADVISOR_PASSPHRASE": NEW_PASSPHRASE}).code == 0

    # Recovery: the passphrase is forgotten.
    forgotten = {"ADVISOR_PASSPHRASE": ""}
    wrong_code = code[:-1] + ("A" if code[-1] != "A" else "B")
    r = cli(
        "passwd",
        "--recovery",
        env={**forgotten, "ADVISOR_RECOVERY_CODE": wrong_code, "ADVISOR_NEW_PASSPHRASE": "p" * 9},
    )
    assert r.code == 3
    assert "typing mistake" in r.err
    code_file = tmp_path / "code.txt"
    code_file.write_text(code.lower() + "\n", encoding="utf-8")
    new_file = tmp_path / "new.txt"
    new_file.write_text("recovered passphrase\n", encoding="utf-8")
    r = cli(
        "passwd",
        "--recovery",
        "--recovery-code-file",
        str(code_file),
        "--new-passphrase-file",
        str(new_file),
        env=forgotten,
    )
    assert r.code == 0, r.err
    assert cli("list", env={"ADVISOR_PASSPHRASE": NEW_PASSPHRASE}).code == 3
    assert cli("list", env={"ADVISOR_PASSPHRASE": "recovered passphrase"}).code == 0
    # Recovery without a new passphrase: usage error, nothing changed.
    r = cli("passwd", "--recovery", env={**forgotten, "ADVISOR_RECOVERY_CODE": code})
    assert r.code == 2
    assert cli("list", env={"ADVISOR_PASSPHRASE": "recovered passphrase"}).code == 0


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_passphrase_prompt_on_a_terminal(tmp_path: Path, policy: KdfPolicy) -> None:
    answers: list[str] = []

    def run(*argv: str, replies: list[str]) -> tuple[int, str]:
        answers[:] = replies
        err = io.StringIO()
        console = Console(
            stdin=_Tty(), stdout=io.StringIO(), stderr=err, env={}, prompt=lambda _p: answers.pop(0)
        )
        code = main(["--data-dir", str(tmp_path / "d"), *argv], console=console, policy=policy)
        return code, err.getvalue()

    assert run("init", replies=["typed passphrase one", "typed passphrase two"])[0] == 2
    assert not (tmp_path / "d" / "vault.db").exists()
    assert run("init", replies=["typed passphrase one", "typed passphrase one"])[0] == 0
    assert run("list", replies=["typed passphrase one"])[0] == 0
    assert run("list", replies=["wrong"])[0] == 3


def test_data_dir_is_respected(cli: CliRunner, isolated_dirs: Path, tmp_path: Path) -> None:
    code = init(cli)
    assert cli("demo-data", "--count", "5").code == 0
    assert cli("list", "--json").code == 0
    assert cli("search", "visitor").code == 0
    assert cli("backup", "--out", str(tmp_path / "b.advisor")).code == 0
    assert cli("passwd", env={"ADVISOR_NEW_PASSPHRASE": NEW_PASSPHRASE}).code == 0
    again = {"ADVISOR_PASSPHRASE": NEW_PASSPHRASE}
    assert cli("follow-ups", env=again).code == 0
    assert cli("purge", "--dry-run", env=again).code == 0
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){7}", code), code  # the recovery code
    written = list(isolated_dirs.rglob("*"))
    assert written == [], written
    names = {p.name for p in cli.data_dir.iterdir()}
    assert {"vault.db", "vault.keys", "logs"} <= names
    # The default location (platformdirs) is under the isolated XDG folders, and untouched.
    default = resolve_paths(None)
    assert str(default.data).startswith(str(isolated_dirs))
    assert not default.data.exists()


def test_vault_busy_exit_5(cli: CliRunner, policy: KdfPolicy) -> None:
    init(cli)
    with open_vault(resolve_paths(cli.data_dir), bytearray(PASSPHRASE.encode()), policy):
        r = cli("list")
        assert r.code == 5
        assert "already open" in r.err
    assert cli("list").code == 0


def test_commands_without_vault_exit_4(cli: CliRunner, tmp_path: Path) -> None:
    for argv in (
        ("list",),
        ("search", "x"),
        ("show", "1"),
        ("close", "1"),
        ("follow-ups",),
        ("purge", "--dry-run"),
        ("demo-data", "--count", "1"),
        ("passwd",),
        ("backup", "--out", str(tmp_path / "b")),
    ):
        r = cli(*argv, env={"ADVISOR_NEW_PASSPHRASE": NEW_PASSPHRASE})
        assert r.code == 4, (argv, r)
        assert "No vault" in r.err
        assert len(r.err.strip().splitlines()) == 1


@pytest.mark.slow
def test_selftest_entry_point(tmp_path: Path) -> None:
    """The installed ``advisor`` script, as a user runs it (calibrates the real KDF)."""
    script = Path(sys.executable).parent / ("advisor.exe" if os.name == "nt" else "advisor")
    assert script.exists(), "the project is not installed (pip install -e .)"
    home = tmp_path / "home"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    data = tmp_path / "data"
    result = subprocess.run(
        [str(script), "--data-dir", str(data), "selftest"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "All checks passed." in out
    assert "FAIL" not in out
    assert re.search(r"SQLCipher 4\.\d+", out)
    assert "temp_store=2 secure_delete=1 journal_mode=wal synchronous=2" in out
    assert re.search(r"Argon2id calibrated to (\d+) MiB", out)
    mib = int(re.search(r"Argon2id calibrated to (\d+) MiB", out).group(1))  # type: ignore[union-attr]
    assert mib >= 64
    assert result.stderr == ""
    assert not home.exists() or not any(home.rglob("*"))
    assert not (data / "vault.db").exists()  # the selftest vault lives in a temp folder
