"""The intake server's store: what arrived, durably, until the workstation has taken it.

One small interface (:class:`IntakeStore`) and its SQLite implementation. The store holds
ciphertext and metadata only — package bytes (age files the server cannot open), receipts,
withdrawals (signed, not secret), opaque status blobs, nonces — so it is plain SQLite, not
SQLCipher: the server must start unattended, and a key beside the database would protect
nothing.

Durability: WAL with ``synchronous = FULL`` by default: a commit is on disk (the WAL fsynced)
before the server answers. Writes go through one writer thread that commits whatever is queued
in one transaction (group commit: one fsync for many requests), each request in a savepoint of
its own, so one refused write never undoes another's. Reads use a connection per thread.

An organisation running several servers behind a balancer implements :class:`IntakeStore` on
PostgreSQL (docs/desk.md says what that takes); nothing else of the server changes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from advisor_desktop.platform.errors import StorageError
from advisor_desktop.platform.fsutil import open_private
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.intake_api import (
    Inbox,
    InboxPackage,
    InboxWithdrawal,
    StatusMessage,
    StatusUpload,
)

log = logging.getLogger(__name__)

DB_FILE = "intake.db"
SCHEMA_VERSION = 1
_BATCH = 256
T = TypeVar("T")

PutOutcome = Literal["stored", "same", "conflict"]


@dataclass(frozen=True)
class NewPackage:
    """A package to store, with the receipt already signed for it."""

    referral_id: str
    device_key_id: str
    sha256: str
    data: bytes
    receipt: bytes
    received_at: str


@dataclass(frozen=True)
class PutPackage:
    """What storing a package did: ``stored`` (new), ``same`` (these bytes from this device
    were stored before: the receipt is the earlier one) or ``conflict`` (the id is taken by other
    bytes or another device; nothing was stored)."""

    outcome: PutOutcome
    receipt: bytes | None


@dataclass(frozen=True)
class PutWithdrawal:
    """What storing a withdrawal did (``conflict``: the referral came from another device)."""

    outcome: PutOutcome
    received_at: str | None


@dataclass(frozen=True)
class PutStatus:
    """What storing a status message did (``conflict``: its id holds another message)."""

    outcome: PutOutcome
    seq: int | None


@dataclass(frozen=True)
class Purged:
    """What a purge removed."""

    packages: int
    withdrawals: int
    status_messages: int
    nonces: int


class IntakeStore(Protocol):
    """What the intake server needs of its store. Every method is safe to call from many
    threads; a method that changes something returns only once the change is durable."""

    def put_package(self, item: NewPackage) -> PutPackage:
        """Store a package under its referral id (see :class:`PutPackage`)."""
        ...

    def receipt(self, referral_id: str, device_key_id: str) -> bytes | None:
        """The receipt of a package the device ``device_key_id`` delivered, if any."""
        ...

    def inbox(self, limit: int) -> Inbox:
        """Packages and withdrawals not acknowledged yet, oldest first."""
        ...

    def package(self, referral_id: str) -> bytes | None:
        """A package's bytes (None: unknown, or deleted after its acknowledgement)."""
        ...

    def ack(self, kind: Literal["package", "withdrawal"], referral_id: str, now: str) -> bool:
        """Mark a package or withdrawal as taken by the workstation (False: unknown)."""
        ...

    def put_withdrawal(
        self, referral_id: str, device_key_id: str, document: bytes, now: str
    ) -> PutWithdrawal:
        """Store a withdrawal (once per referral)."""
        ...

    def put_status(self, upload: StatusUpload, now: str) -> PutStatus:
        """Store a status message for a device (once per message id)."""
        ...

    def statuses(self, device_key_id: str, since: int, limit: int) -> list[StatusMessage]:
        """A device's status messages after ``since``, in order."""
        ...

    def claim_nonce(self, key_id: str, nonce: str, now: int) -> bool:
        """Record that ``key_id`` used ``nonce``; False when it had used it before."""
        ...

    def purge(self, *, acked_before: str, status_before: str, nonces_before: int) -> Purged:
        """Delete the ciphertext of what was acknowledged before ``acked_before``, status
        messages stored before ``status_before`` and nonces older than ``nonces_before``."""
        ...

    def meta(self, key: str) -> str | None:
        """A value of the store's own bookkeeping (e.g. the highest enrolment serial)."""
        ...

    def set_meta(self, key: str, value: str) -> None:
        """Set a bookkeeping value."""
        ...

    def close(self) -> None:
        """Finish pending writes and close."""
        ...


