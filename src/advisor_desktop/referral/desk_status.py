"""What the desk said about a referral: its status messages, kept with the referral in the vault.

Each message the device imports (``protocol/status_message.py``) was decrypted with the
device's age key and verified against the desk's key in the profile before it gets here. A
referral's status history is every step the device received, by the desk's sequence number;
its status is the step with the highest number, so a replayed older message is kept in the
history (it is genuine) but never becomes the status again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from advisor_desktop.platform.clock import Clock
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import ReferralError
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.protocol.status_message import StatusMessage, StatusUndecryptable
from advisor_desktop.storage.store import Vault

log = logging.getLogger(__name__)

_COLUMNS = "referral_id, sequence, state, outcome, text, set_at, desk_key_id, imported_at"


class StatusNotForThisDevice(StatusUndecryptable):
    """A status message decrypted here names another advisor device (exit 6): it was decrypted
    by that device and encrypted again to this one."""


class StatusConflict(ReferralError):
    """The desk sent two different messages for the same step of a referral; the first one is
    kept (exit 1)."""


@dataclass(frozen=True)
class DeskStatus:
    """One step of a referral at the desk, as this device received it."""

    referral_id: str
    sequence: int
    state: ReferralState
    outcome: Outcome | None
    text: str | None
    set_at: str
    desk_key_id: str
    imported_at: str

    @property
    def label(self) -> str:
        """``closed (advice-given)`` or ``in-assessment``: the state with its outcome."""
        if self.outcome is None:
            return self.state.value
        return f"{self.state.value} ({self.outcome.value})"


def status_from_row(row: Any) -> DeskStatus:
    """A :class:`DeskStatus` from the columns ``_COLUMNS`` (in that order)."""
    return DeskStatus(
        referral_id=str(row[0]),
        sequence=int(row[1]),
        state=ReferralState(row[2]),
        outcome=None if row[3] is None else Outcome(row[3]),
        text=None if row[4] is None else str(row[4]),
        set_at=str(row[5]),
        desk_key_id=str(row[6]),
        imported_at=str(row[7]),
    )


class ImportResult(StrEnum):
    """What importing one status message did."""

    LATEST = "latest"
    """A new step, and now the referral's status."""
    EARLIER = "earlier"
    """A new step, older than the status the referral has (kept in its history only)."""
    ALREADY = "already"
    """This very message was imported before; nothing changed."""


@dataclass(frozen=True)
class StatusImport:
    """The message imported (as stored), what it did, and the referral's status now."""

    status: DeskStatus
    result: ImportResult
    latest: DeskStatus


class DeskStatusBook:
    """The status messages of the referrals in the vault."""

    def __init__(self, vault: Vault, clock: Clock) -> None:
        self._vault = vault
        self._clock = clock

    def record(self, message: StatusMessage, document: bytes) -> StatusImport:
        """Keep the verified ``message`` (``document``: its signed bytes) with its referral."""
        now = self._clock().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._vault.write() as conn:
            row = conn.execute(
                "SELECT document FROM referral_statuses WHERE referral_id = ? AND sequence = ?",
                (message.referral_id, message.sequence),
            ).fetchone()
            if row is not None and bytes(row[0]) != document:
                raise StatusConflict(
                    _(
                        "The desk sent another message for this step of the referral before; "
                        "the first one is kept."
                    )
                )
            if row is None:
                conn.execute(
                    f"INSERT INTO referral_statuses ({_COLUMNS}, document) "  # noqa: S608
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        message.referral_id,
                        message.sequence,
                        message.state.value,
                        None if message.outcome is None else message.outcome.value,
                        message.text,
                        message.set_at,
                        message.desk_key_id,
                        now,
                        document,
                    ),
                )
            stored = conn.execute(
                f"SELECT {_COLUMNS} FROM referral_statuses "  # noqa: S608
                "WHERE referral_id = ? AND sequence = ?",
                (message.referral_id, message.sequence),
            ).fetchone()
            latest = conn.execute(
                f"SELECT {_COLUMNS} FROM referral_statuses WHERE referral_id = ? "  # noqa: S608
                "ORDER BY sequence DESC LIMIT 1",
                (message.referral_id,),
            ).fetchone()
        status, current = status_from_row(stored), status_from_row(latest)
        if row is not None:
            result = ImportResult.ALREADY
        elif current.sequence == status.sequence:
            result = ImportResult.LATEST
        else:
            result = ImportResult.EARLIER
        log.info(
            "desk_status_imported id=%s sequence=%s result=%s",
            message.referral_id,
            message.sequence,
            result.value,
        )
        return StatusImport(status, result, current)

    def latest(self, referral_id: str) -> DeskStatus | None:
        """The referral's status: the step with the highest sequence received (None: none)."""
        with self._vault.read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM referral_statuses WHERE referral_id = ? "  # noqa: S608
                "ORDER BY sequence DESC LIMIT 1",
                (referral_id,),
            ).fetchone()
        return None if row is None else status_from_row(row)

    def history(self, referral_id: str) -> list[DeskStatus]:
        """Every step received for the referral, oldest first."""
        with self._vault.read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM referral_statuses WHERE referral_id = ? "  # noqa: S608
                "ORDER BY sequence",
                (referral_id,),
            ).fetchall()
        return [status_from_row(r) for r in rows]
