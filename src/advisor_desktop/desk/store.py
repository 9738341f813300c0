"""The desk store: one encrypted database in the desk folder, opened with the desk passphrase.

Files (beside ``desk-identity.json`` and ``desk-public.json``):

- ``desk.db``   — SQLCipher 4, keyed with a random 256-bit raw key: enrolled devices, every
  package received (exact bytes), seen referral ids, what was opened, status history;
- ``desk.keys`` — that key wrapped under Argon2id(passphrase) and Argon2id(recovery code), in the
  advisor vault's key-slot format (``crypto/keyslots.py``); its id is the store id;
- ``desk.lock`` — an advisory lock so one process at a time uses the store.

The building blocks are the vault's: key slots, the recovery code, the PRAGMAs (set and read
back by ``storage.store``), the passphrase rule and the process lock. What is the desk's own:
file names, schema, messages. ``storage.store`` creates and opens ``vault.db`` with the vault's
schema only, so it cannot open this database as it is (see docs/desk.md).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlcipher3

from advisor_desktop.crypto.keyslots import KEY_BYTES, KdfPolicy, SlotFile, unwrap_key, wrap_key
from advisor_desktop.crypto.recovery import generate_recovery_code, normalize_recovery_code
from advisor_desktop.desk.errors import DeskError, DeskStoreCorrupt, DeskStoreMissing
from advisor_desktop.desk.schema import SCHEMA_VERSION, migrate
from advisor_desktop.platform.errors import (
    StorageError,
    VaultCorrupt,
    VaultLocked,
    VaultTooNew,
    WrongPassphrase,
    WrongRecoveryCode,
)
from advisor_desktop.platform.fsutil import atomic_write, remove_stale_temps, storage_error
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.storage.lockfile import VaultProcessLock
from advisor_desktop.storage.store import _apply_pragmas, require_passphrase

log = logging.getLogger(__name__)

Connection = Any  # sqlcipher3.Connection

DB_FILE = "desk.db"
KEYS_FILE = "desk.keys"
LOCK_FILE = "desk.lock"
STORE_FILES = (DB_FILE, KEYS_FILE, DB_FILE + "-wal", DB_FILE + "-shm")
_SQLITE_HEADER = b"SQLite format 3\x00"


def store_exists(folder: Path) -> bool:
    """True when any file of a desk store is in ``folder``."""
    return (folder / DB_FILE).exists() or (folder / KEYS_FILE).exists()


def check_new_passphrase(passphrase: bytearray) -> None:
    """The vault's rule for a passphrase being set (minimum length), for the desk's too."""
    require_passphrase(passphrase)


def _connect(db_path: Path, key: bytearray) -> Connection:
    """Open ``db_path`` with the raw key; the vault's PRAGMAs are applied and read back."""
    try:
        conn = sqlcipher3.connect(
            str(db_path), isolation_level=None, check_same_thread=False, timeout=5.0
        )
    except sqlcipher3.OperationalError:
        raise DeskStoreCorrupt(_("The desk store cannot be opened.")) from None
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        # A raw key: the secret was stretched by Argon2id in the key slot already.
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        text = str(exc).lower()
        if "unable to open" in text or "readonly" in text:
            raise StorageError(
                _("The desk folder is read-only or not writable: the store cannot be opened.")
            ) from None
        if "disk i/o" in text or "full" in text:
            raise StorageError(
                _("The disk is full or reported an error: the desk store cannot be opened.")
            ) from None
        raise DeskStoreCorrupt(
            _("The desk store is damaged, or its two files do not belong together.")
        ) from None
    try:
        _apply_pragmas(conn)
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def _translate_db_errors() -> Iterator[None]:
    try:
        yield
    except sqlcipher3.OperationalError as exc:
        text = str(exc).lower()
        if "full" in text:
            raise StorageError(_("The disk is full: the change was not saved.")) from None
        if "readonly" in text or "read-only" in text:
            raise StorageError(
                _("The desk folder is read-only: the change was not saved.")
            ) from None
        if "disk i/o" in text:
            raise StorageError(_("The disk reported an error: the change was not saved.")) from None
        if "locked" in text or "busy" in text:
            raise StorageError(_("The desk store is busy; please try again.")) from None
        raise
    except sqlcipher3.DatabaseError as exc:
        if isinstance(exc, sqlcipher3.IntegrityError | sqlcipher3.ProgrammingError):
            raise
        raise DeskStoreCorrupt(
            _("The desk store is damaged. Restore it from a backup (advisor-desk restore).")
        ) from None


