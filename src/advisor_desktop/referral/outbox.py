"""The outbox in the vault: sealed packages on their way to the desk, and what became of each.

States (docs/sync.md)::

    queued ──► sending ──► delivered      (a verified receipt is stored)
      ▲  │        │
      │  │        └──────► failed ──► sending …   (reason and next attempt shown; retryable)
      │  └───────────────► withdrawn      (before delivery: the package is wiped)
      └── sending found at start, and the server has no receipt for it

Sealing freezes a package's bytes and its id (the idempotency key of the delivery); nothing
here changes them afterwards, whatever happens: every transition only changes the bookkeeping
around them, and the bytes are wiped (never altered) on withdrawal. Each transition is one
vault transaction and one row of ``outbox_history``, with its time and its reason.

``delivered`` is set only by :meth:`Outbox.record_delivered`, only with a receipt the caller
verified (:func:`check_intake_receipt`, :func:`check_desk_receipt`); the table refuses a
delivered row without a receipt. An HTTP success without a valid receipt is not delivery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from advisor_desktop.platform.clock import Clock, utc_now
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import EXIT_SIGNATURE, ReferralError
from advisor_desktop.protocol.intake_api import IntakeFormatError, verify_intake_receipt
from advisor_desktop.protocol.receipt import (
    IntakeReceipt,
    Receipt,
    ReceiptError,
    verify_receipt,
)
from advisor_desktop.storage.store import Vault

log = logging.getLogger(__name__)

MAX_REASON_CHARS = 500


class OutboxState(StrEnum):
    """Where an outbox item is (the values are what the vault stores)."""

    QUEUED = "queued"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


UNDELIVERED_STATES = (OutboxState.QUEUED, OutboxState.SENDING, OutboxState.FAILED)


class ReceiptSource(StrEnum):
    """How the receipt came: from the intake server, or as a file from the desk."""

    NETWORK = "network"
    FILE = "file"


class OutboxError(ReferralError):
    """An outbox operation was refused (exit 1)."""


class OutboxItemNotFound(OutboxError):
    """No outbox item has this referral id."""


class ReceiptMismatch(OutboxError):
    """A receipt is not proof of this delivery: forged, signed by a key that is not trusted,
    for another referral or for other bytes (exit 7). The item stays undelivered."""

    exit_code = EXIT_SIGNATURE


@dataclass(frozen=True)
class OutboxItem:
    """One sealed package in the outbox and its delivery bookkeeping."""

    referral_id: str
    desk: str
    state: OutboxState
    package_sha256: str
    size: int
    queued_at: str
    updated_at: str
    attempts: int
    next_attempt_at: str | None
    last_reason: str | None
    exported_at: str | None
    delivered_at: str | None
    receipt_source: ReceiptSource | None
    received_at: str | None

    @property
    def delivered(self) -> bool:
        """True only when the desk's verified receipt is stored (the table enforces it)."""
        return self.state is OutboxState.DELIVERED and self.receipt_source is not None

    @property
    def retryable(self) -> bool:
        """Still on its way: queued, being sent, or failed (tried again later)."""
        return self.state in UNDELIVERED_STATES

    @property
    def waiting_for_receipt(self) -> bool:
        """Written to a file and not delivered yet: the desk's receipt is awaited."""
        return self.exported_at is not None and self.retryable


@dataclass(frozen=True)
class Transition:
    """One recorded change of an item's state."""

    referral_id: str
    from_state: OutboxState | None
    to_state: OutboxState
    at: str
    reason: str | None


@dataclass(frozen=True)
class StoredReceipt:
    """A verified receipt as the vault keeps it (with the intake certificate it was checked
    with, for a receipt of the intake server)."""

    referral_id: str
    source: ReceiptSource
    document: bytes
    certificate: bytes | None
    received_at: str


@dataclass(frozen=True)
class PendingWithdrawal:
    """A signed withdrawal the desk's server has not acknowledged yet."""

    referral_id: str
    desk: str
    document: bytes
    withdrawn_at: str


def stamp(when: dt.datetime) -> str:
    """The vault's form of a time: UTC, to the second, ISO 8601."""
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def short_reason(reason: str) -> str:
    """A reason as kept and shown: one line, bounded."""
    flat = " ".join(reason.split())
    return flat[: MAX_REASON_CHARS - 1] + "…" if len(flat) > MAX_REASON_CHARS else flat


# --- receipt checks -------------------------------------------------------------------------


