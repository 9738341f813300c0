"""The ``advisor`` CLI end to end on a real vault: exit codes and core commands."""

from __future__ import annotations

import json

from .conftest import CliRunner


def test_init_demo_list_search_show(cli: CliRunner) -> None:
    r = cli("init")
    assert r.code == 0, r.err
    assert "recovery code" in r.out
    assert cli("demo-data", "--count", "120", "--seed", "3").code == 0
    listed = json.loads(cli("list", "--json").out)
    assert len(listed) == 120
    hits = json.loads(cli("search", "насмешк", "--json").out)
    assert hits, "Cyrillic prefix search found nothing"
    shown = json.loads(cli("show", str(hits[0]["id"]), "--json").out)
    assert "насмешках" in shown["notes"]


def test_exit_codes(cli: CliRunner) -> None:
    assert cli("list").code == 4  # no vault yet
    assert cli("init").code == 0
    assert cli("init").code == 1  # already exists
    wrong = cli("list", env={"ADVISOR_PASSPHRASE": "definitely wrong"})
    assert wrong.code == 3
    assert "passphrase" in wrong.err
    assert "Traceback" not in wrong.err
    assert cli("show", "999").code == 1
    assert cli("no-such-command").code == 2
    assert cli("list", env={"ADVISOR_PASSPHRASE": ""}).code == 2  # no passphrase, no terminal


def test_passphrase_file(cli: CliRunner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "pw.txt"
    secret.write_text("a passphrase from a file\n", encoding="utf-8")
    assert cli("--passphrase-file", str(secret), "init").code == 0
    assert cli("--passphrase-file", str(secret), "list", env={"ADVISOR_PASSPHRASE": ""}).code == 0
    assert cli("list").code == 3


def test_missing_vault_is_reported_before_asking_for_a_passphrase(cli: CliRunner) -> None:
    r = cli("list", env={"ADVISOR_PASSPHRASE": ""})
    assert r.code == 4
    assert "No vault" in r.err
