"""One store implementation, two kinds: the vault and the desk store never pass for each other.

The key file records its kind (``"store": "vault"`` or ``"desk"``), so a desk's key file put
where a vault's belongs (or the other way round) is refused before any key derivation, with
the kind's typed error (exit 4), even when the passphrase is the same. Key files from before
the kind was recorded still open as what they are, and a mix-up of those is still refused by
the database's own checks.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.errors import DeskStoreCorrupt
from advisor_desktop.desk.store import DESK, create_store, open_store
from advisor_desktop.platform.errors import (
    VaultBusy,
    VaultCorrupt,
    WrongPassphrase,
)
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage.store import VAULT, create_vault, open_vault, passphrase_opens
from tests.desk.conftest import DESK_PASS, DeskRunner

from .conftest import PASSPHRASE, CliRunner

CREATED = "2026-04-02T09:30:00Z"


def _secret(text: str = PASSPHRASE) -> bytearray:
    return bytearray(text.encode())


def _desk_store(folder: Path, policy: KdfPolicy, passphrase: str = PASSPHRASE) -> None:
    store, _code = create_store(folder, _secret(passphrase), policy, CREATED)
    store.close()


def _vault(paths: AppPaths, policy: KdfPolicy, passphrase: str = PASSPHRASE) -> None:
    vault, _code = create_vault(paths, _secret(passphrase), policy)
    vault.close()


def _copy_store(
    source: Path, source_names: tuple[str, str], target: Path, names: tuple[str, str]
) -> None:
    """Copy a store's database and key file into ``target`` under the other kind's names."""
    target.mkdir(parents=True, exist_ok=True)
    for old, new in zip(source_names, names, strict=True):
        shutil.copy(source / old, target / new)
        for suffix in ("-wal", "-shm"):
            (target / (new + suffix)).unlink(missing_ok=True)


def _vault_names() -> tuple[str, str]:
    return (VAULT.files.db, VAULT.files.keys)


def _desk_names() -> tuple[str, str]:
    return (DESK.files.db, DESK.files.keys)


def _forget_kind(key_file: Path) -> None:
    """Make ``key_file`` look like one written before the kind was recorded."""
    doc = json.loads(key_file.read_text())
    del doc["store"]
    key_file.write_text(json.dumps(doc, indent=2))


def test_the_vault_names_are_the_data_folders(paths: AppPaths) -> None:
    assert paths.vault_db.name == VAULT.files.db
    assert paths.key_slots.name == VAULT.files.keys
    assert paths.lock_file.name == VAULT.files.lock


def test_each_key_file_records_its_kind(paths: AppPaths, tmp_path: Path, policy: KdfPolicy) -> None:
    _vault(paths, policy)
    _desk_store(tmp_path / "desk", policy)
    vault_doc = json.loads(paths.key_slots.read_text())
    desk_doc = json.loads((tmp_path / "desk" / DESK.files.keys).read_text())
    assert (vault_doc["store"], desk_doc["store"]) == ("vault", "desk")
    # Otherwise the key-slot format, unchanged.
    for doc in (vault_doc, desk_doc):
        assert doc["format"] == "advisor-desktop-keyslots"
        assert sorted(s["kind"] for s in doc["slots"]) == ["passphrase", "recovery"]


def test_a_desk_key_file_is_refused_as_a_vault(
    tmp_path: Path, paths: AppPaths, policy: KdfPolicy
) -> None:
    desk = tmp_path / "desk"
    _desk_store(desk, policy)  # the same passphrase as the vault's
    _copy_store(desk, _desk_names(), paths.data, _vault_names())
    with pytest.raises(VaultCorrupt) as refused:
        open_vault(paths, _secret(), policy)
    assert not isinstance(refused.value, DeskStoreCorrupt)
    assert "not ours" in str(refused.value)
    with pytest.raises(VaultCorrupt):
        passphrase_opens(paths, _secret())
    # The advisor's CLI: exit 4, one line, no traceback.
    result = CliRunner(paths.data, policy)("list")
    assert result.code == 4, result.err
    assert "Traceback" not in result.err
    # Only the key file in the vault's place, beside the vault's own database: refused too.
    _vault(AppPaths(tmp_path / "v", tmp_path / "v" / "c", tmp_path / "v" / "l"), policy)
    shutil.copy(desk / DESK.files.keys, tmp_path / "v" / VAULT.files.keys)
    assert CliRunner(tmp_path / "v", policy)("list").code == 4


def test_a_vault_key_file_is_refused_as_a_desk_store(
    tmp_path: Path, paths: AppPaths, policy: KdfPolicy
) -> None:
    desk = DeskRunner(tmp_path / "desk", policy)
    assert desk("init", "--name", "Central desk").code == 0
    _vault(paths, policy, DESK_PASS)  # the same passphrase as the desk's
    _copy_store(paths.data, _vault_names(), desk.folder, _desk_names())
    with pytest.raises(DeskStoreCorrupt, match="not ours"):
        open_store(desk.folder, _secret(DESK_PASS))
    for command in (("list",), ("devices",)):
        result = desk(*command)
        assert result.code == 4, (command, result.err)
        assert "Traceback" not in result.err


def test_key_files_from_before_the_kind_still_open(
    tmp_path: Path, paths: AppPaths, policy: KdfPolicy
) -> None:
    _vault(paths, policy)
    _desk_store(tmp_path / "desk", policy)
    _forget_kind(paths.key_slots)
    _forget_kind(tmp_path / "desk" / DESK.files.keys)
    with open_vault(paths, _secret(), policy) as vault:
        # Opening writes nothing; the kind is recorded when the key file is next written.
        assert "store" not in json.loads(paths.key_slots.read_text())
        vault.change_passphrase(_secret("a new passphrase for the vault"))
    assert json.loads(paths.key_slots.read_text())["store"] == "vault"
    open_store(tmp_path / "desk", _secret()).close()


def test_a_mix_up_of_older_key_files_is_still_refused(
    tmp_path: Path, paths: AppPaths, policy: KdfPolicy
) -> None:
    """Without a kind in the key file, the database tells: a desk store's names its key
    file's id, a vault's names none."""
    desk = tmp_path / "desk"
    _desk_store(desk, policy)
    _forget_kind(desk / DESK.files.keys)
    _copy_store(desk, _desk_names(), paths.data, _vault_names())
    with pytest.raises(VaultCorrupt):
        open_vault(paths, _secret(), policy)
    assert CliRunner(paths.data, policy)("list").code == 4

    other = AppPaths(tmp_path / "v", tmp_path / "v" / "c", tmp_path / "v" / "l")
    _vault(other, policy)
    _forget_kind(other.key_slots)
    as_desk = tmp_path / "as-desk"
    _copy_store(other.data, _vault_names(), as_desk, _desk_names())
    with pytest.raises(DeskStoreCorrupt):
        open_store(as_desk, _secret())


def test_a_desk_backup_holds_the_desk_key_file(tmp_path: Path, policy: KdfPolicy) -> None:
    import zipfile

    desk = DeskRunner(tmp_path / "desk", policy)
    assert desk("init", "--name", "Central desk").code == 0
    out = tmp_path / "desk.zip"
    assert desk("backup", "--out", str(out)).code == 0
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read(DESK.files.keys))["store"] == "desk"


def test_the_desk_store_names_itself_in_its_messages(tmp_path: Path, policy: KdfPolicy) -> None:
    folder = tmp_path / "desk"
    _desk_store(folder, policy)
    with open_store(folder, _secret()), pytest.raises(VaultBusy, match="desk store"):
        open_store(folder, _secret())
    with pytest.raises(WrongPassphrase, match="desk passphrase"):
        open_store(folder, _secret("not the passphrase"))