def check_intake_receipt(
    document: bytes,
    certificate: bytes,
    *,
    referral_id: str,
    package_sha256: str,
    trusted: Mapping[str, bytes],
) -> IntakeReceipt:
    """An intake server's receipt, checked the whole way: its certificate verifies with a
    trusted desk key (``trusted``: key id → 32 raw bytes, the profile's desk), it is signed by
    the certified key within the certificate's validity, and it names ``referral_id`` and the
    SHA-256 of the exact bytes sent. Anything else raises :class:`ReceiptMismatch`."""
    try:
        receipt = verify_intake_receipt(document, certificate, trusted)
    except (ReceiptError, IntakeFormatError) as exc:
        raise ReceiptMismatch(
            _("The receipt does not verify: {reason}").format(reason=exc.message)
        ) from None
    _check_names(receipt.referral_id, receipt.package_sha256, referral_id, package_sha256)
    return receipt


def check_desk_receipt(document: bytes, *, trusted: Mapping[str, bytes]) -> Receipt:
    """A receipt file from the desk (``advisor-desk import``), its signature checked against a
    trusted desk key; which item it is for is the caller's check (:meth:`Outbox.get`)."""
    try:
        return verify_receipt(document, trusted)
    except ReceiptError as exc:
        raise ReceiptMismatch(
            _("The receipt does not verify: {reason}").format(reason=exc.message)
        ) from None


def _check_names(got_id: str, got_sha: str, referral_id: str, package_sha256: str) -> None:
    if got_id != referral_id:
        raise ReceiptMismatch(
            _("The receipt is for another referral ({other}), not this one.").format(
                other=got_id[:40]
            )
        )
    if got_sha != package_sha256:
        raise ReceiptMismatch(
            _("The receipt names other bytes than the package sent (SHA-256 differs).")
        )


def check_receipt_matches(receipt: Receipt | IntakeReceipt, item: OutboxItem) -> None:
    """Raise :class:`ReceiptMismatch` unless ``receipt`` names ``item``'s id and exact bytes."""
    _check_names(receipt.referral_id, receipt.package_sha256, item.referral_id, item.package_sha256)


# --- the store --------------------------------------------------------------------------------

_ITEM_COLUMNS = (
    "o.referral_id, r.desk, o.state, o.package_sha256, o.size, o.queued_at, o.updated_at, "
    "o.attempts, o.next_attempt_at, o.last_reason, o.exported_at, o.delivered_at, "
    "o.receipt_source, o.received_at"
)
_ITEM_FROM = "FROM outbox_items o JOIN referrals r ON r.id = o.referral_id"


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        referral_id=str(row[0]),
        desk=str(row[1]),
        state=OutboxState(row[2]),
        package_sha256=str(row[3]),
        size=int(row[4]),
        queued_at=str(row[5]),
        updated_at=str(row[6]),
        attempts=int(row[7]),
        next_attempt_at=None if row[8] is None else str(row[8]),
        last_reason=None if row[9] is None else str(row[9]),
        exported_at=None if row[10] is None else str(row[10]),
        delivered_at=None if row[11] is None else str(row[11]),
        receipt_source=None if row[12] is None else ReceiptSource(row[12]),
        received_at=None if row[13] is None else str(row[13]),
    )


def enqueue(conn: Any, referral_id: str, package: bytes, at: str) -> None:
    """Put a freshly sealed package in the outbox, inside the caller's transaction (the
    referral service's seal). A second seal of the same id is refused: the bytes are frozen."""
    found = conn.execute(
        "SELECT 1 FROM outbox_items WHERE referral_id = ?", (referral_id,)
    ).fetchone()
    if found is not None:
        raise OutboxError(_("This referral is already sealed; its package cannot change."))
    conn.execute(
        "INSERT INTO outbox_items (referral_id, package, package_sha256, size, state, "
        "queued_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
        (referral_id, package, hashlib.sha256(package).hexdigest(), len(package), at, at),
    )
    _history(conn, referral_id, None, OutboxState.QUEUED, at, None)


def _state_in(conn: Any, referral_id: str) -> OutboxState | None:
    """The item's state inside the caller's transaction (None: no such item)."""
    row = conn.execute(
        "SELECT state FROM outbox_items WHERE referral_id = ?", (referral_id,)
    ).fetchone()
    return None if row is None else OutboxState(row[0])


def _not_found(referral_id: str) -> OutboxItemNotFound:
    return OutboxItemNotFound(
        _("The outbox has no referral with the id {id}.").format(id=str(referral_id)[:40])
    )


def _existing_state_in(conn: Any, referral_id: str) -> OutboxState:
    """As :func:`_state_in`, refused with :class:`OutboxItemNotFound` when there is none."""
    state = _state_in(conn, referral_id)
    if state is None:
        raise _not_found(referral_id)
    return state


