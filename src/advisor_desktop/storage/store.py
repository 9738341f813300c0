"""Create, open and close the encrypted vault.

Files in the data folder:

- ``vault.db``   — SQLCipher 4 database, keyed with a random 256-bit *raw* key;
- ``vault.keys`` — that key, wrapped under Argon2id(passphrase) and Argon2id(recovery code);
- ``vault.lock`` — an advisory lock so only one process opens the vault.

Key material in memory: the database key and passphrases travel as ``bytearray`` and are
overwritten on close. Python cannot wipe everything: the hex ``PRAGMA key`` statement is an
immutable ``str``, ``cryptography`` copies its inputs into ``bytes``, and SQLCipher keeps its own
copy (which it wipes itself on close). Core dumps are disabled at start-up (hardening.py).

A passphrase comes as typed text (``crypto.secret_text.SecretText``: its NFC form, then the
form as typed, which versions before normalisation derived from) or as bytes used exactly as
given. A vault that opens only from the form as typed is re-wrapped under the NFC form.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3

from advisor_desktop.crypto.keyslots import (
    KEY_BYTES,
    KdfParams,
    KdfPolicy,
    SlotFile,
    SlotKind,
    unwrap_key,
    wrap_key,
)
from advisor_desktop.crypto.recovery import generate_recovery_code, normalize_recovery_code
from advisor_desktop.crypto.secret_text import Passphrase, candidate_forms
from advisor_desktop.crypto.secret_text import (  # re-exported: the desk store checks it too
    require_passphrase as require_passphrase,
)
from advisor_desktop.platform.errors import (
    StorageError,
    VaultCorrupt,
    VaultExists,
    VaultLocked,
    VaultMissing,
    VaultTooNew,
    WrongPassphrase,
    WrongRecoveryCode,
)
from advisor_desktop.platform.fsutil import atomic_write, remove_stale_temps, storage_error
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage.lockfile import VaultProcessLock
from advisor_desktop.storage.schema import SCHEMA_VERSION, migrate

log = logging.getLogger(__name__)

Connection = Any  # sqlcipher3.Connection

_SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class VaultSettings:
    """Settings read back from the open database (shown by ``advisor selftest``)."""

    sqlcipher_version: str
    sqlite_version: str
    cipher_settings: str
    temp_store: int
    secure_delete: int
    journal_mode: str
    synchronous: int
    foreign_keys: int
    schema_version: int
    kdf: KdfParams


def vault_exists(paths: AppPaths) -> bool:
    """True when a vault (database or key file) is in the data folder."""
    return paths.vault_db.exists() or paths.key_slots.exists()


def _connect(db_path: Path, key: bytearray) -> Connection:
    """Open ``db_path`` with the raw key and apply (and verify) our PRAGMAs."""
    try:
        conn = sqlcipher3.connect(
            str(db_path), isolation_level=None, check_same_thread=False, timeout=5.0
        )
    except sqlcipher3.OperationalError as exc:
        raise VaultCorrupt(_("The vault file cannot be opened.")) from exc
    try:
        # SQLCipher logs to stderr by default; its messages could reach a console or crash log.
        conn.execute("PRAGMA cipher_log_level = NONE")
        # A raw key skips SQLCipher's own PBKDF2: our Argon2id slots already stretched the secret.
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        text = str(exc).lower()
        if "unable to open" in text or "readonly" in text:
            # The file was readable (checked before), so SQLite could not create or write its
            # -wal/-shm files beside it: the folder is read-only, not the vault damaged.
            raise StorageError(
                _("The data folder is read-only or not writable: the vault cannot be opened.")
            ) from None
        if "disk i/o" in text or "full" in text:
            raise StorageError(
                _("The disk is full or reported an error: the vault cannot be opened.")
            ) from None
        raise VaultCorrupt(
            _("The vault file is damaged or is not an Advisor Desktop vault.")
        ) from exc
    try:
        _apply_pragmas(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _apply_pragmas(conn: Connection) -> None:
    # Temp tables, sorts and FTS merges must never spill plaintext into temp files. SQLite
    # accepts this PRAGMA silently when the build pins temp_store, so read it back.
    conn.execute("PRAGMA temp_store = MEMORY")
    if int(conn.execute("PRAGMA temp_store").fetchone()[0]) != 2:
        raise VaultCorrupt(_("This SQLCipher build cannot keep temporary data in memory."))
    # Freed pages are zeroed, so deleted or purged notes do not linger inside the file.
    conn.execute("PRAGMA secure_delete = ON")
    if int(conn.execute("PRAGMA secure_delete").fetchone()[0]) != 1:
        raise VaultCorrupt(_("This SQLCipher build cannot securely delete data."))
    # WAL + synchronous=FULL: every commit is durable and a killed process or power loss never
    # corrupts the file (the WAL is encrypted page by page like the database).
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StorageError(_("The vault's journal could not be set up in the data folder."))
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def _read_slot_file(paths: AppPaths) -> SlotFile:
    remove_stale_temps(paths.data, paths.key_slots.name)
    if not paths.key_slots.exists() and not paths.vault_db.exists():
        raise VaultMissing(_("No vault was found in {folder}.").format(folder=paths.data))
    if not paths.key_slots.exists():
        raise VaultCorrupt(_("The vault's key file is missing; restore it from a backup."))
    if not paths.vault_db.exists():
        raise VaultCorrupt(_("The vault's database file is missing; restore it from a backup."))
    try:
        data = paths.key_slots.read_bytes()
    except OSError as exc:
        raise VaultCorrupt(_("The vault's key file cannot be read.")) from exc
    return SlotFile.from_bytes(data)


def _check_db_file(db_path: Path) -> None:
    try:
        with db_path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise VaultCorrupt(_("The vault file cannot be read.")) from exc
    if head == _SQLITE_HEADER:
        # An unencrypted SQLite file: never ours, never to be trusted or written.
        raise VaultCorrupt(
            _("The vault file is not encrypted; it is not an Advisor Desktop vault.")
        )
    if len(head) < 16:
        raise VaultCorrupt(_("The vault file is empty or truncated."))


class Vault:
    """An open vault: a keyed SQLCipher connection guarded by a lock, plus its key slots.

    Every read or write goes through :meth:`read` or :meth:`write`, which serialise access
    across threads and turn SQLite errors into typed errors.
    """

    def __init__(
        self,
        paths: AppPaths,
        conn: Connection,
        key: bytearray,
        slots: SlotFile,
        process_lock: VaultProcessLock,
        policy: KdfPolicy,
        *,
        needs_new_passphrase: bool = False,
    ) -> None:
        self.paths = paths
        self._conn: Connection | None = conn
        self._key: bytearray | None = key
        self._slots = slots
        self._process_lock = process_lock
        self._policy = policy
        self._mutex = threading.RLock()
        self.needs_new_passphrase = needs_new_passphrase

    @property
    def vault_id(self) -> str:
        """Random id of this vault (not secret; binds the key slots to it)."""
        return self._slots.vault_id

    @property
    def is_open(self) -> bool:
        """False once closed or locked."""
        return self._conn is not None

    def _connection(self) -> Connection:
        if self._conn is None:
            raise VaultLocked(_("The vault is locked. Unlock it to continue."))
        return self._conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """The connection, for reads (serialised with writes across threads)."""
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

    def settings(self) -> VaultSettings:
        """PRAGMAs as read back from the open database."""
        with self.read() as conn:

            def one(sql: str) -> Any:
                row = conn.execute(sql).fetchone()
                return row[0] if row else ""

            return VaultSettings(
                sqlcipher_version=str(one("PRAGMA cipher_version")),
                sqlite_version=str(one("SELECT sqlite_version()")),
                cipher_settings=", ".join(
                    str(r[0]) for r in conn.execute("PRAGMA cipher_settings").fetchall()
                ),
                temp_store=int(one("PRAGMA temp_store")),
                secure_delete=int(one("PRAGMA secure_delete")),
                journal_mode=str(one("PRAGMA journal_mode")),
                synchronous=int(one("PRAGMA synchronous")),
                foreign_keys=int(one("PRAGMA foreign_keys")),
                schema_version=int(one("PRAGMA user_version")),
                kdf=self._slots.slot("passphrase").kdf,
            )

    def raw_key_hex(self) -> str:
        """The database key as hex, for a keyed backup copy (never logged or shown)."""
        if self._key is None:
            raise VaultLocked(_("The vault is locked. Unlock it to continue."))
        return self._key.hex()

    @property
    def slot_file(self) -> SlotFile:
        """The key slots as currently on disk."""
        return self._slots

    def change_passphrase(self, new_passphrase: Passphrase) -> None:
        """Re-wrap the passphrase slot under ``new_passphrase`` (no database rekey); typed text
        is wrapped in its normal form.

        Written atomically: an interrupted change leaves the old passphrase working.
        """
        require_passphrase(new_passphrase)
        self._rewrap_passphrase_slot(candidate_forms(new_passphrase)[0])
        self.needs_new_passphrase = False
        log.info("passphrase_changed")

    def passphrase_matches(self, passphrase: Passphrase) -> bool:
        """True when one of ``passphrase``'s forms opens this vault's passphrase slot (two
        Argon2id runs at most: call it from a worker). Nothing is written."""
        with self._mutex:
            slots = self._slots
        return _unwrap_first(slots, "passphrase", candidate_forms(passphrase)) is not None

    def _rewrap_passphrase_slot(self, secret: bytes | bytearray) -> None:
        """Write the passphrase slot anew, wrapped under ``secret`` (atomically)."""
        with self._mutex:
            if self._key is None:
                raise VaultLocked(_("The vault is locked. Unlock it to continue."))
            slot = wrap_key(self._key, secret, "passphrase", self.vault_id, self._policy.params())
            new_slots = self._slots.replace(slot)
            atomic_write(self.paths.key_slots, new_slots.to_bytes(), what=_("the new passphrase"))
            self._slots = new_slots

    def _renormalise_passphrase_slot(self, canonical: bytes | bytearray) -> None:
        """The slot opened only from the typed bytes (a vault made before passphrases were
        normalised): wrap it under the normal form, so every input method opens it from now on.
        A failure to write leaves the old slot, which still opens; the next unlock tries again.
        """
        try:
            self._rewrap_passphrase_slot(canonical)
        except StorageError:
            log.warning("passphrase_slot_renormalise_failed")
            return
        log.info("passphrase_slot_renormalised")

    def checkpoint(self) -> None:
        """Fold the WAL into the database and truncate it (after a purge or before backup)."""
        with self.read() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Close the connection, overwrite the key in memory, release the process lock."""
        with self._mutex:
            if self._conn is not None:
                with contextlib.suppress(sqlcipher3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._conn.close()
                self._conn = None
            wipe(self._key)
            self._key = None
            self._process_lock.release()
        log.info("vault_closed")

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
                _("The data folder is read-only: the change was not saved.")
            ) from None
        if "disk i/o" in text:
            raise StorageError(_("The disk reported an error: the change was not saved.")) from None
        if "locked" in text or "busy" in text:
            raise StorageError(_("The vault is busy; please try again.")) from None
        raise
    except sqlcipher3.DatabaseError as exc:
        if isinstance(exc, sqlcipher3.IntegrityError | sqlcipher3.ProgrammingError):
            raise
        raise VaultCorrupt(_("The vault file is damaged. Restore it from a backup.")) from None


