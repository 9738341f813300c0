"""Withdrawals in the desk store: an advisor's signed word that it takes a referral back.

They come from the intake server (``advisor-desk pull``), which only relays them: each is
checked against the enrolled device that signed it before it is kept, and a withdrawal of a
referral the desk holds from another device is refused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from advisor_desktop.desk.devices import trusted_keys
from advisor_desktop.desk.store import DeskStore
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.intake_api import IntakeSignatureError, Withdrawal, verify_withdrawal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredWithdrawal:
    """A withdrawal the store holds (``new``: just now)."""

    withdrawal: Withdrawal
    received_at: str
    new: bool
    referral_known: bool


def receive_withdrawal(store: DeskStore, document: bytes, now: str) -> StoredWithdrawal:
    """Verify ``document`` against the enrolled devices and keep it (once per referral)."""
    withdrawal = verify_withdrawal(document, trusted_keys(store))
    with store.write() as conn:
        row = conn.execute(
            "SELECT r.signer_key_id FROM referrals r WHERE r.id = ?", (withdrawal.referral_id,)
        ).fetchone()
        if row is not None and row[0] != withdrawal.device_key_id:
            raise IntakeSignatureError(
                _("A withdrawal came from another device than the one that sent the referral.")
            )
        earlier = conn.execute(
            "SELECT received_at FROM withdrawals WHERE referral_id = ?", (withdrawal.referral_id,)
        ).fetchone()
        if earlier is not None:
            return StoredWithdrawal(withdrawal, str(earlier[0]), False, row is not None)
        conn.execute(
            "INSERT INTO withdrawals (referral_id, device_key_id, withdrawn_at, received_at, "
            "document) VALUES (?, ?, ?, ?, ?)",
            (
                withdrawal.referral_id,
                withdrawal.device_key_id,
                withdrawal.withdrawn_at,
                now,
                document,
            ),
        )
    log.info("withdrawal_received id=%s", withdrawal.referral_id)
    return StoredWithdrawal(withdrawal, now, True, row is not None)


def withdrawal_of(store: DeskStore, referral_id: str) -> StoredWithdrawal | None:
    """The withdrawal of ``referral_id``, if the advisor withdrew it."""
    with store.read() as conn:
        row = conn.execute(
            "SELECT device_key_id, withdrawn_at, received_at FROM withdrawals "
            "WHERE referral_id = ?",
            (referral_id,),
        ).fetchone()
    if row is None:
        return None
    return StoredWithdrawal(
        Withdrawal(referral_id, str(row[0]), str(row[1])), str(row[2]), False, True
    )
