"""The store is the desk's memory: deleting, truncating, tampering with or swapping its files
makes the desk refuse to work (exit 4), never start again with nothing seen. Replays are refused
from the store, so there is no list of seen ids to delete any more."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlcipher3

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk import schema
from advisor_desktop.desk.errors import DeskStoreCorrupt
from advisor_desktop.desk.store import (
    DB_FILE,
    KEYS_FILE,
    create_store,
    open_store,
    open_store_with_recovery,
)
from advisor_desktop.platform.errors import VaultBusy, VaultTooNew, WrongPassphrase
from tests.desk.conftest import DESK_PASS, Advisor, DeskRunner

SECRET = DESK_PASS.encode()


def test_replay_by_deleting(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, advisor = ready
    package = tmp_path / "p.referral"
    advisor.package(package)
    assert desk("open", str(package)).code == 0
    # No file of the desk folder lists the ids: nothing to delete that forgets them.
    names = sorted(p.name for p in desk.folder.iterdir())
    assert names == sorted(
        ["desk.db", "desk.keys", "desk.lock", "desk-identity.json", "desk-public.json"]
    ), names
    assert not (desk.folder / "seen-ids").exists()
    for name in ("seen-ids", "advisors.json"):
        (desk.folder / name).unlink(missing_ok=True)
    assert desk("open", str(package)).code == 9
    # Deleting the store itself does not help either: the desk refuses to work without it,
    # and will not set up a new, empty one.
    for name in ("desk.db", "desk.keys", "desk.db-wal", "desk.db-shm", "desk.lock"):
        (desk.folder / name).unlink(missing_ok=True)
    gone = desk("open", str(package))
    assert gone.code == 4
    assert "restore" in gone.err
    assert desk("import", str(package)).code == 4
    assert desk("list").code == 4
    assert desk("init").code == 4
    assert not (desk.folder / DB_FILE).exists()


def test_half_a_store(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    desk, _advisor = ready
    saved = tmp_path / "saved"
    shutil.copytree(desk.folder, saved)
    for missing in (DB_FILE, KEYS_FILE):
        (desk.folder / missing).unlink()
        result = desk("list")
        assert result.code == 4, missing
        assert "restore" in result.err
        shutil.copy(saved / missing, desk.folder / missing)
    assert desk("list").code == 0


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        (DB_FILE, "flip"),
        (DB_FILE, "truncate"),
        (DB_FILE, "empty"),
        (DB_FILE, "plain-sqlite"),
        (KEYS_FILE, "flip"),
        (KEYS_FILE, "truncate"),
        (KEYS_FILE, "empty"),
    ],
)
def test_a_tampered_store_file(
    ready: tuple[DeskRunner, Advisor], tmp_path: Path, name: str, damage: str
) -> None:
    desk, advisor = ready
    package = tmp_path / "p.referral"
    advisor.package(package)
    assert desk("import", str(package)).code == 0
    path = desk.folder / name
    data = path.read_bytes()
    if damage == "flip":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0x04]) + data[middle + 1 :])
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 3])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
        plain = sqlcipher3.connect(str(path))
        plain.execute("CREATE TABLE seen_ids (referral_id TEXT)")
        plain.commit()
        plain.close()
    for command in (("list",), ("import", str(package)), ("open", str(package))):
        result = desk(*command)
        assert result.code in (3, 4), (command, result.err)
        assert result.code == 4 or name == KEYS_FILE  # a key slot altered: it no longer opens
        assert "Traceback" not in result.err


def test_a_store_swapped_for_another(ready: tuple[DeskRunner, Advisor], tmp_path: Path) -> None:
    """Another desk store (same passphrase, even with the device enrolled) in this one's place:
    it has not seen this desk's referrals, and this desk's identity refuses it."""
    desk, advisor = ready
    package = tmp_path / "p.referral"
    advisor.package(package)
    assert desk("import", str(package)).code == 0
    other = DeskRunner(tmp_path / "other", desk.policy)
    assert other("init").code == 0
    for name in ("desk.db", "desk.keys"):
        shutil.copy(other.folder / name, desk.folder / name)
    for name in ("desk.db-wal", "desk.db-shm"):
        (desk.folder / name).unlink(missing_ok=True)
    swapped = desk("import", str(package))
    assert swapped.code == 4
    assert "not the one this desk's identity belongs to" in swapped.err
    assert desk("open", str(package)).code == 4
    # The identity file copied to another desk does not open packages there either.
    shutil.copy(desk.folder / "desk-identity.json", other.folder / "desk-identity.json")
    assert other("open", str(package)).code == 4


def test_database_and_key_file_belong_together(tmp_path: Path, policy: KdfPolicy) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        store, _code = create_store(folder, bytearray(SECRET), policy, "2026-04-02T09:30:00Z")
        store.close()
    shutil.copy(two / DB_FILE, one / DB_FILE)
    with pytest.raises(DeskStoreCorrupt):
        open_store(one, bytearray(SECRET))


def test_recovery_code_and_wrong_passphrase(tmp_path: Path, policy: KdfPolicy) -> None:
    store, code = create_store(tmp_path, bytearray(SECRET), policy, "2026-04-02T09:30:00Z")
    store_id = store.store_id
    store.close()
    with pytest.raises(WrongPassphrase):
        open_store(tmp_path, bytearray(b"wrong passphrase"))
    with open_store_with_recovery(tmp_path, code.lower().replace("-", " ")) as again:
        assert again.store_id == store_id


def test_one_process_at_a_time(ready: tuple[DeskRunner, Advisor]) -> None:
    desk, _advisor = ready
    with open_store(desk.folder, bytearray(SECRET)):
        with pytest.raises(VaultBusy):
            open_store(desk.folder, bytearray(SECRET))
        assert desk("list").code == 5


def test_pragmas_as_the_vault_sets_them(tmp_path: Path, policy: KdfPolicy) -> None:
    store, _code = create_store(tmp_path, bytearray(SECRET), policy, "2026-04-02T09:30:00Z")
    with store, store.read() as conn:
        assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert not (tmp_path / DB_FILE).read_bytes().startswith(b"SQLite format 3")
    keys = json.loads((tmp_path / KEYS_FILE).read_text())
    assert sorted(s["kind"] for s in keys["slots"]) == ["passphrase", "recovery"]


def test_migrations_from_every_older_version(tmp_path: Path) -> None:
    """Each older schema (here: the empty database, version 0) migrates to the current one."""
    for start in range(schema.SCHEMA_VERSION):
        conn = sqlcipher3.connect(str(tmp_path / f"v{start}.db"), isolation_level=None)
        conn.execute("PRAGMA key = \"x'" + "11" * 32 + "'\"")
        schema.migrate(conn, target=start)
        assert schema.migrate(conn) == start
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"devices", "packages", "seen_ids", "referrals", "status_history"} <= tables
        conn.close()


def test_a_store_from_a_newer_version(new_desk: DeskRunner) -> None:
    with open_store(new_desk.folder, bytearray(SECRET)) as store, store.read() as conn:
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    with pytest.raises(VaultTooNew):
        open_store(new_desk.folder, bytearray(SECRET))
    result = new_desk("list")
    assert result.code == 4
    assert "newer version" in result.err
