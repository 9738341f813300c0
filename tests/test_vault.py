"""The vault: create, unlock, wrong secrets, recovery, passphrase change, bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy, calibrate
from advisor_desktop.crypto.recovery import generate_recovery_code, normalize_recovery_code
from advisor_desktop.platform.errors import (
    StorageError,
    VaultBusy,
    VaultCorrupt,
    VaultExists,
    VaultMissing,
    VaultTooNew,
    WrongPassphrase,
    WrongRecoveryCode,
)
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage.store import (
    Vault,
    create_vault,
    open_vault,
    open_vault_with_recovery,
)

from .conftest import PASSPHRASE


def pw(text: str = PASSPHRASE) -> bytearray:
    return bytearray(text.encode())


def test_settings_read_back(vault: Vault) -> None:
    s = vault.settings()
    assert s.sqlcipher_version.startswith("4.")
    assert (s.temp_store, s.secure_delete, s.journal_mode, s.synchronous, s.foreign_keys) == (
        2,
        1,
        "wal",
        2,
        1,
    )


def test_wrong_passphrase_changes_nothing(
    vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy
) -> None:
    vault, _ = vault_and_code
    vault.close()
    before = {p.name: p.read_bytes() for p in paths.data.iterdir() if p.is_file()}
    with pytest.raises(WrongPassphrase):
        open_vault(paths, pw("not the passphrase"), policy)
    after = {p.name: p.read_bytes() for p in paths.data.iterdir() if p.is_file()}
    assert before.keys() == after.keys()
    assert before["vault.keys"] == after["vault.keys"]
    assert before["vault.db"] == after["vault.db"]
    open_vault(paths, pw(), policy).close()


def test_recovery_code_opens_and_forces_new_passphrase(
    vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy
) -> None:
    vault, code = vault_and_code
    vault.close()
    typed = code.lower().replace("-", " ")
    with open_vault_with_recovery(paths, typed, policy) as recovered:
        assert recovered.needs_new_passphrase
        recovered.change_passphrase(pw("a brand new passphrase"))
        assert not recovered.needs_new_passphrase
    with pytest.raises(WrongPassphrase):
        open_vault(paths, pw(), policy)
    open_vault(paths, pw("a brand new passphrase"), policy).close()


def test_wrong_and_mistyped_recovery_code(
    vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy
) -> None:
    vault, code = vault_and_code
    vault.close()
    with pytest.raises(WrongRecoveryCode, match="typing mistake"):
        open_vault_with_recovery(paths, code[:-1] + ("A" if code[-1] != "A" else "B"), policy)
    with pytest.raises(WrongRecoveryCode, match="does not open"):
        open_vault_with_recovery(paths, generate_recovery_code(), policy)
    with pytest.raises(WrongRecoveryCode):
        open_vault_with_recovery(paths, "too short", policy)


def test_recovery_code_shape() -> None:
    code = generate_recovery_code()
    groups = code.split("-")
    assert len(groups) == 8
    assert all(len(g) == 4 for g in groups)
    assert normalize_recovery_code(code.lower()) == code


def test_second_process_lock(vault: Vault, paths: AppPaths, policy: KdfPolicy) -> None:
    with pytest.raises(VaultBusy):
        open_vault(paths, pw(), policy)


def test_create_refuses_existing(vault: Vault, paths: AppPaths, policy: KdfPolicy) -> None:
    with pytest.raises(VaultExists):
        create_vault(paths, pw(), policy)


def test_missing_vault(paths: AppPaths, policy: KdfPolicy) -> None:
    with pytest.raises(VaultMissing):
        open_vault(paths, pw(), policy)


@pytest.mark.parametrize(
    "damage",
    [
        "truncate_db",
        "zero_db",
        "flip_db",
        "plain_sqlite_db",
        "garbage_keys",
        "empty_keys",
        "foreign_json_keys",
        "swapped_vault_id",
        "missing_keys",
        "missing_db",
    ],
)
def test_damaged_files_give_clear_error(
    damage: str, vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy
) -> None:
    vault, _ = vault_and_code
    vault.close()
    db, keys = paths.vault_db, paths.key_slots
    if damage == "truncate_db":
        db.write_bytes(db.read_bytes()[:100])
    elif damage == "zero_db":
        db.write_bytes(b"")
    elif damage == "flip_db":
        data = bytearray(db.read_bytes())
        for i in range(0, len(data), 997):
            data[i] ^= 0xFF
        db.write_bytes(bytes(data))
    elif damage == "plain_sqlite_db":
        import sqlite3

        db.unlink()
        sqlite3.connect(db).execute("create table x(y)").connection.commit()
    elif damage == "garbage_keys":
        keys.write_bytes(os.urandom(300))
    elif damage == "empty_keys":
        keys.write_bytes(b"")
    elif damage == "foreign_json_keys":
        keys.write_text(json.dumps({"hello": "world"}))
    elif damage == "swapped_vault_id":
        doc = json.loads(keys.read_text())
        doc["vault_id"] = "00000000-0000-0000-0000-000000000000"
        keys.write_text(json.dumps(doc))
    elif damage == "missing_keys":
        keys.unlink()
    elif damage == "missing_db":
        db.unlink()
    expected = (WrongPassphrase,) if damage == "swapped_vault_id" else (VaultCorrupt,)
    with pytest.raises(expected):
        _open_and_read(paths, policy)


def _open_and_read(paths: AppPaths, policy: KdfPolicy) -> None:
    """Open and touch every page: some damage only shows when pages are read."""
    with open_vault(paths, pw(), policy) as vault, vault.read() as conn:
        conn.execute("SELECT count(*) FROM records").fetchall()
        conn.execute("PRAGMA integrity_check").fetchall()


def test_newer_vault_refused(
    vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy
) -> None:
    vault, _ = vault_and_code
    with vault.write() as conn:
        conn.execute("PRAGMA user_version = 99")
    vault.close()
    with pytest.raises(VaultTooNew):
        open_vault(paths, pw(), policy)


def test_newer_key_file_refused(
    vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy
) -> None:
    vault, _ = vault_and_code
    vault.close()
    doc = json.loads(paths.key_slots.read_text())
    doc["version"] = 7
    paths.key_slots.write_text(json.dumps(doc))
    with pytest.raises(VaultTooNew):
        open_vault(paths, pw(), policy)


def test_passphrase_change_interrupted_keeps_old(
    vault_and_code: tuple[Vault, str], paths: AppPaths, policy: KdfPolicy
) -> None:
    """A crash between writing the new key file and renaming it leaves the old one working."""
    from advisor_desktop.crypto.keyslots import wrap_key
    from advisor_desktop.platform.fsutil import atomic_write

    vault, _ = vault_and_code
    key = bytearray.fromhex(vault.raw_key_hex())
    new_slots = vault.slot_file.replace(
        wrap_key(key, pw("new passphrase here"), "passphrase", vault.vault_id, policy.params())
    )

    def crash(_src: object, _dst: object) -> None:
        raise OSError(5, "simulated power loss")

    with pytest.raises(StorageError):
        atomic_write(paths.key_slots, new_slots.to_bytes(), what="x", replace=crash)
    # Simulate the leftover of a crash that killed the process before cleanup.
    (paths.data / ".vault.keys.abc123.tmp").write_bytes(new_slots.to_bytes()[:50])
    vault.close()
    open_vault(paths, pw(), policy).close()
    assert not list(paths.data.glob(".vault.keys.*.tmp"))
    with pytest.raises(WrongPassphrase):
        open_vault(paths, pw("new passphrase here"), policy)


def test_short_passphrase_refused(paths: AppPaths, policy: KdfPolicy) -> None:
    from advisor_desktop.platform.errors import ValidationError

    with pytest.raises(ValidationError):
        create_vault(paths, pw("short"), policy)
    assert not paths.vault_db.exists()


def test_calibration_meets_floor() -> None:
    params = calibrate(target_seconds=0.05)
    assert params.memory_kib >= 64 * 1024
    assert params.time_cost >= 1


def test_close_wipes_key(vault: Vault) -> None:
    key = vault._key  # the very bytearray object the vault held
    assert key is not None
    assert any(key)
    vault.close()
    assert key == bytearray(len(key))


def test_slot_file_has_no_plaintext_key(vault: Vault, paths: AppPaths) -> None:
    key_hex = vault.raw_key_hex()
    text = paths.key_slots.read_text()
    assert key_hex not in text
    assert bytes.fromhex(key_hex) not in Path(paths.key_slots).read_bytes()