def withdraw_in(conn: Any, referral_id: str, at: str) -> OutboxState | None:
    """Withdraw an item inside the caller's transaction (the referral service's withdrawal):
    the package bytes are wiped, the state is ``withdrawn``; a receipt stays as proof. Returns
    the state it had (None: no item)."""
    before = _state_in(conn, referral_id)
    if before is None or before is OutboxState.WITHDRAWN:
        return before
    conn.execute(
        "UPDATE outbox_items SET state = 'withdrawn', package = NULL, next_attempt_at = NULL, "
        "updated_at = ? WHERE referral_id = ?",
        (at, referral_id),
    )
    _history(conn, referral_id, before, OutboxState.WITHDRAWN, at, None)
    return before


def _history(
    conn: Any,
    referral_id: str,
    before: OutboxState | None,
    after: OutboxState,
    at: str,
    reason: str | None,
) -> None:
    conn.execute(
        "INSERT INTO outbox_history (referral_id, from_state, to_state, at, reason) "
        "VALUES (?, ?, ?, ?, ?)",
        (referral_id, None if before is None else before.value, after.value, at, reason),
    )


class Outbox:
    """Reads the outbox and moves its items from state to state, one transaction each."""

    def __init__(self, vault: Vault, clock: Clock = utc_now) -> None:
        self._vault = vault
        self._clock = clock

    # -- reading -----------------------------------------------------------------------------

    def items(self, states: Iterable[OutboxState] | None = None) -> list[OutboxItem]:
        """Every item (or those in ``states``), oldest first."""
        sql = f"SELECT {_ITEM_COLUMNS} {_ITEM_FROM}"
        args: tuple[str, ...] = ()
        if states is not None:
            wanted = tuple(OutboxState(s).value for s in states)
            if not wanted:
                return []
            sql += f" WHERE o.state IN ({', '.join('?' * len(wanted))})"
            args = wanted
        with self._vault.read() as conn:
            rows = conn.execute(sql + " ORDER BY o.queued_at, o.referral_id", args).fetchall()
        return [_item(row) for row in rows]

    def get(self, referral_id: str) -> OutboxItem:
        """One item; :class:`OutboxItemNotFound` when there is none."""
        with self._vault.read() as conn:
            row = conn.execute(
                f"SELECT {_ITEM_COLUMNS} {_ITEM_FROM} WHERE o.referral_id = ?", (referral_id,)
            ).fetchone()
        if row is None:
            raise _not_found(referral_id)
        return _item(row)

    def package(self, referral_id: str) -> bytes:
        """The sealed bytes, exactly as sealed (refused once withdrawn)."""
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT package FROM outbox_items WHERE referral_id = ?", (referral_id,)
            ).fetchone()
        if row is None:
            self.get(referral_id)  # raises OutboxItemNotFound
        if row is None or row[0] is None:
            raise OutboxError(_("The referral was withdrawn; its package was wiped."))
        return bytes(row[0])

    def history(self, referral_id: str) -> list[Transition]:
        """Every transition of an item, oldest first."""
        self.get(referral_id)
        with self._vault.read() as conn:
            rows = conn.execute(
                "SELECT referral_id, from_state, to_state, at, reason FROM outbox_history "
                "WHERE referral_id = ? ORDER BY id",
                (referral_id,),
            ).fetchall()
        return [
            Transition(
                str(r[0]),
                None if r[1] is None else OutboxState(r[1]),
                OutboxState(r[2]),
                str(r[3]),
                None if r[4] is None else str(r[4]),
            )
            for r in rows
        ]

    def receipt(self, referral_id: str) -> StoredReceipt | None:
        """The stored, verified receipt of an item (None: none yet)."""
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT receipt, receipt_source, receipt_certificate, received_at "
                "FROM outbox_items WHERE referral_id = ? AND receipt IS NOT NULL",
                (referral_id,),
            ).fetchone()
        if row is None:
            return None
        return StoredReceipt(
            referral_id,
            ReceiptSource(row[1]),
            bytes(row[0]),
            None if row[2] is None else bytes(row[2]),
            str(row[3] or ""),
        )

    def counts(self) -> dict[OutboxState, int]:
        """How many items are in each state (every state present, zero or more)."""
        with self._vault.read() as conn:
            rows = conn.execute(
                "SELECT state, count(*) FROM outbox_items GROUP BY state"
            ).fetchall()
        found = {OutboxState(r[0]): int(r[1]) for r in rows}
        return {state: found.get(state, 0) for state in OutboxState}

    def due(self, now: dt.datetime, *, force: bool = False) -> list[OutboxItem]:
        """What a sender should try now, oldest first: every ``sending`` item (a run that was
        cut short), queued items, and failed ones whose next attempt has come (all undelivered
        ones with ``force``: "Send now")."""
        items = self.items(UNDELIVERED_STATES)
        if force:
            return items
        current = stamp(now)
        return [
            item
            for item in items
            if item.state is not OutboxState.FAILED
            or item.next_attempt_at is None
            or item.next_attempt_at <= current
        ]

    def pending_withdrawals(self) -> list[PendingWithdrawal]:
        """Signed withdrawals not yet taken by the desk's server, oldest first."""
        with self._vault.read() as conn:
            rows = conn.execute(
                "SELECT w.referral_id, r.desk, w.document, w.withdrawn_at "
                "FROM referral_withdrawals w JOIN referrals r ON r.id = w.referral_id "
                "WHERE w.sent_at IS NULL ORDER BY w.withdrawn_at, w.referral_id"
            ).fetchall()
        return [PendingWithdrawal(str(r[0]), str(r[1]), bytes(r[2]), str(r[3])) for r in rows]

    # -- transitions ---------------------------------------------------------------------------

    def _move(
        self,
        referral_id: str,
        allowed: tuple[OutboxState, ...],
        after: OutboxState,
        reason: str | None,
        sets: str,
        args: tuple[Any, ...],
    ) -> OutboxItem:
        now = stamp(self._clock())
        with self._vault.write() as conn:
            before = _existing_state_in(conn, referral_id)
            if before not in allowed:
                raise OutboxError(
                    _("The referral is {state} in the outbox; this cannot be done now.").format(
                        state=before.value
                    )
                )
            conn.execute(
                f"UPDATE outbox_items SET state = ?, updated_at = ?{sets} "  # noqa: S608
                "WHERE referral_id = ?",
                (after.value, now, *args, referral_id),
            )
            _history(conn, referral_id, before, after, now, reason)
        return self.get(referral_id)

    def begin_sending(self, referral_id: str) -> OutboxItem:
        """queued | failed → sending, one more attempt counted (recorded before the request
        leaves, so a kill mid-request is found and resolved at the next start)."""
        return self._move(
            referral_id,
            (OutboxState.QUEUED, OutboxState.FAILED, OutboxState.SENDING),
            OutboxState.SENDING,
            None,
            ", attempts = attempts + 1",
            (),
        )

    def back_to_queue(self, referral_id: str, reason: str | None = None) -> OutboxItem:
        """sending → queued: the server holds no receipt for it (it never arrived)."""
        return self._move(
            referral_id,
            (OutboxState.SENDING, OutboxState.FAILED),
            OutboxState.QUEUED,
            None if reason is None else short_reason(reason),
            ", next_attempt_at = NULL",
            (),
        )

    def record_failure(
        self, referral_id: str, reason: str, next_attempt_at: dt.datetime
    ) -> OutboxItem:
        """sending (or queued) → failed, with the reason shown and when it is tried again."""
        text = short_reason(reason)
        return self._move(
            referral_id,
            (OutboxState.SENDING, OutboxState.QUEUED, OutboxState.FAILED),
            OutboxState.FAILED,
            text,
            ", last_reason = ?, next_attempt_at = ?",
            (text, stamp(next_attempt_at)),
        )

    def record_delivered(
        self,
        referral_id: str,
        document: bytes,
        source: ReceiptSource,
        received_at: str,
        certificate: bytes | None = None,
    ) -> OutboxItem:
        """→ delivered, with the receipt the caller verified (:func:`check_intake_receipt` or
        :func:`check_desk_receipt` and :func:`check_receipt_matches`). The referral is marked
        sent. A delivered item stays delivered (a second receipt is not stored)."""
        now = stamp(self._clock())
        with self._vault.write() as conn:
            before = _existing_state_in(conn, referral_id)
            if before is OutboxState.WITHDRAWN:
                raise OutboxError(_("The referral was withdrawn; its receipt is not needed."))
            if before is not OutboxState.DELIVERED:
                conn.execute(
                    "UPDATE outbox_items SET state = 'delivered', updated_at = ?, "
                    "delivered_at = ?, receipt = ?, receipt_source = ?, receipt_certificate = ?, "
                    "received_at = ?, next_attempt_at = NULL, last_reason = NULL "
                    "WHERE referral_id = ?",
                    (
                        now,
                        now,
                        document,
                        source.value,
                        certificate,
                        received_at,
                        referral_id,
                    ),
                )
                _history(conn, referral_id, before, OutboxState.DELIVERED, now, source.value)
                conn.execute(
                    "UPDATE referrals SET state = 'sent', updated_at = ? "
                    "WHERE id = ? AND state IN ('confirmed', 'exported')",
                    (now, referral_id),
                )
        if before is not OutboxState.DELIVERED:
            log.info("outbox_delivered via=%s", source.value)
        return self.get(referral_id)

    def defer(
        self, referral_ids: list[str], reason: str, next_attempt_at: dt.datetime
    ) -> list[OutboxItem]:
        """Items a run could not try (the server was down, busy or not the pinned one): each
        undelivered one becomes failed with ``reason`` and the next try, attempts unchanged,
        in one transaction. An item already failed for the same reason only gets the new time
        (no history row), so a device offline for long does not fill its history."""
        text = short_reason(reason)
        now = stamp(self._clock())
        later = stamp(next_attempt_at)
        with self._vault.write() as conn:
            for referral_id in referral_ids:
                row = conn.execute(
                    "SELECT state, last_reason FROM outbox_items WHERE referral_id = ?",
                    (referral_id,),
                ).fetchone()
                if row is None or OutboxState(row[0]) not in UNDELIVERED_STATES:
                    continue
                before = OutboxState(row[0])
                conn.execute(
                    "UPDATE outbox_items SET state = 'failed', last_reason = ?, "
                    "next_attempt_at = ?, updated_at = ? WHERE referral_id = ?",
                    (text, later, now, referral_id),
                )
                if before is not OutboxState.FAILED or row[1] != text:
                    _history(conn, referral_id, before, OutboxState.FAILED, now, text)
        wanted = set(referral_ids)
        return [i for i in self.items(UNDELIVERED_STATES) if i.referral_id in wanted]

    def note_reason(self, referral_id: str, reason: str) -> OutboxItem:
        """Keep ``reason`` as the item's last reason without changing its state (a receipt
        file that did not match)."""
        text = short_reason(reason)
        now = stamp(self._clock())
        with self._vault.write() as conn:
            conn.execute(
                "UPDATE outbox_items SET last_reason = ?, updated_at = ? "
                "WHERE referral_id = ? AND state IN ('queued', 'sending', 'failed')",
                (text, now, referral_id),
            )
        return self.get(referral_id)

    def mark_exported(self, referral_id: str) -> OutboxItem:
        """The package was written to a file: the item waits for a receipt (and stays
        retryable by network). The bytes are those sealed; nothing else changes."""
        item = self.get(referral_id)
        if not item.retryable:
            raise OutboxError(
                _("Only a referral not yet delivered can be exported (it is {state}).").format(
                    state=item.state.value
                )
            )
        now = stamp(self._clock())
        with self._vault.write() as conn:
            conn.execute(
                "UPDATE outbox_items SET exported_at = ?, updated_at = ? WHERE referral_id = ?",
                (now, now, referral_id),
            )
            _history(conn, referral_id, item.state, item.state, now, "exported")
        return self.get(referral_id)

    def mark_withdrawal_sent(self, referral_id: str, at: dt.datetime) -> None:
        """The desk's server acknowledged the withdrawal."""
        with self._vault.write() as conn:
            conn.execute(
                "UPDATE referral_withdrawals SET sent_at = ? WHERE referral_id = ? "
                "AND sent_at IS NULL",
                (stamp(at), referral_id),
            )

    # -- status cursor -----------------------------------------------------------------------

    def status_cursor(self, desk_key_id: str) -> int:
        """The ``since`` of the next ``GET /v1/status`` for a desk (0: from the start)."""
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT value FROM meta WHERE key = ?", (f"outbox.status_since.{desk_key_id}",)
            ).fetchone()
        try:
            return max(0, int(row[0])) if row is not None else 0
        except ValueError:
            return 0

    def set_status_cursor(self, desk_key_id: str, since: int) -> None:
        """Remember where the status listing of a desk was read up to."""
        with self._vault.write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (f"outbox.status_since.{desk_key_id}", str(int(since))),
            )


__all__ = [
    "UNDELIVERED_STATES",
    "Outbox",
    "OutboxError",
    "OutboxItem",
    "OutboxItemNotFound",
    "OutboxState",
    "PendingWithdrawal",
    "ReceiptMismatch",
    "ReceiptSource",
    "StoredReceipt",
    "Transition",
    "check_desk_receipt",
    "check_intake_receipt",
    "check_receipt_matches",
    "enqueue",
    "stamp",
    "withdraw_in",
]
