"""init, keygen, list, show, status, backup and restore: what they do, and their bad input."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from advisor_desktop.desk.identity import unlock
from advisor_desktop.desk.store import open_store, store_exists
from tests.desk.conftest import DESK_PASS, Advisor, DeskRunner

WRONG = {"ADVISOR_DESK_PASSPHRASE": "not the desk passphrase"}


def test_init_and_keygen(desk: DeskRunner, tmp_path: Path) -> None:
    short = desk("init", env={"ADVISOR_DESK_PASSPHRASE": "short"})
    assert short.code == 1
    assert "at least 8" in short.err
    assert not store_exists(desk.folder)
    made = desk("init")
    assert made.code == 0, made.err
    assert "recovery code" in made.out
    code_line = [line.strip() for line in made.out.splitlines() if line.startswith("    ")]
    assert len(code_line) == 1
    assert len(code_line[0].split("-")) == 8
    assert "keygen --name NAME" in made.out
    assert desk("init").code == 4
    assert desk("init", "--name", "X").code == 4
    # No identity yet: commands that decrypt say so; the others work.
    assert desk("list").code == 0
    package = tmp_path / "p.referral"
    package.write_bytes(b"age-encryption.org/v1\n")
    no_keys = desk("open", str(package))
    assert no_keys.code == 4
    assert "keygen" in no_keys.err
    assert desk("keygen", "--name", "Central desk", env=WRONG).code == 3
    keys = desk("keygen", "--name", "Central desk")
    assert keys.code == 0, keys.err
    assert "fingerprint" in keys.out
    assert "recovery code" not in keys.out  # the store was there already
    with open_store(desk.folder, bytearray(DESK_PASS.encode())) as store:
        assert unlock(desk.folder, DESK_PASS.encode()).store_id == store.store_id
    assert desk("keygen", "--name", "Central desk").code == 4


def test_list_show_and_status(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, advisor = ready
    empty = desk("list")
    assert empty.code == 0
    assert "No referral" in empty.out
    refs = [advisor.package(tmp_path / f"{n}.referral") for n in ("a", "b")]
    assert desk("import", str(tmp_path / "a.referral")).code == 0
    desk.now = desk.now.replace(hour=11)
    assert desk("import", str(tmp_path / "b.referral")).code == 0
    listed = json.loads(desk("list", "--json").out)
    assert [r["referral_id"] for r in listed] == [refs[1], refs[0]]  # newest first
    assert {r["state"] for r in listed} == {"received"}
    assert listed[0]["signer"] == "Advisor Kyiv"
    text = desk("list").out
    assert refs[0] in text
    assert "Advisor Kyiv" in text

    shown = desk("show", refs[0])
    assert shown.code == 0, shown.err
    assert f"Referral {refs[0]}" in shown.out
    assert "Signed by: Advisor Kyiv" in shown.out
    assert "period: granularity=month, value=2026-03" in shown.out
    assert "from the file a.referral" in shown.out
    doc = json.loads(desk("show", refs[0][:8], "--json").out)
    assert doc["payload"]["referral_id"] == refs[0]
    assert (
        doc["package_sha256"] == hashlib.sha256((tmp_path / "a.referral").read_bytes()).hexdigest()
    )

    message = tmp_path / "message.txt"
    message.write_text("Thank you. We are looking into it.\n", encoding="utf-8")
    step = desk("status", refs[0], "--set", "in-assessment", "--message-file", str(message))
    assert step.code == 0, step.err
    assert "in-assessment" in step.out
    assert desk("status", refs[0], "--set", "in-assessment").code == 1  # nothing new said
    closed = desk("status", refs[0][:8], "--set", "closed", "--outcome", "advice-given")
    assert closed.code == 0, closed.err
    history = json.loads(desk("show", refs[0], "--json").out)["history"]
    assert [(h["state"], h["outcome"], h["message"]) for h in history] == [
        ("received", None, None),
        ("in-assessment", None, "Thank you. We are looking into it."),
        ("closed", "advice-given", None),
    ]
    assert json.loads(desk("list", "--json").out)[1]["state"] == "closed"


def test_status_bad_input(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, advisor = ready
    ref = advisor.package(tmp_path / "a.referral")
    assert desk("import", str(tmp_path / "a.referral")).code == 0
    bidi = tmp_path / "bidi.txt"
    bidi.write_text("closed \u202e", encoding="utf-8")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café".encode("latin-1"))
    long = tmp_path / "long.txt"
    long.write_text("x" * 4001, encoding="utf-8")
    usage = [
        ("status", ref, "--set", "done"),
        ("status", ref, "--set", "closed"),
        ("status", ref, "--set", "closed", "--outcome", "solved"),
        ("status", ref, "--set", "referred-on", "--outcome", "mediation"),
        ("status", ref, "--set", "referred-on", "--message-file", str(tmp_path / "none")),
        ("status", ref, "--set", "referred-on", "--message-file", str(bidi)),
        ("status", ref, "--set", "referred-on", "--message-file", str(latin1)),
        ("status", ref, "--set", "referred-on", "--message-file", str(long)),
        ("status", ref),
    ]
    for argv in usage:
        assert desk(*argv).code == 2, argv
    for unknown in ("00000000-0000-4000-8000-000000000000", ref[:7], "not-an-id", ref + "0"):
        assert desk("status", unknown, "--set", "in-assessment").code == 1, unknown
        assert desk("show", unknown).code == 1, unknown
    assert desk("status", ref, "--set", "in-assessment", env=WRONG).code == 3
    history = json.loads(desk("show", ref, "--json").out)["history"]
    assert [h["state"] for h in history] == ["received"]


def test_commands_on_a_missing_desk(desk: DeskRunner, tmp_path: Path) -> None:
    for argv in (
        ("list",),
        ("show", "00000000"),
        ("status", "00000000", "--set", "closed", "--outcome", "other"),
        ("devices",),
        ("backup", "--out", str(tmp_path / "b.zip")),
        ("import", str(tmp_path / "missing.referral")),
    ):
        result = desk(*argv)
        assert result.code == 4, argv
        assert "advisor-desk init" in result.err
    assert not desk.folder.exists()


def test_backup_and_restore(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, advisor = ready
    first = tmp_path / "first.referral"
    ref = advisor.package(first)
    assert desk("import", str(first)).code == 0
    backup = tmp_path / "desk-backup.zip"
    assert desk("backup", "--out", str(tmp_path), env=None).code == 2
    assert desk("backup", "--out", str(backup), env=WRONG).code == 3
    made = desk("backup", "--out", str(backup))
    assert made.code == 0, made.err
    data = backup.read_bytes()
    for plain in (ref.encode(), b"Advisor Kyiv", b"[PERSON-A]", b"period"):
        assert plain not in data
    with zipfile.ZipFile(backup) as archive:
        assert sorted(archive.namelist()) == sorted(
            ["manifest.json", "desk.keys", "desk.db", "desk-identity.json", "desk-public.json"]
        )

    # A package received after the backup.
    later = tmp_path / "later.referral"
    advisor.package(later)
    assert desk("import", str(later)).code == 0

    # Onto a new workstation: the whole desk comes back, and remembers what it had received.
    elsewhere = DeskRunner(tmp_path / "elsewhere", desk.policy)
    assert elsewhere("restore", str(backup), env=WRONG).code == 3
    assert not store_exists(elsewhere.folder)
    restored = elsewhere("restore", str(backup))
    assert restored.code == 0, restored.err
    assert [r["referral_id"] for r in json.loads(elsewhere("list", "--json").out)] == [ref]
    assert elsewhere("open", str(first)).code == 9
    assert elsewhere("import", str(later)).code == 0  # unknown again since the backup
    assert elsewhere("restore", str(backup)).code == 4  # a store is there: --replace

    # Over the existing desk, with --replace: what it replaced is kept aside.
    again = desk("restore", str(backup), "--replace")
    assert again.code == 0, again.err
    kept = [p for p in desk.folder.iterdir() if p.name.startswith("desk-replaced-")]
    assert len(kept) == 1
    assert (kept[0] / "desk.db").exists()
    assert len(json.loads(desk("list", "--json").out)) == 1

    # A store deleted: restore brings it back (no --replace needed), the identity still fits.
    for name in ("desk.db", "desk.keys"):
        (desk.folder / name).unlink()
    assert desk("list").code == 4
    assert desk("restore", str(backup)).code == 0
    assert desk("import", str(first)).code == 0


def test_restore_bad_input(new_desk: DeskRunner, tmp_path: Path) -> None:
    target = DeskRunner(tmp_path / "target", new_desk.policy)
    assert target("restore", str(tmp_path / "missing.zip")).code == 2
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really")
    assert target("restore", str(junk)).code == 4
    backup = tmp_path / "b.zip"
    assert new_desk("backup", "--out", str(backup)).code == 0
    with zipfile.ZipFile(backup) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    db = bytearray(members["desk.db"])
    db[len(db) // 2] ^= 0x01
    for name, content in (("desk.db", bytes(db)), ("manifest.json", b"{}")):
        bad = tmp_path / f"bad-{name}.zip"
        with zipfile.ZipFile(bad, "w") as archive:
            for member, body in members.items():
                archive.writestr(member, content if member == name else body)
        result = target("restore", str(bad))
        assert result.code == 4, name
    extra = tmp_path / "extra.zip"
    with zipfile.ZipFile(extra, "w") as archive:
        for member, body in members.items():
            archive.writestr(member, body)
        archive.writestr("../evil", b"x")
    assert target("restore", str(extra)).code == 4
    assert not store_exists(target.folder)
    assert not (tmp_path / "evil").exists()
