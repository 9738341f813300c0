"""The desk's weighing of a referral: its states, the outcome categories of a closed one, and
the message that goes with a change.

The ids are what status messages will carry back to the advisor (a later step); when those
messages are defined in ``protocol/``, this vocabulary moves there with them.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import is_unsafe

MAX_MESSAGE_CHARS = 4000


class ReferralState(StrEnum):
    """Where a referral stands at the desk."""

    RECEIVED = "received"
    IN_ASSESSMENT = "in-assessment"
    REFERRED_ON = "referred-on"
    CLOSED = "closed"


class Outcome(StrEnum):
    """Why a referral was closed (the reporting point's instruments, and the ends a case can
    have without one)."""

    ADVICE_GIVEN = "advice-given"
    MEDIATION = "mediation"
    INVESTIGATION = "investigation"
    SECRETARY_GENERAL = "brought-to-secretary-general"
    NO_FURTHER_ACTION = "no-further-action"
    WITHDRAWN = "withdrawn-by-reporter"
    OTHER = "other"


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
