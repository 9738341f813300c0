"""The clock: one type for "a function that says what time it is", and the real one.

Every service takes a clock as a parameter (tests pass a fixed or stepping one), so time is an
edge of the world that is passed in, never read from everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The real clock: now, in UTC, to the second (what the stores keep)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
