"""The referrals in the desk store: the list, one referral with its history, status changes.

A stored payload is validated again when it is read: the store is encrypted and authenticated,
but nothing read from disk is trusted blindly.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from advisor_desktop.desk.errors import ReferralUnknown, StatusError
from advisor_desktop.desk.status import Outcome, ReferralState
from advisor_desktop.desk.store import DeskStore
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.referral_package import ReferralContent, validate_payload

log = logging.getLogger(__name__)

MIN_PREFIX = 8
_ID_PREFIX = re.compile(r"^[0-9a-f-]{8,36}$")

_SUMMARY_SQL = """
SELECT r.id, p.received_at, d.name, r.signer_key_id, p.source, r.payload,
       (SELECT state FROM status_history s WHERE s.referral_id = r.id ORDER BY s.id DESC LIMIT 1)
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
    state: ReferralState


@dataclass(frozen=True)
class StatusEntry:
    """One step of a referral's status history."""

    state: ReferralState
    outcome: Outcome | None
    message: str | None
    set_at: str


@dataclass(frozen=True)
class ReferralRecord:
    """One referral as the store holds it."""

    summary: ReferralSummary
    content: ReferralContent
    package_sha256: str
    opened_at: str
    file_name: str | None
    history: tuple[StatusEntry, ...]


def _payload(text: Any) -> ReferralContent:
    return validate_payload(json.loads(str(text)))


def _summary(row: Any) -> ReferralSummary:
    return ReferralSummary(
        referral_id=str(row[0]),
        received_at=str(row[1]),
        signer_name=str(row[2]),
        signer_key_id=str(row[3]),
        source=str(row[4]),
        requested_action=_payload(row[5]).requested_action,
        state=ReferralState(row[6]),
    )


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


def get_referral(store: DeskStore, referral_id: str) -> ReferralRecord:
    """The referral ``referral_id`` (a full id: see :func:`resolve_id`)."""
    with store.read() as conn:
        row = conn.execute(_SUMMARY_SQL + " WHERE r.id = ?", (referral_id,)).fetchone()
        if row is None:
            raise ReferralUnknown(_("No referral in the desk store has this id."))
        detail = conn.execute(
            "SELECT r.payload, p.sha256, r.opened_at, p.file_name FROM referrals r "
            "JOIN packages p ON p.id = r.package_id WHERE r.id = ?",
            (referral_id,),
        ).fetchone()
        history = conn.execute(
            "SELECT state, outcome, message, set_at FROM status_history "
            "WHERE referral_id = ? ORDER BY id",
            (referral_id,),
        ).fetchall()
    content = _payload(detail[0])
    return ReferralRecord(
        summary=_summary(row),
        content=content,
        package_sha256=str(detail[1]),
        opened_at=str(detail[2]),
        file_name=None if detail[3] is None else str(detail[3]),
        history=tuple(
            StatusEntry(
                ReferralState(h[0]),
                None if h[1] is None else Outcome(h[1]),
                None if h[2] is None else str(h[2]),
                str(h[3]),
            )
            for h in history
        ),
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
    log.info("status_set id=%s state=%s", referral_id, state.value)
    return StatusEntry(state, outcome, message, now)