_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # seq: the order of arrival; data is NULL once deleted after the acknowledgement (the row
    # stays, so a repeat still gets its receipt and a conflicting one is still refused).
    "CREATE TABLE packages (seq INTEGER PRIMARY KEY, referral_id TEXT NOT NULL UNIQUE, "
    "device_key_id TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, data BLOB, "
    "receipt BLOB NOT NULL, received_at TEXT NOT NULL, acked_at TEXT)",
    "CREATE INDEX packages_waiting ON packages (seq) WHERE acked_at IS NULL",
    "CREATE TABLE withdrawals (seq INTEGER PRIMARY KEY, referral_id TEXT NOT NULL UNIQUE, "
    "device_key_id TEXT NOT NULL, document BLOB, received_at TEXT NOT NULL, acked_at TEXT)",
    "CREATE INDEX withdrawals_waiting ON withdrawals (seq) WHERE acked_at IS NULL",
    # AUTOINCREMENT: a device's cursor (since=seq) never meets a reused number after a purge.
    "CREATE TABLE status_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "message_id TEXT NOT NULL UNIQUE, device_key_id TEXT NOT NULL, referral_id TEXT NOT NULL, "
    "blob BLOB NOT NULL, stored_at TEXT NOT NULL)",
    "CREATE INDEX status_by_device ON status_messages (device_key_id, seq)",
    "CREATE TABLE nonces (key_id TEXT NOT NULL, nonce TEXT NOT NULL, seen_at INTEGER NOT NULL, "
    "PRIMARY KEY (key_id, nonce)) WITHOUT ROWID",
    "CREATE INDEX nonces_by_time ON nonces (seen_at)",
)