def create_vault(
    paths: AppPaths, passphrase: Passphrase, policy: KdfPolicy | None = None
) -> tuple[Vault, str]:
    """Create a new vault; returns it (open) and the one-time recovery code to show.

    Typed text is wrapped in its normal form; bytes exactly as given. Nothing is left behind if
    creation fails half-way.
    """
    policy = policy or KdfPolicy()
    require_passphrase(passphrase)
    if vault_exists(paths):
        raise VaultExists(_("A vault already exists in {folder}.").format(folder=paths.data))
    try:
        paths.ensure()
    except OSError as exc:
        raise storage_error(exc, _("the vault")) from None
    process_lock = VaultProcessLock(paths.lock_file)
    try:
        process_lock.acquire()
    except OSError as exc:
        raise storage_error(exc, _("the vault")) from None
    key = bytearray(secrets.token_bytes(KEY_BYTES))
    recovery = generate_recovery_code()
    vault_id = str(uuid.uuid4())
    conn = None
    try:
        params = policy.params()
        slots = SlotFile(
            vault_id=vault_id,
            slots=(
                wrap_key(key, candidate_forms(passphrase)[0], "passphrase", vault_id, params),
                wrap_key(key, recovery.encode("ascii"), "recovery", vault_id, params),
            ),
        )
        try:
            conn = _connect(paths.vault_db, key)
            migrate(conn)
        except sqlcipher3.OperationalError as exc:
            raise storage_error(OSError(28, str(exc)), _("the vault")) from None
        atomic_write(paths.key_slots, slots.to_bytes(), what=_("the vault's key file"))
        os.chmod(paths.vault_db, 0o600)
    except BaseException:
        if conn is not None:
            conn.close()
        for leftover in (paths.vault_db, paths.key_slots):
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(str(leftover) + suffix).unlink()
        process_lock.release()
        wipe(key)
        raise
    log.info("vault_created schema=%s", SCHEMA_VERSION)
    return Vault(paths, conn, key, slots, process_lock, policy), recovery


