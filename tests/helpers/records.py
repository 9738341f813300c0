"""Small factories for conversation records used across the tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from advisor_desktop.notebook.models import (
    ContactChannel,
    ConversationRecord,
    Status,
    VisitorRole,
)

DAY = dt.date(2026, 3, 14)


def make_record(**fields: Any) -> ConversationRecord:
    """A valid record with sensible defaults; ``fields`` override any of them."""
    base: dict[str, Any] = {
        "conv_date": DAY,
        "channel": ContactChannel.IN_PERSON,
        "role": VisitorRole.LOCALLY_EMPLOYED,
        "categories": ("bullying",),
        "options": ("manager",),
        "agreed": "",
        "notes": "",
        "status": Status.OPEN,
        "language": "en",
    }
    base.update(fields)
    return ConversationRecord(**base)


class FakeClock:
    """A settable clock for the notebook (``clock()`` returns the current fake time)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now = self.now + dt.timedelta(**delta)


def utc(year: int, month: int, day: int) -> dt.datetime:
    """Midnight UTC on the given day."""
    return dt.datetime(year, month, day, tzinfo=dt.UTC)


Clock = Callable[[], dt.datetime]
