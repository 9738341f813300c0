"""The desk's weighing of a referral: reading the states and outcome categories an operator
types, and the message that goes with a change.

The vocabulary itself (:class:`ReferralState`, :class:`Outcome`) is the status message
format's, in ``protocol/referral_terms.py``: both ends read it.
"""

from __future__ import annotations

import unicodedata

from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import is_unsafe
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.protocol.status_message import MAX_TEXT_CHARS

__all__ = [
    "MAX_MESSAGE_CHARS",
    "Outcome",
    "ReferralState",
    "clean_message",
    "parse_outcome",
    "parse_state",
]

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