def _unwrap_first(
    slots: SlotFile, kind: SlotKind, forms: tuple[bytes | bytearray, ...]
) -> tuple[bytearray, int] | None:
    """The database key and the index of the first of ``forms`` that opens the slot."""
    for index, form in enumerate(forms):
        key = unwrap_key(slots.slot(kind), form, slots.vault_id)
        if key is not None:
            return key, index
    return None


def _open_with(
    paths: AppPaths,
    forms: tuple[bytes | bytearray, ...],
    kind: SlotKind,
    policy: KdfPolicy | None,
) -> Vault:
    slots = _read_slot_file(paths)
    _check_db_file(paths.vault_db)
    process_lock = VaultProcessLock(paths.lock_file)
    try:
        process_lock.acquire()
    except OSError as exc:
        raise VaultCorrupt(
            _("The data folder cannot be used: {reason}").format(reason=exc.strerror or "I/O")
        ) from None
    try:
        unwrapped = _unwrap_first(slots, kind, forms)
        if unwrapped is None:
            if kind == "passphrase":
                raise WrongPassphrase(_("The passphrase is not correct."))
            raise WrongRecoveryCode(_("The recovery code does not open this vault."))
        key, used = unwrapped
        try:
            conn = _connect(paths.vault_db, key)
        except BaseException:
            wipe(key)
            raise
        try:
            with _translate_db_errors():
                found = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if found > SCHEMA_VERSION:
                    raise VaultTooNew(
                        _(
                            "This vault was made by a newer version of Advisor Desktop. "
                            "Please update."
                        )
                    )
                migrate(conn)
        except BaseException:
            conn.close()
            wipe(key)
            raise
    except BaseException:
        process_lock.release()
        raise
    log.info("vault_opened via=%s", kind)
    vault = Vault(
        paths,
        conn,
        key,
        slots,
        process_lock,
        policy or KdfPolicy(),
        needs_new_passphrase=(kind == "recovery"),
    )
    if used > 0:
        try:
            vault._renormalise_passphrase_slot(forms[0])
        except BaseException:
            vault.close()
            raise
    return vault


