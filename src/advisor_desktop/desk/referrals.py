"""The referrals in the desk store: the list, one referral with its history, status changes,
and the erasure of a referral its advisor withdrew.

A stored payload is validated again when it is read: the store is encrypted and authenticated,
but nothing read from disk is trusted blindly.

**Withdrawn referrals.** When the store holds a withdrawal (``desk/withdrawals.py``, from
``import`` or ``pull``) of a referral it holds, :func:`erase_withdrawn` erases what the
referral said: its payload, its package's bytes, the desk's messages in its history and the
status messages not yet handed on. What stays is that it was received (id, digest, signer,
times) and withdrawn, with a last step ``closed`` (``withdrawn-by-reporter``). The seen id
stays too, so the package is refused as a replay if it comes again.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from advisor_desktop.desk.errors import ReferralUnknown, StatusError
from advisor_desktop.desk.store import DeskStore
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.referral_package import ReferralContent, validate_payload
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState

log = logging.getLogger(__name__)

MIN_PREFIX = 8
_ID_PREFIX = re.compile(r"^[0-9a-f-]{8,36}$")

_SUMMARY_SQL = """
SELECT r.id, p.received_at, d.name, r.signer_key_id, p.source, r.payload,
       (SELECT state FROM status_history s WHERE s.referral_id = r.id ORDER BY s.id DESC LIMIT 1),
       (SELECT w.withdrawn_at FROM withdrawals w WHERE w.referral_id = r.id)
FROM referrals r
JOIN packages p ON p.id = r.package_id
JOIN devices d ON d.id = r.device_id
"""


@dataclass(frozen=True)
class ReferralSummary:
    """One line of ``advisor-desk list``."""

    referral_id: str
    received_at: str
    signer_name: str
    signer_key_id: str
    source: str
    requested_action: str
    """The payload's requested action ('' once a withdrawal erased the payload)."""
    state: ReferralState
    withdrawn_at: str | None = None
    """When the advisor withdrew it (the device's time), if it did."""

    @property
    def erased(self) -> bool:
        """True once the referral's content was erased after its withdrawal."""
        return not self.requested_action


@dataclass(frozen=True)
class StatusEntry:
    """One step of a referral's status history."""

    state: ReferralState
    outcome: Outcome | None
    message: str | None
    set_at: str
    sequence: int = 0
    """Its place in the referral's history, from 1 (what status messages number it by)."""


@dataclass(frozen=True)
class ReferralRecord:
    """One referral as the store holds it."""

    summary: ReferralSummary
    content: ReferralContent
    package_sha256: str
    opened_at: str
    file_name: str | None
    history: tuple[StatusEntry, ...]


ERASED = ""
"""The payload of a referral whose content was erased after its withdrawal."""


def _payload(text: Any) -> ReferralContent:
    return validate_payload(json.loads(str(text)))


def _summary(row: Any) -> ReferralSummary:
    return ReferralSummary(
        referral_id=str(row[0]),
        received_at=str(row[1]),
        signer_name=str(row[2]),
        signer_key_id=str(row[3]),
        source=str(row[4]),
        requested_action="" if row[5] == ERASED else _payload(row[5]).requested_action,
        state=ReferralState(row[6]),
        withdrawn_at=None if row[7] is None else str(row[7]),
    )


def _history(conn: Any, referral_id: str) -> tuple[StatusEntry, ...]:
    rows = conn.execute(
        "SELECT state, outcome, message, set_at FROM status_history "
        "WHERE referral_id = ? ORDER BY id",
        (referral_id,),
    ).fetchall()
    return tuple(
        StatusEntry(
            ReferralState(h[0]),
            None if h[1] is None else Outcome(h[1]),
            None if h[2] is None else str(h[2]),
            str(h[3]),
            sequence,
        )
        for sequence, h in enumerate(rows, start=1)
    )


def history_of(store: DeskStore, referral_id: str) -> tuple[StatusEntry, ...]:
    """A referral's status history, oldest first (empty: no such referral)."""
    with store.read() as conn:
        return _history(conn, referral_id)