def _connect(path: Path, synchronous: str) -> sqlite3.Connection:
    # Each connection is used by one thread at a time; close() may come from another.
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=10.0, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 10000")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        conn.close()
        raise StorageError(_("The intake store cannot use write-ahead logging here."))
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class _Writer:
    """One thread that runs queued write jobs, many to a transaction, each in a savepoint."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._jobs: queue.SimpleQueue[
            tuple[Callable[[sqlite3.Connection], object], Future[object]] | None
        ] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[sqlite3.Connection], T]) -> T:
        future: Future[Any] = Future()
        self._jobs.put((job, future))
        result: T = future.result()
        return result

    def stop(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._jobs.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < _BATCH:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._commit(batch)
        self._conn.close()

    def _commit(
        self, batch: list[tuple[Callable[[sqlite3.Connection], object], Future[object]]]
    ) -> None:
        conn = self._conn
        done: list[tuple[Future[object], object, BaseException | None]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job, future in batch:
                conn.execute("SAVEPOINT job")
                try:
                    result = job(conn)
                except Exception as exc:  # one request's refusal never undoes another's write
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    done.append((future, None, exc))
                    continue
                conn.execute("RELEASE job")
                done.append((future, result, None))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            log.error("intake_store_commit_failed kind=%s", type(exc).__name__)
            failure = StorageError(_("The intake store could not save the change."))
            for _job, future in batch:
                future.set_exception(failure)
            return
        for future, result, error in done:
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)


class SqliteIntakeStore:
    """:class:`IntakeStore` on one SQLite file (``intake.db`` in the server folder)."""

    def __init__(self, folder: Path, *, synchronous: str = "FULL") -> None:
        if synchronous not in {"FULL", "EXTRA"}:
            raise ValueError("synchronous must be FULL or EXTRA")
        self.path = folder / DB_FILE
        self._synchronous = synchronous
        try:
            # Owner-only before SQLite opens it: its -wal and -shm files take its mode.
            os.close(open_private(self.path, os.O_WRONLY | os.O_CREAT))
            conn = _connect(self.path, synchronous)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(
                _("The intake store {path} cannot be opened: {reason}").format(
                    path=self.path, reason=str(exc)
                )
            ) from None
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)
        self._migrate(conn)
        self._writer = _Writer(conn)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        found = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if found > SCHEMA_VERSION:
            conn.close()
            raise StorageError(_("The intake store was made by a newer version."))
        if found == 0:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path, self._synchronous)
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _read(self, sql: str, args: tuple[object, ...] = ()) -> list[Any]:
        try:
            return list(self._reader().execute(sql, args).fetchall())
        except sqlite3.Error:
            raise StorageError(_("The intake store cannot be read.")) from None

    # --- packages ---------------------------------------------------------------------------

    def put_package(self, item: NewPackage) -> PutPackage:
        def job(conn: sqlite3.Connection) -> PutPackage:
            row = conn.execute(
                "SELECT sha256, device_key_id, receipt FROM packages WHERE referral_id = ?",
                (item.referral_id,),
            ).fetchone()
            if row is not None:
                if row[0] == item.sha256 and row[1] == item.device_key_id:
                    return PutPackage("same", bytes(row[2]))
                return PutPackage("conflict", None)
            conn.execute(
                "INSERT INTO packages (referral_id, device_key_id, sha256, size, data, receipt, "
                "received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    item.referral_id,
                    item.device_key_id,
                    item.sha256,
                    len(item.data),
                    item.data,
                    item.receipt,
                    item.received_at,
                ),
            )
            return PutPackage("stored", item.receipt)

        return self._writer.submit(job)

    def receipt(self, referral_id: str, device_key_id: str) -> bytes | None:
        rows = self._read(
            "SELECT receipt FROM packages WHERE referral_id = ? AND device_key_id = ?",
            (referral_id, device_key_id),
        )
        return bytes(rows[0][0]) if rows else None

    def inbox(self, limit: int) -> Inbox:
        packages = self._read(
            "SELECT referral_id, size, sha256, received_at FROM packages "
            "WHERE acked_at IS NULL ORDER BY seq LIMIT ?",
            (limit + 1,),
        )
        withdrawals = self._read(
            "SELECT referral_id, received_at, document FROM withdrawals "
            "WHERE acked_at IS NULL ORDER BY seq LIMIT ?",
            (limit + 1,),
        )
        return Inbox(
            tuple(
                InboxPackage(str(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in packages[:limit]
            ),
            tuple(InboxWithdrawal(str(r[0]), str(r[1]), bytes(r[2])) for r in withdrawals[:limit]),
            len(packages) > limit or len(withdrawals) > limit,
        )

    def package(self, referral_id: str) -> bytes | None:
        rows = self._read("SELECT data FROM packages WHERE referral_id = ?", (referral_id,))
        if not rows or rows[0][0] is None:
            return None
        return bytes(rows[0][0])

    def ack(self, kind: Literal["package", "withdrawal"], referral_id: str, now: str) -> bool:
        table = "packages" if kind == "package" else "withdrawals"

        def job(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                f"UPDATE {table} SET acked_at = coalesce(acked_at, ?) "  # noqa: S608
                "WHERE referral_id = ?",
                (now, referral_id),
            )
            return bool(cursor.rowcount)

        return self._writer.submit(job)

    # --- withdrawals and status messages ----------------------------------------------------

    def put_withdrawal(
        self, referral_id: str, device_key_id: str, document: bytes, now: str
    ) -> PutWithdrawal:
        def job(conn: sqlite3.Connection) -> PutWithdrawal:
            sender = conn.execute(
                "SELECT device_key_id FROM packages WHERE referral_id = ?", (referral_id,)
            ).fetchone()
            if sender is not None and sender[0] != device_key_id:
                return PutWithdrawal("conflict", None)
            row = conn.execute(
                "SELECT device_key_id, received_at FROM withdrawals WHERE referral_id = ?",
                (referral_id,),
            ).fetchone()
            if row is not None:
                if row[0] != device_key_id:
                    return PutWithdrawal("conflict", None)
                return PutWithdrawal("same", str(row[1]))
            conn.execute(
                "INSERT INTO withdrawals (referral_id, device_key_id, document, received_at) "
                "VALUES (?, ?, ?, ?)",
                (referral_id, device_key_id, document, now),
            )
            return PutWithdrawal("stored", now)

        return self._writer.submit(job)

    def put_status(self, upload: StatusUpload, now: str) -> PutStatus:
        def job(conn: sqlite3.Connection) -> PutStatus:
            row = conn.execute(
                "SELECT seq, device_key_id, referral_id, blob FROM status_messages "
                "WHERE message_id = ?",
                (upload.message_id,),
            ).fetchone()
            if row is not None:
                same = (row[1], row[2], bytes(row[3])) == (
                    upload.device_key_id,
                    upload.referral_id,
                    upload.blob,
                )
                return PutStatus("same", int(row[0])) if same else PutStatus("conflict", None)
            cursor = conn.execute(
                "INSERT INTO status_messages (message_id, device_key_id, referral_id, blob, "
                "stored_at) VALUES (?, ?, ?, ?, ?)",
                (upload.message_id, upload.device_key_id, upload.referral_id, upload.blob, now),
            )
            return PutStatus("stored", int(cursor.lastrowid or 0))

        return self._writer.submit(job)

    def statuses(self, device_key_id: str, since: int, limit: int) -> list[StatusMessage]:
        rows = self._read(
            "SELECT seq, message_id, referral_id, stored_at, blob FROM status_messages "
            "WHERE device_key_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (device_key_id, since, limit),
        )
        return [
            StatusMessage(int(r[0]), str(r[1]), str(r[2]), str(r[3]), bytes(r[4])) for r in rows
        ]

    # --- bookkeeping ------------------------------------------------------------------------

    def claim_nonce(self, key_id: str, nonce: str, now: int) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO nonces (key_id, nonce, seen_at) VALUES (?, ?, ?)",
                (key_id, nonce, now),
            )
            return cursor.rowcount == 1

        return self._writer.submit(job)

    def purge(self, *, acked_before: str, status_before: str, nonces_before: int) -> Purged:
        def job(conn: sqlite3.Connection) -> Purged:
            packages = conn.execute(
                "UPDATE packages SET data = NULL WHERE data IS NOT NULL AND acked_at < ?",
                (acked_before,),
            ).rowcount
            withdrawals = conn.execute(
                "UPDATE withdrawals SET document = NULL "
                "WHERE document IS NOT NULL AND acked_at < ?",
                (acked_before,),
            ).rowcount
            statuses = conn.execute(
                "DELETE FROM status_messages WHERE stored_at < ?", (status_before,)
            ).rowcount
            nonces = conn.execute("DELETE FROM nonces WHERE seen_at < ?", (nonces_before,)).rowcount
            return Purged(packages, withdrawals, statuses, nonces)

        return self._writer.submit(job)

    def meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        def job(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

        self._writer.submit(job)

    def close(self) -> None:
        self._writer.stop()
        with self._readers_lock:
            for conn in self._readers:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._readers.clear()