def open_vault(paths: AppPaths, passphrase: Passphrase, policy: KdfPolicy | None = None) -> Vault:
    """Unlock with the passphrase. Raises WrongPassphrase, VaultMissing, VaultCorrupt, …

    Typed text (``SecretText``) is tried in its normal form first, then as typed; a vault
    that opens only as typed (made before passphrases were normalised) has its passphrase slot
    re-wrapped under the normal form. Bytes are tried exactly as given. The caller wipes
    ``passphrase``.
    """
    return _open_with(paths, candidate_forms(passphrase), "passphrase", policy)


def open_vault_with_recovery(paths: AppPaths, code: str, policy: KdfPolicy | None = None) -> Vault:
    """Unlock with the recovery code. The returned vault has ``needs_new_passphrase`` set:
    callers must make the advisor choose a new passphrase before anything else."""
    canonical = normalize_recovery_code(code)
    return _open_with(paths, (canonical.encode("ascii"),), "recovery", policy)


def passphrase_opens(paths: AppPaths, passphrase: Passphrase) -> bool:
    """True when one of ``passphrase``'s forms unwraps this vault's key (the database is not
    touched, nothing is written).

    Safe to call from a worker thread while the vault is open elsewhere in the process, e.g.
    to let the advisor leave the visitor view. It never re-wraps an old slot: the open
    :class:`Vault` owns the slot file, and only unlocking (:func:`open_vault`) re-wraps.
    """
    slots = _read_slot_file(paths)
    unwrapped = _unwrap_first(slots, "passphrase", candidate_forms(passphrase))
    if unwrapped is None:
        return False
    wipe(unwrapped[0])
    return True