def list_referrals(store: DeskStore) -> list[ReferralSummary]:
    """Every referral in the store, newest first."""
    with store.read() as conn:
        rows = conn.execute(_SUMMARY_SQL + " ORDER BY p.received_at DESC, r.rowid DESC").fetchall()
    return [_summary(r) for r in rows]


def resolve_id(store: DeskStore, text: str) -> str:
    """The full id of the referral ``text`` names (its id, or a unique prefix of at least
    :data:`MIN_PREFIX` characters)."""
    wanted = text.strip().lower()
    unknown = ReferralUnknown(_("No referral in the desk store has this id."))
    if not _ID_PREFIX.match(wanted):
        raise unknown
    with store.read() as conn:
        rows = conn.execute(
            "SELECT id FROM referrals WHERE substr(id, 1, ?) = ? LIMIT 2", (len(wanted), wanted)
        ).fetchall()
    if not rows:
        raise unknown
    if len(rows) > 1:
        raise ReferralUnknown(_("More than one referral starts with this; give more of its id."))
    return str(rows[0][0])


@dataclass(frozen=True)
class ErasedReferral:
    """A referral whose content was erased after its advisor withdrew it: what stays."""

    summary: ReferralSummary
    package_sha256: str
    opened_at: str
    withdrawn_at: str
    withdrawal_received_at: str
    history: tuple[StatusEntry, ...]


def get_referral(store: DeskStore, referral_id: str) -> ReferralRecord:
    """The referral ``referral_id`` (a full id: see :func:`resolve_id`). One whose content was
    erased is :class:`ReferralUnknown` here: see :func:`erased_referral`."""
    with store.read() as conn:
        row = conn.execute(_SUMMARY_SQL + " WHERE r.id = ?", (referral_id,)).fetchone()
        if row is None:
            raise ReferralUnknown(_("No referral in the desk store has this id."))
        detail = conn.execute(
            "SELECT r.payload, p.sha256, r.opened_at, p.file_name FROM referrals r "
            "JOIN packages p ON p.id = r.package_id WHERE r.id = ?",
            (referral_id,),
        ).fetchone()
        history = _history(conn, referral_id)
    if detail[0] == ERASED:
        raise ReferralUnknown(
            _("The advisor withdrew this referral: its content was erased from the desk store.")
        )
    content = _payload(detail[0])
    return ReferralRecord(
        summary=_summary(row),
        content=content,
        package_sha256=str(detail[1]),
        opened_at=str(detail[2]),
        file_name=None if detail[3] is None else str(detail[3]),
        history=history,
    )


def erased_referral(store: DeskStore, referral_id: str) -> ErasedReferral | None:
    """What the store keeps of a withdrawn, erased referral (None: it is not one)."""
    with store.read() as conn:
        row = conn.execute(
            _SUMMARY_SQL + " WHERE r.id = ? AND r.payload = ?", (referral_id, ERASED)
        ).fetchone()
        if row is None:
            return None
        detail = conn.execute(
            "SELECT p.sha256, r.opened_at, w.withdrawn_at, w.received_at FROM referrals r "
            "JOIN packages p ON p.id = r.package_id "
            "JOIN withdrawals w ON w.referral_id = r.id WHERE r.id = ?",
            (referral_id,),
        ).fetchone()
        history = _history(conn, referral_id)
    if detail is None:  # erased without a withdrawal: not something this code writes
        return None
    return ErasedReferral(
        summary=_summary(row),
        package_sha256=str(detail[0]),
        opened_at=str(detail[1]),
        withdrawn_at=str(detail[2]),
        withdrawal_received_at=str(detail[3]),
        history=history,
    )


def package_of(store: DeskStore, referral_id: str) -> tuple[bytes, str]:
    """The exact package bytes a referral came in, and when they were received."""
    with store.read() as conn:
        row = conn.execute(
            "SELECT p.data, p.received_at FROM referrals r JOIN packages p "
            "ON p.id = r.package_id WHERE r.id = ?",
            (referral_id,),
        ).fetchone()
    if row is None:
        raise ReferralUnknown(_("No referral in the desk store has this id."))
    return bytes(row[0]), str(row[1])


