"""Status messages waiting for the intake server: ``advisor-desk push`` hands each to it once.

A message is the status message format's blob (signed by the desk, encrypted for the advisor's
device: ``protocol/status_message.py``), queued here with the device and the referral it is
for; the store and the push treat it as opaque bytes. Each has a random id, which is also its
``Idempotency-Key`` at the server, so a push that lost its answer can send it again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from advisor_desktop.desk.store import DeskStore


@dataclass(frozen=True)
class QueuedStatus:
    """A status message waiting in (or pushed from) the desk store."""

    message_id: str
    device_key_id: str
    referral_id: str
    blob: bytes
    queued_at: str


def queue_status(
    store: DeskStore, device_key_id: str, referral_id: str, blob: bytes, now: str
) -> QueuedStatus:
    """Queue ``blob`` for the device ``device_key_id``; returns it with its new id."""
    queued = QueuedStatus(str(uuid.uuid4()), device_key_id, referral_id, bytes(blob), now)
    with store.write() as conn:
        conn.execute(
            "INSERT INTO status_outbox (id, device_key_id, referral_id, blob, queued_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (queued.message_id, device_key_id, referral_id, queued.blob, now),
        )
    return queued


def waiting(store: DeskStore) -> list[QueuedStatus]:
    """The messages not pushed yet, oldest first."""
    with store.read() as conn:
        rows = conn.execute(
            "SELECT id, device_key_id, referral_id, blob, queued_at FROM status_outbox "
            "WHERE pushed_at IS NULL ORDER BY queued_at, rowid"
        ).fetchall()
    return [QueuedStatus(str(r[0]), str(r[1]), str(r[2]), bytes(r[3]), str(r[4])) for r in rows]


def mark_pushed(store: DeskStore, message_id: str, now: str) -> None:
    """Record that the server holds ``message_id``."""
    with store.write() as conn:
        conn.execute(
            "UPDATE status_outbox SET pushed_at = ? WHERE id = ? AND pushed_at IS NULL",
            (now, message_id),
        )