class DeskStore:
    """An open desk store: a keyed SQLCipher connection, its key slots and the process lock.

    Reads and writes go through :meth:`read` and :meth:`write`, which serialise access and turn
    SQLite errors into typed errors.
    """

    def __init__(
        self,
        folder: Path,
        conn: Connection,
        key: bytearray,
        slots: SlotFile,
        process_lock: VaultProcessLock,
    ) -> None:
        self.folder = folder
        self._conn: Connection | None = conn
        self._key: bytearray | None = key
        self._slots = slots
        self._process_lock = process_lock
        self._mutex = threading.RLock()

    @property
    def store_id(self) -> str:
        """The random id of this store (not secret; the identity file is bound to it)."""
        return self._slots.vault_id

    @property
    def slot_file(self) -> SlotFile:
        """The key slots as on disk."""
        return self._slots

    def _connection(self) -> Connection:
        if self._conn is None:
            raise VaultLocked(_("The desk store is closed."))
        return self._conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """The connection, for reads."""
        with self._mutex, _translate_db_errors():
            yield self._connection()

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """The connection inside one IMMEDIATE transaction: all of the block, or nothing."""
        with self._mutex, _translate_db_errors():
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def meta(self, key: str) -> str | None:
        """A value of the store's ``meta`` table."""
        with self.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def raw_key_hex(self) -> str:
        """The database key as hex, for a keyed backup copy (never logged or shown)."""
        if self._key is None:
            raise VaultLocked(_("The desk store is closed."))
        return self._key.hex()

    def close(self) -> None:
        """Close the connection, overwrite the key in memory, release the lock."""
        with self._mutex:
            if self._conn is not None:
                with contextlib.suppress(sqlcipher3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._conn.close()
                self._conn = None
            wipe(self._key)
            self._key = None
            self._process_lock.release()

    def __enter__(self) -> DeskStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lock(folder: Path) -> VaultProcessLock:
    lock = VaultProcessLock(folder / LOCK_FILE)
    try:
        lock.acquire()
    except OSError as exc:
        raise storage_error(exc, _("the desk store")) from None
    return lock


def create_store(
    folder: Path, passphrase: bytearray, policy: KdfPolicy, created_at: str
) -> tuple[DeskStore, str]:
    """A new, open store in ``folder`` and its one-time recovery code.

    The caller has checked the passphrase (:func:`check_new_passphrase`) where a new one is
    chosen. Nothing is left behind if creation fails half-way.
    """
    if store_exists(folder):
        raise DeskError(_("A desk store already exists in {folder}.").format(folder=folder))
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise storage_error(exc, _("the desk store")) from None
    process_lock = _lock(folder)
    key = bytearray(secrets.token_bytes(KEY_BYTES))
    recovery = generate_recovery_code()
    store_id = str(uuid.uuid4())
    conn = None
    try:
        params = policy.params()
        slots = SlotFile(
            vault_id=store_id,
            slots=(
                wrap_key(key, passphrase, "passphrase", store_id, params),
                wrap_key(key, recovery.encode("ascii"), "recovery", store_id, params),
            ),
        )
        try:
            conn = _connect(folder / DB_FILE, key)
            migrate(conn)
            conn.execute("INSERT INTO meta (key, value) VALUES ('store_id', ?)", (store_id,))
            conn.execute("INSERT INTO meta (key, value) VALUES ('created_at', ?)", (created_at,))
        except sqlcipher3.OperationalError as exc:
            raise storage_error(OSError(28, str(exc)), _("the desk store")) from None
        atomic_write(folder / KEYS_FILE, slots.to_bytes(), what=_("the desk store's key file"))
        os.chmod(folder / DB_FILE, 0o600)
    except BaseException:
        if conn is not None:
            conn.close()
        for name in STORE_FILES:
            with contextlib.suppress(OSError):
                (folder / name).unlink()
        process_lock.release()
        wipe(key)
        raise
    log.info("desk_store_created schema=%s", SCHEMA_VERSION)
    return DeskStore(folder, conn, key, slots, process_lock), recovery


def _read_slots(folder: Path) -> SlotFile:
    remove_stale_temps(folder, KEYS_FILE)
    keys, db = folder / KEYS_FILE, folder / DB_FILE
    if not keys.exists() and not db.exists():
        raise DeskStoreMissing(_("No desk store was found in {folder}.").format(folder=folder))
    if not keys.exists():
        raise DeskStoreCorrupt(_("The desk store's key file is missing; restore a backup."))
    if not db.exists():
        raise DeskStoreCorrupt(_("The desk store's database is missing; restore a backup."))
    try:
        data = keys.read_bytes()
    except OSError:
        raise DeskStoreCorrupt(_("The desk store's key file cannot be read.")) from None
    try:
        return SlotFile.from_bytes(data)
    except VaultCorrupt:
        raise DeskStoreCorrupt(_("The desk store's key file is damaged or not ours.")) from None


def _check_db_file(db_path: Path) -> None:
    try:
        with db_path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        raise DeskStoreCorrupt(_("The desk store cannot be read.")) from None
    if head == _SQLITE_HEADER:
        # A plain SQLite file in the store's place: never ours, never to be trusted or written.
        raise DeskStoreCorrupt(_("The desk store file is not encrypted; it is not this desk's."))
    if len(head) < 16:
        raise DeskStoreCorrupt(_("The desk store file is empty or truncated."))


def _open_with(folder: Path, secret: bytes | bytearray, kind: str) -> DeskStore:
    slots = _read_slots(folder)
    _check_db_file(folder / DB_FILE)
    process_lock = _lock(folder)
    try:
        key = unwrap_key(slots.slot(kind), secret, slots.vault_id)  # type: ignore[arg-type]
        if key is None:
            if kind == "passphrase":
                raise WrongPassphrase(_("The desk passphrase is wrong."))
            raise WrongRecoveryCode(_("The recovery code does not open this desk store."))
        try:
            conn = _connect(folder / DB_FILE, key)
        except BaseException:
            wipe(key)
            raise
        try:
            with _translate_db_errors():
                found = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if found > SCHEMA_VERSION:
                    raise VaultTooNew(
                        _("This desk store was made by a newer version of Advisor Desktop.")
                    )
                # Every page's HMAC, not only those a command happens to read: a store altered
                # anywhere is refused at once (reading a page costs little next to Argon2id).
                if conn.execute("PRAGMA cipher_integrity_check").fetchone() is not None:
                    raise DeskStoreCorrupt(
                        _("The desk store was altered or damaged. Restore it from a backup.")
                    )
                migrate(conn)
                row = conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
            # The database and the key file name the same store: a database swapped in from
            # another store under the same key cannot pass for this one.
            if row is None or row[0] != slots.vault_id:
                raise DeskStoreCorrupt(_("The desk store's two files do not belong together."))
        except BaseException:
            conn.close()
            wipe(key)
            raise
    except BaseException:
        process_lock.release()
        raise
    log.info("desk_store_opened via=%s", kind)
    return DeskStore(folder, conn, key, slots, process_lock)


def open_store(folder: Path, passphrase: bytearray) -> DeskStore:
    """Open the store in ``folder`` with the desk passphrase."""
    return _open_with(folder, passphrase, "passphrase")


def open_store_with_recovery(folder: Path, code: str) -> DeskStore:
    """Open the store with its recovery code (the desk identity still needs the passphrase)."""
    return _open_with(folder, normalize_recovery_code(code).encode("ascii"), "recovery")