def set_status(
    store: DeskStore,
    referral_id: str,
    state: ReferralState,
    *,
    outcome: Outcome | None,
    message: str | None,
    now: str,
) -> StatusEntry:
    """Add a step to the referral's history. A closed referral needs an outcome, and only a
    closed one has one; setting the state it already has needs a message (else nothing would
    be said by it)."""
    if (state is ReferralState.CLOSED) != (outcome is not None):
        raise StatusError(
            _("A referral is closed with an outcome (--outcome), and only closed with one.")
        )
    with store.write() as conn:
        current = conn.execute(
            "SELECT state FROM status_history WHERE referral_id = ? ORDER BY id DESC LIMIT 1",
            (referral_id,),
        ).fetchone()
        if current is None:
            raise ReferralUnknown(_("No referral in the desk store has this id."))
        erased = conn.execute(
            "SELECT 1 FROM referrals WHERE id = ? AND payload = ?", (referral_id, ERASED)
        ).fetchone()
        if erased is not None:
            raise StatusError(
                _("The advisor withdrew this referral; its status can no longer be changed.")
            )
        if current[0] == state.value and message is None:
            raise StatusError(
                _("The referral is {state} already; add a message to record another step.").format(
                    state=state.value
                )
            )
        conn.execute(
            "INSERT INTO status_history (referral_id, state, outcome, message, set_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (referral_id, state.value, None if outcome is None else outcome.value, message, now),
        )
        sequence = int(
            conn.execute(
                "SELECT count(*) FROM status_history WHERE referral_id = ?", (referral_id,)
            ).fetchone()[0]
        )
    log.info("status_set id=%s state=%s", referral_id, state.value)
    return StatusEntry(state, outcome, message, now, sequence)


@dataclass(frozen=True)
class Erasure:
    """A withdrawn referral whose content was erased just now, and its closing step."""

    referral_id: str
    withdrawn_at: str
    closing: StatusEntry


def erase_withdrawn(store: DeskStore, now: str) -> list[Erasure]:
    """Erase the content of every referral the store holds a withdrawal of (and has not erased
    yet); each gets a last step ``closed`` (``withdrawn-by-reporter``). Returns what was erased.

    The withdrawal was checked against the device that sent the referral when it was received
    (``desk/withdrawals.py``); it is checked again here, so a withdrawal by another device never
    erases anything.
    """
    erased: list[Erasure] = []
    with store.write() as conn:
        rows = conn.execute(
            "SELECT r.id, w.withdrawn_at FROM withdrawals w JOIN referrals r "
            "ON r.id = w.referral_id WHERE r.payload != ? AND w.device_key_id = r.signer_key_id "
            "ORDER BY w.received_at, r.id",
            (ERASED,),
        ).fetchall()
        for referral_id, withdrawn_at in rows:
            conn.execute("UPDATE referrals SET payload = ? WHERE id = ?", (ERASED, referral_id))
            conn.execute(
                "UPDATE packages SET data = x'' WHERE id = "
                "(SELECT package_id FROM referrals WHERE id = ?)",
                (referral_id,),
            )
            conn.execute(
                "UPDATE status_history SET message = NULL WHERE referral_id = ?", (referral_id,)
            )
            # Messages not handed on yet carry the desk's words: gone; those handed on are
            # kept by their id only (the server knows them by it).
            conn.execute(
                "DELETE FROM status_outbox WHERE referral_id = ? AND pushed_at IS NULL",
                (referral_id,),
            )
            conn.execute(
                "UPDATE status_outbox SET blob = x'' WHERE referral_id = ?", (referral_id,)
            )
            conn.execute(
                "INSERT INTO status_history (referral_id, state, outcome, message, set_at) "
                "VALUES (?, ?, ?, NULL, ?)",
                (referral_id, ReferralState.CLOSED.value, Outcome.WITHDRAWN.value, now),
            )
            sequence = int(
                conn.execute(
                    "SELECT count(*) FROM status_history WHERE referral_id = ?", (referral_id,)
                ).fetchone()[0]
            )
            closing = StatusEntry(ReferralState.CLOSED, Outcome.WITHDRAWN, None, now, sequence)
            erased.append(Erasure(str(referral_id), str(withdrawn_at), closing))
    for item in erased:
        log.info("referral_erased_after_withdrawal id=%s", item.referral_id)
    return erased
