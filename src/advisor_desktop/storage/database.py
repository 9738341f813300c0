"""One encrypted database in a folder: the advisor's vault and the desk's store alike.

A :class:`~advisor_desktop.storage.kind.StoreKind` (``storage/kind.py``) says what is
particular to one of them: its file names (``vault.db``, ``vault.keys``, ``vault.lock`` or the
desk's), its schema (a list of migration steps), the id its key file records (so a desk's key
file never opens as a vault, nor a vault's as a desk store), the typed errors and the messages
that name it ("vault" or "desk store"), and two checks of its own at open: every page's HMAC,
and the database naming the key file's id. Everything else is this one implementation:

- the database key: 256 random bits, used as SQLCipher's raw key, wrapped in two key slots
  (Argon2id of the passphrase and of the recovery code, ``crypto/keyslots.py``) in the key
  file (``storage/keyfile.py``), which is only ever written atomically (temp file, fsync,
  rename, fsync of the folder);
- the PRAGMAs, set and read back (:func:`apply_pragmas`);
- the lock file, so one process at a time has the store open (``storage/lockfile.py``);
- SQLite's errors turned into typed errors (:func:`translate_db_errors`);
- create, open with the passphrase or the recovery code, close with the key overwritten;
- a store on read-only media (a write-protected USB stick), opened read-only where its kind
  allows it (:func:`open_database`, ``read_only``): SQLite's read-only URI, no lock, no
  migration, and every change refused with :class:`ReadOnlyMedia`.

Files are owner-only whatever the umask: the database file is created 0600 before SQLite opens
it, so its ``-wal`` and ``-shm`` files (which SQLite creates with the database's mode) are too.

Key material in memory: the database key and passphrases travel as ``bytearray`` and are
overwritten on close. Python cannot wipe everything: the hex ``PRAGMA key`` statement is an
immutable ``str``, ``cryptography`` copies its inputs into ``bytes``, and SQLCipher keeps its own
copy (which it wipes itself on close). Core dumps are disabled at start-up (hardening.py).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import sqlcipher3

from advisor_desktop.crypto.keyslots import (
    KEY_BYTES,
    KdfPolicy,
    SlotFile,
    SlotKind,
    sealed_slot,
    wrap_key,
)
from advisor_desktop.crypto.recovery import generate_recovery_code
from advisor_desktop.crypto.secret_text import Passphrase, candidate_forms
from advisor_desktop.platform.errors import (
    ReadOnlyMedia,
    StorageError,
    VaultLocked,
    VaultTooNew,
    WrongPassphrase,
    WrongRecoveryCode,
)
from advisor_desktop.platform.fsutil import (
    atomic_write,
    make_private,
    open_private,
    private_dir,
    storage_error,
)
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import N_, _
from advisor_desktop.storage import switch
from advisor_desktop.storage.keyfile import key_file_bytes, read_key_file, unwrap_first
from advisor_desktop.storage.kind import StoreKind, store_exists
from advisor_desktop.storage.lockfile import ProcessLock
from advisor_desktop.storage.migrations import migrate

log = logging.getLogger(__name__)

Connection = Any  # sqlcipher3.Connection

_SQLITE_HEADER = b"SQLite format 3\x00"
_READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)

READ_ONLY_REFUSED = N_(
    "The vault is open read-only (its folder cannot be written, e.g. write-protected media): "
    "nothing can be changed."
)
READ_ONLY_NEEDS_UPDATE = N_(
    "This vault must be updated to this version once, on media that can be written; its "
    "folder is read-only."
)
READ_ONLY_UNCLEAN = N_(
    "This vault was not closed properly and its folder is read-only: open it once on media "
    "that can be written."
)


# -- the connection ----------------------------------------------------------------------


def _check_db_file(kind: StoreKind, db_path: Path) -> None:
    try:
        with db_path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        raise kind.corrupt(kind.wording.db_unreadable) from None
    if head == _SQLITE_HEADER:
        # An unencrypted SQLite file: never ours, never to be trusted or written.
        raise kind.corrupt(kind.wording.not_encrypted)
    if len(head) < 16:
        raise kind.corrupt(kind.wording.truncated)


def _read_only_uri(db_path: Path, *, immutable: bool) -> str:
    """SQLite's URI that opens ``db_path`` read-only; ``immutable`` also without the ``-shm``
    file and locks (which a read-only folder cannot hold)."""
    from urllib.parse import quote

    query = "mode=ro&immutable=1" if immutable else "mode=ro"
    return f"file:{quote(db_path.resolve().as_posix())}?{query}"


def connect(
    kind: StoreKind, db_path: Path, key: bytearray, *, read_only: bool = False
) -> Connection:
    """Open ``db_path`` with the raw key and apply (and verify) the PRAGMAs.

    ``read_only``: SQLite's read-only URI; where its ``-shm`` file cannot be made (a read-only
    folder), the immutable one, which needs a fully checkpointed database (an unclean close
    left a ``-wal`` there that it would not read: refused with :class:`ReadOnlyMedia`).
    """
    words = kind.wording
    if read_only:
        return _connect_read_only(kind, db_path, key)
    try:
        conn = sqlcipher3.connect(
            str(db_path), isolation_level=None, check_same_thread=False, timeout=5.0
        )
    except sqlcipher3.OperationalError:
        raise kind.corrupt(words.cannot_open) from None
    _key_connection(kind, conn, key)
    try:
        apply_pragmas(kind, conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _connect_read_only(kind: StoreKind, db_path: Path, key: bytearray) -> Connection:
    for immutable in (False, True):
        if immutable:
            wal = db_path.with_name(db_path.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise ReadOnlyMedia(_(READ_ONLY_UNCLEAN))
        try:
            conn = sqlcipher3.connect(
                _read_only_uri(db_path, immutable=immutable),
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=5.0,
            )
        except sqlcipher3.OperationalError:
            raise kind.corrupt(kind.wording.cannot_open) from None
        try:
            _key_connection(kind, conn, key)
        except StorageError:
            if immutable:
                raise
            continue  # no -shm could be made beside it: the immutable URI
        try:
            _apply_read_pragmas(kind, conn)
        except BaseException:
            conn.close()
            raise
        return conn
    raise AssertionError("unreachable")  # pragma: no cover


def _key_connection(kind: StoreKind, conn: Connection, key: bytearray) -> None:
    words = kind.wording
    try:
        # SQLCipher logs to stderr by default; its messages could reach a console or crash log.
        conn.execute("PRAGMA cipher_log_level = NONE")
        # A raw key skips SQLCipher's own PBKDF2: the Argon2id slots already stretched the secret.
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        text = str(exc).lower()
        if "unable to open" in text or "readonly" in text:
            # The file was readable (checked before), so SQLite could not create or write its
            # -wal/-shm files beside it: the folder is read-only, not the store damaged.
            raise StorageError(_(words.read_only)) from None
        if "disk i/o" in text or "full" in text:
            raise StorageError(_(words.disk_failed)) from None
        raise kind.corrupt(words.not_ours) from None


def apply_pragmas(kind: StoreKind, conn: Connection) -> None:
    """Set the PRAGMAs every store runs with and read back those a build may refuse."""
    _apply_read_pragmas(kind, conn)
    # WAL + synchronous=FULL: every commit is durable and a killed process or power loss never
    # corrupts the file (the WAL is encrypted page by page like the database).
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StorageError(_(kind.wording.no_journal))
    conn.execute("PRAGMA synchronous = FULL")


def _apply_read_pragmas(kind: StoreKind, conn: Connection) -> None:
    """The PRAGMAs a read-only connection needs as much as a writer: no temp files, and the
    settings every statement relies on (a read-only file keeps the journal mode it has)."""
    # Temp tables, sorts and FTS merges must never spill plaintext into temp files. SQLite
    # accepts this PRAGMA silently when the build pins temp_store, so read it back.
    conn.execute("PRAGMA temp_store = MEMORY")
    if int(conn.execute("PRAGMA temp_store").fetchone()[0]) != 2:
        raise kind.corrupt_error(_("This SQLCipher build cannot keep temporary data in memory."))
    # Freed pages are zeroed, so deleted or purged rows do not linger inside the file.
    conn.execute("PRAGMA secure_delete = ON")
    if int(conn.execute("PRAGMA secure_delete").fetchone()[0]) != 1:
        raise kind.corrupt_error(_("This SQLCipher build cannot securely delete data."))
    conn.execute("PRAGMA foreign_keys = ON")


@contextlib.contextmanager
def translate_db_errors(kind: StoreKind) -> Iterator[None]:
    """Turn SQLite's errors of the disk, the folder or a damaged file into typed errors
    (constraint and programming errors pass unchanged: they are bugs or checked by callers)."""
    try:
        yield
    except sqlcipher3.OperationalError as exc:
        text = str(exc).lower()
        if "full" in text:
            raise StorageError(_("The disk is full: the change was not saved.")) from None
        if "readonly" in text or "read-only" in text:
            raise StorageError(_(kind.wording.read_only_unsaved)) from None
        if "disk i/o" in text:
            raise StorageError(_("The disk reported an error: the change was not saved.")) from None
        if "locked" in text or "busy" in text:
            raise StorageError(_(kind.wording.busy)) from None
        raise
    except sqlcipher3.DatabaseError as exc:
        if isinstance(exc, sqlcipher3.IntegrityError | sqlcipher3.ProgrammingError):
            raise
        raise kind.corrupt(kind.wording.damaged) from None


def _recorded_store_id(conn: Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    except sqlcipher3.OperationalError:
        return None  # no meta table yet: an empty database (version 0)
    return None if row is None else str(row[0])


def _check_opened(
    kind: StoreKind, conn: Connection, slots: SlotFile, *, read_only: bool = False
) -> None:
    """The checks after the key opened the database, then the migrations to this version (a
    read-only store that needs one is refused: it cannot be written)."""
    if kind.check_integrity and conn.execute("PRAGMA cipher_integrity_check").fetchone():
        # Every page's HMAC, not only those a command happens to read: a store altered
        # anywhere is refused at once (reading a page costs little next to Argon2id).
        raise kind.corrupt(kind.wording.altered)
    # The database and the key file name the same store: a database swapped in from another
    # store under the same key cannot pass for this one. A kind that records no id finds none:
    # a database that names one is another kind's (its key file from before kinds were kept).
    expected = slots.vault_id if kind.records_store_id else None
    if _recorded_store_id(conn) != expected:
        raise kind.corrupt(kind.wording.foreign_database)
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > kind.schema_version:
        raise VaultTooNew(_(kind.wording.too_new))
    if read_only:
        if found < kind.schema_version:
            raise ReadOnlyMedia(_(READ_ONLY_NEEDS_UPDATE))
        return
    migrate(conn, kind.migrations)


# -- create and open ---------------------------------------------------------------------


@dataclass
class Unlocked:
    """What creating or opening a store hands to its class: the keyed connection, the key,
    the key slots, the held lock (not held when read-only), which of the passphrase's forms
    opened it, and whether it is open read-only."""

    conn: Connection
    key: bytearray
    slots: SlotFile
    lock: ProcessLock
    form_used: int = 0
    read_only: bool = False


def folder_read_only(folder: Path, db_path: Path) -> bool:
    """True when the store's folder or its database cannot be written by this process
    (write-protected media, a read-only mount, or permissions)."""
    return not os.access(folder, os.W_OK) or (db_path.exists() and not os.access(db_path, os.W_OK))


def _lock(kind: StoreKind, folder: Path, *, creating: bool) -> ProcessLock:
    lock = ProcessLock(folder / kind.files.lock, kind.wording.in_use)
    try:
        lock.acquire()
    except OSError as exc:
        if creating or kind.wording.folder_unusable is None:
            raise storage_error(exc, _(kind.wording.what)) from None
        raise kind.corrupt_error(
            _(kind.wording.folder_unusable).format(reason=exc.strerror or "I/O")
        ) from None
    return lock


def create_database(
    kind: StoreKind,
    folder: Path,
    passphrase: Passphrase,
    policy: KdfPolicy,
    *,
    prepare: Callable[[], None] | None = None,
    meta: Mapping[str, str] | None = None,
) -> tuple[Unlocked, str]:
    """A new store of ``kind`` in ``folder``, open, and its one-time recovery code.

    The caller has checked the passphrase where a new one is chosen; typed text is wrapped in
    its normal form, bytes exactly as given. ``prepare`` makes the folder (by default: it and
    its parents, owner-only); ``meta`` rows are written into the new database. Nothing is left
    behind if creation fails half-way.
    """
    words = kind.wording
    if store_exists(kind, folder):
        raise kind.exists_error(_(words.exists).format(folder=folder))
    try:
        if prepare is None:
            private_dir(folder)
        else:
            prepare()
    except OSError as exc:
        raise storage_error(exc, _(words.what)) from None
    process_lock = _lock(kind, folder, creating=True)
    key = bytearray(secrets.token_bytes(KEY_BYTES))
    recovery = generate_recovery_code()
    store_id = str(uuid.uuid4())
    db_path = folder / kind.files.db
    conn = None
    try:
        params = policy.params()
        slots = SlotFile(
            vault_id=store_id,
            slots=(
                wrap_key(key, candidate_forms(passphrase)[0], "passphrase", store_id, params),
                sealed_slot(key, recovery.encode("ascii"), "recovery", store_id, params),
            ),
        )
        rows = {"store_id": store_id} if kind.records_store_id else {}
        try:
            # Created owner-only before SQLite opens it: its -wal and -shm files take its mode.
            os.close(open_private(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        except OSError as exc:
            raise storage_error(exc, _(words.what)) from None
        try:
            conn = connect(kind, db_path, key)
            migrate(conn, kind.migrations)
            for name, value in {**rows, **(meta or {})}.items():
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (name, value))
        except sqlcipher3.OperationalError as exc:
            raise storage_error(OSError(28, str(exc)), _(words.what)) from None
        atomic_write(
            folder / kind.files.keys, key_file_bytes(kind, slots), what=_(words.key_file_what)
        )
        for name in kind.files.store_files:
            if (folder / name).exists():
                make_private(folder / name)
    except BaseException:
        if conn is not None:
            conn.close()
        for name in kind.files.store_files:
            with contextlib.suppress(OSError):
                (folder / name).unlink()
        process_lock.release()
        wipe(key)
        raise
    log.info("%s_created schema=%s", kind.event, kind.schema_version)
    return Unlocked(conn, key, slots, process_lock), recovery


def open_database(
    kind: StoreKind,
    folder: Path,
    forms: tuple[bytes | bytearray, ...],
    slot: SlotKind,
    *,
    allow_read_only: bool = False,
) -> Unlocked:
    """Open the store of ``kind`` in ``folder`` with the first of ``forms`` that opens its
    ``slot``; checked, and migrated to this version. Raises WrongPassphrase or
    WrongRecoveryCode, the kind's missing or corrupt error, VaultTooNew, VaultBusy, …

    ``allow_read_only``: a folder or database this process cannot write (write-protected
    media) opens read-only instead of failing: no lock (it cannot be taken there), no
    migration (one that is needed is a :class:`ReadOnlyMedia`), and ``read_only`` set.
    """
    if switch.pending(kind, folder):
        _finish_switch(kind, folder)
    slots = read_key_file(kind, folder)
    db_path = folder / kind.files.db
    _check_db_file(kind, db_path)
    read_only = allow_read_only and folder_read_only(folder, db_path)
    if read_only:
        process_lock = ProcessLock(folder / kind.files.lock, kind.wording.in_use)
    else:
        try:
            process_lock = _lock(kind, folder, creating=False)
        except (StorageError, kind.corrupt_error):
            # The lock file could not be opened: a read-only mount os.access missed (or one
            # that became read-only meanwhile) opens read-only; anything else is the error.
            if not (allow_read_only and _lock_refused_by_media(folder / kind.files.lock)):
                raise
            read_only = True
            process_lock = ProcessLock(folder / kind.files.lock, kind.wording.in_use)
    if not read_only:
        # A folder an older version left group- or world-readable becomes owner-only; its
        # lock file was made so by taking the lock.
        with contextlib.suppress(OSError):
            private_dir(folder)
    try:
        unwrapped = unwrap_first(slots, slot, forms)
        if unwrapped is None:
            if slot == "passphrase":
                raise WrongPassphrase(_(kind.wording.wrong_passphrase))
            raise WrongRecoveryCode(_(kind.wording.wrong_recovery_code))
        key, used = unwrapped
        try:
            conn = connect(kind, db_path, key, read_only=read_only)
        except BaseException:
            wipe(key)
            raise
        try:
            with translate_db_errors(kind):
                _check_opened(kind, conn, slots, read_only=read_only)
        except BaseException:
            conn.close()
            wipe(key)
            raise
    except BaseException:
        process_lock.release()
        raise
    log.info("%s_opened via=%s read_only=%s", kind.event, slot, int(read_only))
    return Unlocked(conn, key, slots, process_lock, used, read_only)


def _finish_switch(kind: StoreKind, folder: Path) -> None:
    """A rekey or restore a crash interrupted: finished or rolled back under the lock
    (``storage/switch.py``) before the key file is read."""
    try:
        lock = _lock(kind, folder, creating=False)
    except (StorageError, kind.corrupt_error):
        return  # read-only media: the files are opened as they are
    try:
        switch.complete_pending(kind, folder)
    except OSError as exc:
        raise storage_error(exc, _(kind.wording.what)) from None
    finally:
        lock.release()


def _lock_refused_by_media(lock_path: Path) -> bool:
    """True when the lock file cannot be opened for writing because the file system or the
    permissions refuse it (not because another process holds it)."""
    try:
        os.close(open_private(lock_path, os.O_RDWR | os.O_CREAT))
    except OSError as exc:
        return exc.errno in _READ_ONLY_ERRNOS
    return False


# -- the open store ----------------------------------------------------------------------


class EncryptedDatabase:
    """An open store: a keyed SQLCipher connection guarded by a mutex, its key slots and the
    process lock. Subclasses name their :class:`StoreKind` (``kind``).

    Every read or write goes through :meth:`read` or :meth:`write`, which serialise access
    across threads and turn SQLite errors into typed errors. A store opened ``read_only``
    (read-only media) refuses every write, the key file's included, with
    :class:`ReadOnlyMedia`.
    """

    kind: ClassVar[StoreKind]

    def __init__(
        self,
        folder: Path,
        conn: Connection,
        key: bytearray,
        slots: SlotFile,
        process_lock: ProcessLock,
        policy: KdfPolicy,
        *,
        read_only: bool = False,
    ) -> None:
        self.folder = folder
        self.read_only = read_only
        self._conn: Connection | None = conn
        self._key: bytearray | None = key
        self._slots = slots
        self._process_lock = process_lock
        self._policy = policy
        self._mutex = threading.RLock()

    @property
    def store_id(self) -> str:
        """The random id of this store (not secret; binds the key slots to it)."""
        return self._slots.vault_id

    @property
    def is_open(self) -> bool:
        """False once closed or locked."""
        return self._conn is not None

    def _connection(self) -> Connection:
        if self._conn is None:
            raise VaultLocked(_(self.kind.wording.closed))
        return self._conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """The connection, for reads (serialised with writes across threads)."""
        with self._mutex, translate_db_errors(self.kind):
            yield self._connection()

    def require_writable(self) -> None:
        """Raise :class:`ReadOnlyMedia` when this store is open read-only (before any change
        is prepared: a passphrase change, a purge, a restore over it)."""
        if self.read_only:
            raise ReadOnlyMedia(_(READ_ONLY_REFUSED))

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """The connection inside one IMMEDIATE transaction: all of the block, or nothing."""
        self.require_writable()
        with self._mutex, translate_db_errors(self.kind):
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def meta(self, key: str) -> str | None:
        """A value of the store's ``meta`` table, or None."""
        with self.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def raw_key_hex(self) -> str:
        """The database key as hex, for a keyed backup copy (never logged or shown)."""
        if self._key is None:
            raise VaultLocked(_(self.kind.wording.closed))
        return self._key.hex()

    @property
    def slot_file(self) -> SlotFile:
        """The key slots as currently on disk."""
        return self._slots

    def key_file_bytes(self) -> bytes:
        """The key file as it is written (for a backup): the slots, with the kind recorded."""
        return key_file_bytes(self.kind, self._slots)

    def _rewrap_passphrase_slot(self, secret: bytes | bytearray) -> None:
        """Write the passphrase slot anew, wrapped under ``secret`` (atomically)."""
        self.require_writable()
        with self._mutex:
            if self._key is None:
                raise VaultLocked(_(self.kind.wording.closed))
            slot = wrap_key(self._key, secret, "passphrase", self.store_id, self._policy.params())
            new_slots = self._slots.replace(slot)
            atomic_write(
                self.folder / self.kind.files.keys,
                key_file_bytes(self.kind, new_slots),
                what=_("the new passphrase"),
            )
            self._slots = new_slots

    def checkpoint(self) -> None:
        """Fold the WAL into the database and truncate it (after a purge or before backup);
        nothing on a read-only store (it has none to fold)."""
        if self.read_only:
            return
        with self.read() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Close the connection, overwrite the key in memory, release the process lock."""
        with self._mutex:
            if self._conn is not None:
                if not self.read_only:
                    with contextlib.suppress(sqlcipher3.Error):
                        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._conn.close()
                self._conn = None
            wipe(self._key)
            self._key = None
            self._process_lock.release()
        log.info("%s_closed", self.kind.event)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
