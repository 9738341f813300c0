"""The desk's weighing of a referral: reading the states and outcome categories an operator
types, the message that goes with a change, and the status messages that tell the advisor.

The vocabulary itself (:class:`ReferralState`, :class:`Outcome`) is the status message
format's, in ``protocol/referral_terms.py``: both ends read it. Each step the desk records
becomes a status message (``protocol/status_message.py``) for the device the referral came
from: signed by the desk key, encrypted to the device's age recipient, numbered by its place in
the referral's history. It waits in the status outbox for ``push`` (``desk/status_outbox.py``);
``status-export`` writes the latest one as a file for a USB stick. A device enrolled without an
age key gets none.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from advisor_desktop.desk.devices import Device, device_of_referral
from advisor_desktop.desk.errors import StatusError
from advisor_desktop.desk.identity import DeskIdentity
from advisor_desktop.desk.referrals import StatusEntry, history_of
from advisor_desktop.desk.status_outbox import QueuedStatus, queue_status
from advisor_desktop.desk.store import DeskStore
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import is_unsafe
from advisor_desktop.protocol.keys import key_id, raw_public
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.protocol.status_message import (
    MAX_TEXT_CHARS,
    StatusMessage,
    build_status_message,
)

__all__ = [
    "MAX_MESSAGE_CHARS",
    "Addressee",
    "Outcome",
    "ReferralState",
    "addressee",
    "clean_message",
    "latest_status_file",
    "parse_outcome",
    "parse_state",
    "queue_status_message",
    "sealed_status",
    "status_message",
]

log = logging.getLogger(__name__)

#: What a status message can carry (``protocol/status_message.py``).
MAX_MESSAGE_CHARS = MAX_TEXT_CHARS


def parse_state(text: str) -> ReferralState:
    """A state id, or a usage error listing them."""
    try:
        return ReferralState(text.strip().lower())
    except ValueError:
        raise UsageError(
            _("Unknown state {state}: use one of {states}.").format(
                state=text, states=", ".join(s.value for s in ReferralState)
            )
        ) from None


def parse_outcome(text: str) -> Outcome:
    """An outcome id, or a usage error listing them."""
    try:
        return Outcome(text.strip().lower())
    except ValueError:
        raise UsageError(
            _("Unknown outcome {outcome}: use one of {outcomes}.").format(
                outcome=text, outcomes=", ".join(o.value for o in Outcome)
            )
        ) from None


def clean_message(text: str) -> str | None:
    """A status message as stored: NFC, surrounding blank space removed, at most
    :data:`MAX_MESSAGE_CHARS`, no control characters but newline and tab, no bidi overrides
    (None when empty)."""
    message = unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
    if not message:
        return None
    if len(message) > MAX_MESSAGE_CHARS:
        raise UsageError(
            _("A status message can have at most {n} characters.").format(n=MAX_MESSAGE_CHARS)
        )
    if any(is_unsafe(c) and c not in "\n\t" for c in message):
        raise UsageError(
            _("A status message cannot contain control or text-direction override characters.")
        )
    return message


# -- status messages for the advisor -------------------------------------------------------


@dataclass(frozen=True)
class Addressee:
    """Where a referral's status messages go: the device it came from."""

    device: Device
    referral_id: str

    @property
    def can_receive(self) -> bool:
        """False for a device enrolled without an age key (no message can be sent to it)."""
        return self.device.age_recipient is not None


def addressee(store: DeskStore, referral_id: str) -> Addressee:
    """The device the referral ``referral_id`` came from."""
    return Addressee(device_of_referral(store, referral_id), referral_id)


def status_message(identity: DeskIdentity, to: Addressee, entry: StatusEntry) -> StatusMessage:
    """The status message of the step ``entry`` (from the referral's history)."""
    if entry.sequence < 1:
        raise ValueError("a step of the history has a sequence")
    return StatusMessage(
        referral_id=to.referral_id,
        sequence=entry.sequence,
        state=entry.state,
        outcome=entry.outcome,
        text=entry.message,
        set_at=entry.set_at,
        desk_key_id=key_id(raw_public(identity.signing_key.public_key())),
        device_key_id=to.device.key_id,
    )


def _no_age_key(device: Device) -> StatusError:
    return StatusError(
        _(
            "{name} was enrolled without an age key: no status message can be sent to it. "
            "Enrol its age key first (advisor-desk enrol PUBKEY AGE_RECIPIENT --name NAME)."
        ).format(name=device.name)
    )


def sealed_status(identity: DeskIdentity, to: Addressee, entry: StatusEntry) -> bytes:
    """The status file of ``entry``: signed by the desk, encrypted to the device."""
    if to.device.age_recipient is None:
        raise _no_age_key(to.device)
    return build_status_message(
        status_message(identity, to, entry), identity.signing_key, to.device.age_recipient
    )


def queue_status_message(
    store: DeskStore, identity: DeskIdentity, referral_id: str, entry: StatusEntry, now: str
) -> QueuedStatus | None:
    """Seal the step ``entry`` for the referral's device and leave it in the status outbox for
    ``push`` (None: the device has no age key, nothing can be sent)."""
    to = addressee(store, referral_id)
    if not to.can_receive:
        return None
    data = sealed_status(identity, to, entry)
    queued = queue_status(store, to.device.key_id, referral_id, data, now)
    log.info("status_message_queued id=%s sequence=%s", referral_id, entry.sequence)
    return queued


def latest_status_file(store: DeskStore, identity: DeskIdentity, referral_id: str) -> bytes:
    """The status file of the referral's latest step (what ``status-export`` writes): it says
    where the referral stands now, so the advisor needs no earlier one to know it."""
    to = addressee(store, referral_id)
    if not to.can_receive:
        raise _no_age_key(to.device)
    history = history_of(store, referral_id)
    if not history:
        raise StatusError(_("This referral has no status yet."))
    return sealed_status(identity, to, history[-1])
