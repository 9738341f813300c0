"""Rekey an open store: a new random database key, both key slots wrapped for it.

A passphrase change that only re-wrapped the passphrase slot would leave the database under
the old key, so an old copy of the key file (from a backup, or copied earlier) and the old
passphrase would still open the current database. A rekey therefore:

1. draws a new random 256-bit key and wraps it in a new passphrase slot, and seals it into the
   recovery slot for the same recovery code (``crypto/keyslots.py``: no need to know the code),
   or for a new code when one is asked for (or the slot predates sealing and the code is not at
   hand);
2. copies the database with ``sqlcipher_export`` into a new file under the new key, in the
   staging folder of ``storage/switch.py`` (never a plaintext copy), with the new key file
   beside it, and checks that the copy opens;
3. closes the old connection and switches both files in with one commit marker: a crash before
   it leaves the old passphrase working on the old files, a crash after it is finished by the
   next open (the new passphrase works); never both, never neither;
4. reopens the new database under the new key.

``sqlcipher_export`` into a new file is crash-safe by construction (the old database is not
touched until the switch); ``PRAGMA rekey`` rewrites the database in place, so the database and
the key file could not be switched as one step. The vault benchmark measures both.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import sqlcipher3

from advisor_desktop.crypto.keyslots import KEY_BYTES, SlotFile, seal_key, sealed_slot, wrap_key
from advisor_desktop.crypto.recovery import generate_recovery_code
from advisor_desktop.platform.errors import StorageError
from advisor_desktop.platform.fsutil import storage_error
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.storage import switch
from advisor_desktop.storage.database import connect, translate_db_errors
from advisor_desktop.storage.keyfile import key_file_bytes

if TYPE_CHECKING:
    from advisor_desktop.storage.database import Connection, EncryptedDatabase

log = logging.getLogger(__name__)

Progress = Callable[[float], None]  # the fraction done, 0.0 … 1.0

_PROGRESS_STEPS = 2000  # SQLite VM instructions between two looks at the copy's size
_PROGRESS_EVERY = 0.1  # seconds between two reports


def export_copy(
    conn: Connection, target: Path, key: bytearray, progress: Progress | None = None
) -> None:
    """A copy of the open database ``conn`` in ``target`` under the raw ``key``
    (``sqlcipher_export``: encrypted page by page as it is written, never plaintext).
    ``progress`` is given the fraction of the pages written, now and then."""
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
    size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    expected = max(1, (pages - free) * size)
    last = [0.0]

    def tick() -> int:
        now = time.monotonic()
        if progress is not None and now - last[0] >= _PROGRESS_EVERY:
            last[0] = now
            with contextlib.suppress(OSError):
                progress(min(0.99, target.stat().st_size / expected))
        return 0  # go on

    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    conn.execute(f"ATTACH DATABASE ? AS rekeyed KEY \"x'{key.hex()}'\"", (str(target),))
    try:
        _export(conn, version, tick)
    except BaseException:
        with contextlib.suppress(sqlcipher3.Error):  # the error that matters is the first
            conn.execute("DETACH DATABASE rekeyed")
        raise
    conn.execute("DETACH DATABASE rekeyed")
    os.chmod(target, 0o600)


def _export(conn: Connection, version: int, tick: Callable[[], int]) -> None:
    # The copy needs no journal and no fsync per statement: until the switch commits, a crash
    # discards it whole; the switch fsyncs it before its commit marker.
    conn.execute("PRAGMA rekeyed.journal_mode = OFF")
    conn.execute("PRAGMA rekeyed.synchronous = OFF")
    conn.set_progress_handler(tick, _PROGRESS_STEPS)
    try:
        conn.execute("SELECT sqlcipher_export('rekeyed')")
    finally:
        conn.set_progress_handler(None, 0)
    conn.execute(f"PRAGMA rekeyed.user_version = {version}")


def rekey_store(
    store: EncryptedDatabase,
    passphrase_form: bytes | bytearray,
    *,
    recovery_code: str | None = None,
    new_recovery_code: bool = False,
    progress: Progress | None = None,
) -> str | None:
    """Rekey the open ``store``: its passphrase slot wrapped from ``passphrase_form`` (the
    form used exactly as given), its recovery slot sealed for the same code, for
    ``recovery_code`` when given (the advisor just typed it), or for a new code with
    ``new_recovery_code`` (or when the old slot cannot be re-sealed without its code).
    Returns the new recovery code to show once, or None when it did not change.

    Crash-safe at every point (see the module text). Slow: a copy of the database and two
    Argon2id runs; call it from a worker."""
    kind, folder = store.kind, store.folder
    with store._mutex:
        conn = store._connection()
        old_slots = store._slots
        store_id = old_slots.vault_id
        params = store._policy.params()
        new_key = bytearray(secrets.token_bytes(KEY_BYTES))
        issued: str | None = None
        try:
            old_recovery = old_slots.slot("recovery")
            if new_recovery_code or (recovery_code is None and not old_recovery.sealed):
                issued = generate_recovery_code()
                recovery_slot = sealed_slot(
                    new_key, issued.encode("ascii"), "recovery", store_id, params
                )
            elif recovery_code is not None:
                recovery_slot = sealed_slot(
                    new_key, recovery_code.encode("ascii"), "recovery", store_id, params
                )
            else:
                recovery_slot = seal_key(new_key, old_recovery, store_id)
            slots = SlotFile(
                store_id,
                (
                    wrap_key(new_key, passphrase_form, "passphrase", store_id, params),
                    recovery_slot,
                ),
            )
            _stage(store, conn, new_key, slots, progress)
        except BaseException:
            wipe(new_key)
            shutil.rmtree(switch.staging_folder(kind, folder), ignore_errors=True)
            raise
        # The switch: the old connection is closed first (its WAL folded into the old file,
        # which is superseded), then both files move in under one commit marker.
        with contextlib.suppress(sqlcipher3.Error):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        store._conn = None
        try:
            switch.commit(
                kind,
                folder,
                (kind.files.db, kind.files.keys),
                drop=(kind.files.db + "-wal", kind.files.db + "-shm"),
            )
        except (OSError, StorageError) as exc:
            # Committed and then finished here after all: the change happened.
            if not _recover(store, new_key, slots):
                if isinstance(exc, OSError):
                    raise storage_error(exc, _("the new passphrase")) from None
                raise
        else:
            _reopen(store, new_key, slots)
    if progress is not None:
        progress(1.0)
    log.info("%s_rekeyed recovery_code_changed=%s", kind.event, issued is not None)
    return issued


def _stage(
    store: EncryptedDatabase,
    conn: Connection,
    new_key: bytearray,
    slots: SlotFile,
    progress: Progress | None,
) -> None:
    """The rekeyed copy and its key file in the staging folder, checked to open."""
    kind = store.kind
    what = _("the new passphrase")
    try:
        stage = switch.prepare(kind, store.folder)
        target = stage / kind.files.db
        export_copy(conn, target, new_key, progress)
        keys = stage / kind.files.keys
        fd = os.open(keys, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key_file_bytes(kind, slots))
    except OSError as exc:
        raise storage_error(exc, what) from None
    except sqlcipher3.OperationalError as exc:
        # Writing the new file failed (the vault itself is only read): SQLite reports a full
        # disk as "full" and a file-size limit as an I/O error on write.
        raise storage_error(OSError(errno.ENOSPC, str(exc)), what) from None
    except sqlcipher3.DatabaseError:
        raise kind.corrupt(kind.wording.damaged) from None
    # The copy opens under the new key and holds the same rows as the original.
    check = connect(kind, target, new_key)
    try:
        with translate_db_errors(kind):
            for (table,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
                "'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%'"
            ).fetchall():
                quoted = '"' + str(table).replace('"', '""') + '"'
                count = f"SELECT count(*) FROM {quoted}"  # noqa: S608 - a name from the schema
                if conn.execute(count).fetchone() != check.execute(count).fetchone():
                    raise kind.corrupt(kind.wording.damaged)
    finally:
        check.close()
    try:
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
    except OSError as exc:
        raise storage_error(exc, what) from None


def _reopen(store: EncryptedDatabase, new_key: bytearray, slots: SlotFile) -> None:
    kind = store.kind
    try:
        conn = connect(kind, store.folder / kind.files.db, new_key)
    except BaseException:
        wipe(new_key)
        _close_half(store)
        raise
    wipe(store._key)
    store._key = new_key
    store._slots = slots
    store._conn = conn


def _recover(store: EncryptedDatabase, new_key: bytearray, slots: SlotFile) -> bool:
    """The switch failed (a full disk, say): finish it when it was committed, else roll back;
    reopen whichever files are now in place. True when the new ones are (the change
    happened). The store is left closed when nothing can be reopened: the next open finishes
    or rolls back."""
    kind, folder = store.kind, store.folder
    try:
        switch.complete_pending(kind, folder)
        current = (folder / kind.files.keys).read_bytes()
    except OSError:
        _close_half(store)
        wipe(new_key)
        return False
    if current == key_file_bytes(kind, slots):
        _reopen(store, new_key, slots)
        return True
    wipe(new_key)
    assert store._key is not None
    old_key = bytearray(store._key)
    try:
        store._conn = connect(kind, folder / kind.files.db, old_key)
    except BaseException:
        wipe(old_key)
        _close_half(store)
        raise
    wipe(old_key)
    return False


def _close_half(store: EncryptedDatabase) -> None:
    """Leave the store closed (its key wiped, the lock released)."""
    store._conn = None
    store.close()
