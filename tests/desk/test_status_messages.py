"""Status messages from the workstation to the advisor: ``advisor-desk status`` signs and
encrypts one for the referral's device and keeps it for ``push``; ``status-export`` writes the
latest for a USB stick; the advisor's ``status import`` takes it. A device enrolled with its
Ed25519 key only gets none until its age key is added."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pyrage
import sqlcipher3

from advisor_desktop.desk import schema
from advisor_desktop.desk.identity import unlock
from advisor_desktop.desk.store import open_store
from advisor_desktop.protocol.keys import key_id, raw_public
from advisor_desktop.protocol.status_message import open_status_message
from tests.desk.conftest import DESK_PASS, Advisor, DeskRunner
from tests.desk.test_packages import stored


def device_keys(advisor: Advisor) -> dict[str, str]:
    """What ``advisor device-key --json`` prints."""
    shown = advisor.cli("device-key", "--json")
    assert shown.code == 0, shown.err
    return dict(json.loads(shown.out))


def enrol_both(desk: DeskRunner, advisor: Advisor, name: str = "Advisor Kyiv") -> dict[str, str]:
    keys = device_keys(advisor)
    enrolled = desk("enrol", keys["public_key"], keys["age_recipient"], "--name", name, "--yes")
    assert enrolled.code == 0, enrolled.err
    assert keys["fingerprint"] in enrolled.out
    assert keys["age_fingerprint"] in enrolled.out
    assert "without an age key" not in enrolled.err
    return keys


def received(desk: DeskRunner, advisor: Advisor, tmp_path: Path) -> str:
    package = tmp_path / f"{secrets.token_hex(4)}.referral"
    ref = advisor.package(package)
    imported = desk("import", str(package))
    assert imported.code == 0, imported.err
    return ref


def test_status_to_the_advisor_and_back(
    new_desk: DeskRunner, advisor: Advisor, tmp_path: Path
) -> None:
    advisor.join(new_desk)
    keys = enrol_both(new_desk, advisor)
    devices = json.loads(new_desk("devices", "--json").out)
    assert devices[0]["age_recipient"] == keys["age_recipient"]
    assert devices[0]["age_fingerprint"] == keys["age_fingerprint"]
    ref = received(new_desk, advisor, tmp_path)

    note = tmp_path / "note.txt"
    note.write_text("We are assessing it.\nWe will call you.", encoding="utf-8")
    step = new_desk("status", ref[:8], "--set", "in-assessment", "--message-file", str(note))
    assert step.code == 0, step.err
    assert "waits to be delivered" in step.out
    closed = new_desk("status", ref, "--set", "closed", "--outcome", "advice-given")
    assert closed.code == 0, closed.err

    # Two messages wait for push: signed by the desk, for this device, numbered 2 and 3.
    identity = unlock(new_desk.folder, DESK_PASS.encode())
    desk_key = raw_public(identity.signing_key.public_key())
    rows = stored(
        new_desk,
        "SELECT device_key_id, referral_id, blob FROM status_outbox WHERE pushed_at IS NULL "
        "ORDER BY queued_at, rowid",
    )
    assert [(r[0], r[1]) for r in rows] == [(keys["key_id"], ref)] * 2
    device_identity = advisor_identity(advisor)
    queued_first = rows[0][2]
    assert isinstance(queued_first, bytes)
    first = open_status_message(queued_first, device_identity, desk_key)
    assert (first.sequence, first.state.value, first.text) == (
        2,
        "in-assessment",
        "We are assessing it.\nWe will call you.",
    )
    assert first.desk_key_id == key_id(desk_key)
    assert first.device_key_id == keys["key_id"]

    # status-export writes the latest step for a USB stick; the advisor imports it.
    stick = tmp_path / "stick"
    stick.mkdir()
    exported = new_desk("status-export", ref[:8], "--out", str(stick))
    assert exported.code == 0, exported.err
    status_file = Path(exported.out.strip())
    assert status_file.parent == stick
    assert status_file.suffix == ".status"
    assert ref not in status_file.name
    assert status_file.read_bytes().startswith(b"age-encryption.org/v1\n")
    imported = advisor.cli("status", "import", str(status_file))
    assert imported.code == 0, imported.err
    assert f"referral {ref} is closed (advice-given) at the desk" in imported.out
    # The queued in-assessment message (as push would bring it) is older: history only.
    older = tmp_path / "older.status"
    older.write_bytes(queued_first)
    late = advisor.cli("status", "import", str(older))
    assert late.code == 0, late.err
    assert "its status stays closed (advice-given)" in late.out
    (listed,) = json.loads(advisor.cli("referral", "list", "--json").out)
    assert listed["desk_status"]["state"] == "closed"
    history = json.loads(advisor.cli("status", "history", ref, "--json").out)
    assert [(h["sequence"], h["text"]) for h in history] == [
        (2, "We are assessing it.\nWe will call you."),
        (3, None),
    ]
    # The same file again: already imported.
    assert "already imported" in advisor.cli("status", "import", str(status_file)).out


def advisor_identity(advisor: Advisor) -> pyrage.x25519.Identity:
    """The advisor device's age identity, read from its vault."""
    from advisor_desktop.platform.paths import resolve_paths
    from advisor_desktop.referral.device_key import DeviceKeyStore
    from advisor_desktop.storage.store import open_vault
    from tests.conftest import PASSPHRASE

    with open_vault(
        resolve_paths(advisor.cli.data_dir), bytearray(PASSPHRASE.encode()), advisor.policy
    ) as vault:
        return DeviceKeyStore(vault).age_identity()


