"""The desk store: one encrypted database in the desk folder, opened with the desk passphrase.

Files (beside ``desk-identity.json`` and ``desk-public.json``):

- ``desk.db``   — SQLCipher 4, keyed with a random 256-bit raw key: enrolled devices, every
  package received (exact bytes), seen referral ids, what was opened, status history;
- ``desk.keys`` — that key wrapped under Argon2id(passphrase) and Argon2id(recovery code), in the
  advisor vault's key-slot format (``crypto/keyslots.py``); its id is the store id;
- ``desk.lock`` — an advisory lock so one process at a time uses the store.

The desk store is a kind of store (:data:`DESK`) of ``storage/database.py``, the vault's
implementation: key slots, recovery code, PRAGMAs read back, lock, atomic key-file writes.
What is the desk's own is defined here: file names, schema (``desk/schema.py``), messages,
and two checks at open — every page's HMAC (``PRAGMA cipher_integrity_check``), and the
database naming its key file's id, so a database swapped in from another store is refused.
The identity's binding to the store is ``desk/workstation.py``'s.
"""

from __future__ import annotations

from pathlib import Path

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.crypto.recovery import normalize_recovery_code
from advisor_desktop.crypto.secret_text import candidate_forms, require_passphrase
from advisor_desktop.desk.errors import DeskError, DeskStoreCorrupt, DeskStoreMissing
from advisor_desktop.desk.schema import MIGRATIONS
from advisor_desktop.platform.i18n import N_
from advisor_desktop.storage.database import (
    EncryptedDatabase,
    Unlocked,
    create_database,
    open_database,
)
from advisor_desktop.storage.kind import StoreFiles, StoreKind, StoreWording
from advisor_desktop.storage.kind import store_exists as _store_exists

DB_FILE = "desk.db"
KEYS_FILE = "desk.keys"
LOCK_FILE = "desk.lock"
FILES = StoreFiles(db=DB_FILE, keys=KEYS_FILE, lock=LOCK_FILE)
STORE_FILES = FILES.store_files


_READ_ONLY = N_("The desk folder is read-only or not writable: the store cannot be opened.")
_KEY_FILE_DAMAGED = N_("The desk store's key file is damaged or not ours.")
_BUSY = N_("The desk store is busy; please try again.")


DESK_WORDING = StoreWording(
    what=N_("the desk store"),
    key_file_what=N_("the desk store's key file"),
    exists=N_("A desk store already exists in {folder}."),
    missing=N_("No desk store was found in {folder}."),
    keys_missing=N_("The desk store's key file is missing; restore a backup."),
    db_missing=N_("The desk store's database is missing; restore a backup."),
    keys_unreadable=N_("The desk store's key file cannot be read."),
    key_file_other_kind=_KEY_FILE_DAMAGED,
    key_file_damaged=_KEY_FILE_DAMAGED,
    db_unreadable=N_("The desk store cannot be read."),
    not_encrypted=N_("The desk store file is not encrypted; it is not this desk's."),
    truncated=N_("The desk store file is empty or truncated."),
    cannot_open=N_("The desk store cannot be opened."),
    read_only=_READ_ONLY,
    disk_failed=N_("The disk is full or reported an error: the desk store cannot be opened."),
    not_ours=N_("The desk store is damaged, or its two files do not belong together."),
    # WAL needs its -wal and -shm files beside the database: a folder that refuses them.
    no_journal=_READ_ONLY,
    wrong_passphrase=N_("The desk passphrase is wrong."),
    wrong_recovery_code=N_("The recovery code does not open this desk store."),
    too_new=N_("This desk store was made by a newer version of Advisor Desktop."),
    altered=N_("The desk store was altered or damaged. Restore it from a backup."),
    foreign_database=N_("The desk store's two files do not belong together."),
    read_only_unsaved=N_("The desk folder is read-only: the change was not saved."),
    busy=_BUSY,
    damaged=N_("The desk store is damaged. Restore it from a backup (advisor-desk restore)."),
    closed=N_("The desk store is closed."),
    in_use=_BUSY,
)

DESK = StoreKind(
    name="desk",
    event="desk_store",
    files=FILES,
    migrations=MIGRATIONS,
    wording=DESK_WORDING,
    missing_error=DeskStoreMissing,
    corrupt_error=DeskStoreCorrupt,
    exists_error=DeskError,
    check_integrity=True,
    records_store_id=True,
)


def store_exists(folder: Path) -> bool:
    """True when any file of a desk store is in ``folder``."""
    return _store_exists(DESK, folder)


def check_new_passphrase(passphrase: bytearray) -> None:
    """The vault's rule for a passphrase being set (minimum length), for the desk's too."""
    require_passphrase(passphrase)


class DeskStore(EncryptedDatabase):
    """An open desk store: a keyed SQLCipher connection, its key slots and the process lock.

    Reads and writes go through :meth:`read` and :meth:`write`, which serialise access and turn
    SQLite errors into typed errors; :meth:`meta` reads the store's ``meta`` table.
    """

    kind = DESK


def _store(folder: Path, unlocked: Unlocked, policy: KdfPolicy) -> DeskStore:
    return DeskStore(folder, unlocked.conn, unlocked.key, unlocked.slots, unlocked.lock, policy)


def create_store(
    folder: Path, passphrase: bytearray, policy: KdfPolicy, created_at: str
) -> tuple[DeskStore, str]:
    """A new, open store in ``folder`` and its one-time recovery code.

    The caller has checked the passphrase (:func:`check_new_passphrase`) where a new one is
    chosen. Nothing is left behind if creation fails half-way.
    """
    unlocked, recovery = create_database(
        DESK, folder, passphrase, policy, meta={"created_at": created_at}
    )
    return _store(folder, unlocked, policy), recovery


def open_store(folder: Path, passphrase: bytearray) -> DeskStore:
    """Open the store in ``folder`` with the desk passphrase."""
    unlocked = open_database(DESK, folder, candidate_forms(passphrase), "passphrase")
    return _store(folder, unlocked, KdfPolicy())


def open_store_with_recovery(folder: Path, code: str) -> DeskStore:
    """Open the store with its recovery code (the desk identity still needs the passphrase)."""
    secret = normalize_recovery_code(code).encode("ascii")
    return _store(folder, open_database(DESK, folder, (secret,), "recovery"), KdfPolicy())
