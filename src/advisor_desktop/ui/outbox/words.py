"""The outbox and the desk's status in the advisor's words (the UI language).

"Delivered" is said only of an item whose verified receipt is stored (``item.delivered``);
a queued, exported or posted item without a receipt is never "sent" or "delivered".
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton

from advisor_desktop.platform.i18n import N_, _, active_locale
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.referral.desk_status import DeskStatus
from advisor_desktop.referral.outbox import OutboxItem, OutboxState

OUTCOME_WORDS: dict[str, str] = {
    Outcome.ADVICE_GIVEN.value: N_("advice given"),
    Outcome.MEDIATION.value: N_("mediation"),
    Outcome.INVESTIGATION.value: N_("investigation"),
    Outcome.SECRETARY_GENERAL.value: N_("brought to the Secretary-General"),
    Outcome.NO_FURTHER_ACTION.value: N_("no further action"),
    Outcome.WITHDRAWN.value: N_("withdrawn by the reporter"),
    Outcome.OTHER.value: N_("other"),
}
STATE_WORDS: dict[str, str] = {
    OutboxState.QUEUED.value: N_("Waiting to be sent"),
    OutboxState.SENDING.value: N_("Being sent"),
    OutboxState.DELIVERED.value: N_("Delivered"),
    OutboxState.FAILED.value: N_("Not delivered yet"),
    OutboxState.WITHDRAWN.value: N_("Withdrawn"),
}
#: A colour hint per state (kept simple: text colour of the state cell).
STATE_TONES: dict[str, str] = {
    OutboxState.QUEUED.value: "#6b5d00",
    OutboxState.SENDING.value: "#1f4f8f",
    OutboxState.DELIVERED.value: "#1d6b2f",
    OutboxState.FAILED.value: "#a2271c",
    OutboxState.WITHDRAWN.value: "#555555",
}
#: A one-character symbol per state, beside the words (not colour alone).
STATE_SYMBOLS: dict[str, str] = {
    OutboxState.QUEUED.value: "○",
    OutboxState.SENDING.value: "↻",
    OutboxState.DELIVERED.value: "✓",
    OutboxState.FAILED.value: "!",
    OutboxState.WITHDRAWN.value: "–",
}


@lru_cache(maxsize=32)
def babel_locale(code: str) -> Locale:
    """Babel's locale for a language code (English for one it does not know)."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def parse_stamp(text: str | None) -> dt.datetime | None:
    """A stored UTC time (``YYYY-MM-DDTHH:MM:SSZ`` or ISO with offset); None if unreadable."""
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def day_words(text: str | None, language: str | None = None) -> str:
    """ "3 May" (this year's days need no year: "3 May 2025" for others) in ``language``
    (default: the UI language), for a stored time; "" when there is none."""
    when = parse_stamp(text)
    if when is None:
        return ""
    local = when.astimezone()
    skeleton = "MMMd" if local.year == dt.datetime.now().astimezone().year else "yMMMd"
    return str(format_skeleton(skeleton, local, locale=babel_locale(language or active_locale())))


def time_words(text: str | None) -> str:
    """ "3 May, 14:05" in the UI language, for a stored time; "" when there is none."""
    when = parse_stamp(text)
    if when is None:
        return ""
    local = when.astimezone()
    locale = babel_locale(active_locale())
    day = format_skeleton("MMMd", local, locale=locale)
    return _("{day}, {time}").format(day=day, time=format_skeleton("Hm", local, locale=locale))


def item_state_words(item: OutboxItem) -> str:
    """The item's state in a few words, with its symbol: "✓ Delivered" only with a verified
    receipt; an exported item waits for the desk's receipt."""
    if item.delivered:
        key = OutboxState.DELIVERED.value
    elif item.state is OutboxState.DELIVERED:  # never without a receipt; say so if it were
        key = OutboxState.QUEUED.value
    else:
        key = item.state.value
    words = _(STATE_WORDS[key])
    if key == OutboxState.QUEUED.value and item.waiting_for_receipt:
        words = _("Exported, waiting for the desk's receipt")
    return f"{STATE_SYMBOLS[key]} {words}"


def item_tone(item: OutboxItem) -> str:
    """The colour hint of the item's state."""
    key = OutboxState.DELIVERED.value if item.delivered else item.state.value
    if key == OutboxState.DELIVERED.value and not item.delivered:
        key = OutboxState.QUEUED.value
    return STATE_TONES[key]


def delivery_words(item: OutboxItem | None) -> str:
    """How a referral's delivery stands, for the record's referral list: "Delivered 3 May"
    (a verified receipt only), "Not delivered yet: <reason>", "Waiting to be sent"…"""
    if item is None:
        return ""
    if item.delivered:
        return _("Delivered {day}").format(day=day_words(item.received_at or item.delivered_at))
    if item.state is OutboxState.WITHDRAWN:
        return _("Withdrawn")
    if item.state is OutboxState.FAILED:
        return _("Not delivered yet: {reason}").format(
            reason=item.last_reason or _("the desk could not be reached")
        )
    if item.state is OutboxState.SENDING:
        return _("Being sent (not delivered yet)")
    if item.waiting_for_receipt:
        return _("Exported as a file, waiting for the desk's receipt")
    return _("Waiting to be sent")


def desk_status_words(status: DeskStatus | None) -> str:
    """What the desk last said, in words: "Received 3 May", "In assessment", "Closed: advice
    given"; "" when it said nothing yet."""
    if status is None:
        return ""
    if status.state is ReferralState.RECEIVED:
        return _("Received {day}").format(day=day_words(status.set_at))
    if status.state is ReferralState.IN_ASSESSMENT:
        return _("In assessment")
    if status.state is ReferralState.REFERRED_ON:
        return _("Referred on")
    outcome = status.outcome.value if status.outcome is not None else Outcome.OTHER.value
    return _("Closed: {outcome}").format(outcome=_(OUTCOME_WORDS[outcome]))