def test_a_device_without_an_age_key(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    """Enrolled the old way (Ed25519 only): packages come in, no status can go out, until the
    same key is enrolled again with its age key and its own name."""
    desk, advisor = ready
    ref = received(desk, advisor, tmp_path)
    devices = json.loads(desk("devices", "--json").out)
    assert devices[0]["age_recipient"] is None
    assert "no age key" in desk("devices").out
    step = desk("status", ref, "--set", "in-assessment")
    assert step.code == 0, step.err
    assert "without an age key" in step.err
    assert stored(desk, "SELECT id FROM status_outbox") == []
    refused = desk("status-export", ref, "--out", str(tmp_path))
    assert refused.code == 1
    assert "without an age key" in refused.err

    keys = device_keys(advisor)
    other_name = desk("enrol", keys["public_key"], keys["age_recipient"], "--name", "X", "--yes")
    assert other_name.code == 1
    assert "already enrolled, as Advisor Kyiv" in other_name.err
    added = desk(
        "enrol", keys["public_key"], keys["age_recipient"], "--name", "advisor kyiv", "--yes"
    )
    assert added.code == 0, added.err
    assert "Added the age key to Advisor Kyiv" in added.out
    again = desk(
        "enrol", keys["public_key"], keys["age_recipient"], "--name", "Advisor Kyiv", "--yes"
    )
    assert again.code == 1
    assert "with its age key" in again.err
    exported = desk("status-export", ref, "--out", str(tmp_path / "s.status"))
    assert exported.code == 0, exported.err
    imported = advisor.cli("status", "import", str(tmp_path / "s.status"))
    assert imported.code == 0, imported.err
    assert "is in-assessment at the desk" in imported.out


def test_enrolment_asks_about_both_keys(new_desk: DeskRunner, advisor: Advisor) -> None:
    advisor.join(new_desk)
    keys = device_keys(advisor)
    args = ("enrol", keys["public_key"], keys["age_recipient"], "--name", "Advisor Kyiv")
    declined = new_desk(*args, terminal="n\n")
    assert declined.code == 1
    assert keys["fingerprint"] in declined.out
    assert keys["age_fingerprint"] in declined.out
    assert json.loads(new_desk("devices", "--json").out) == []
    assert new_desk("enrol", keys["public_key"], "age1nope", "--name", "A", "--yes").code == 1
    old_style = new_desk("enrol", keys["public_key"], "--name", "Advisor Kyiv", "--yes")
    assert old_style.code == 0
    assert "no status message can be sent" in old_style.err
    completed = new_desk(*args, terminal="y\n")
    assert completed.code == 0, completed.err
    assert "Add this age key to the device Advisor Kyiv? [y/N]" in completed.out


def test_status_export_bad_input(new_desk: DeskRunner, advisor: Advisor, tmp_path: Path) -> None:
    advisor.join(new_desk)
    enrol_both(new_desk, advisor)
    assert new_desk("status-export", "0123456789", "--out", str(tmp_path)).code == 1
    assert new_desk("status-export", "x").code == 2
    ref = received(new_desk, advisor, tmp_path)
    wrong = new_desk(
        "status-export", ref, "--out", str(tmp_path), env={"ADVISOR_DESK_PASSPHRASE": "no"}
    )
    assert wrong.code == 3
    # The received step alone can be exported (sequence 1).
    exported = new_desk("status-export", ref, "--out", str(tmp_path / "r.status"))
    assert exported.code == 0, exported.err
    assert (
        "is received at the desk" in advisor.cli("status", "import", str(tmp_path / "r.status")).out
    )


def test_a_store_from_before_the_age_keys_migrates(tmp_path: Path) -> None:
    """A version 2 store with an enrolled device: after migrating, the device has no age key."""
    conn = sqlcipher3.connect(str(tmp_path / "v2.db"), isolation_level=None)
    conn.execute("PRAGMA key = \"x'" + "22" * 32 + "'\"")
    schema.migrate(conn, target=2)
    conn.execute(
        "INSERT INTO devices (name, name_key, public_key, key_id, enrolled_at, origin) "
        "VALUES ('Old', 'old', ?, ?, '2026-01-01T00:00:00Z', 'enrol')",
        (b"\x01" * 32, "ab" * 16),
    )
    assert schema.migrate(conn) == 2
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    row = conn.execute("SELECT name, age_recipient FROM devices").fetchone()
    assert tuple(row) == ("Old", None)
    conn.close()


def test_the_store_keeps_the_device_age_key(new_desk: DeskRunner, advisor: Advisor) -> None:
    advisor.join(new_desk)
    keys = enrol_both(new_desk, advisor)
    with open_store(new_desk.folder, bytearray(DESK_PASS.encode())) as store, store.read() as conn:
        (row,) = conn.execute("SELECT age_recipient FROM devices").fetchall()
    assert row[0] == keys["age_recipient"]
