"""The back-off of failed items: full jitter under an exponential ceiling with a cap, and the
server's Retry-After (seconds or an HTTP-date)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor_desktop.referral.sender import backoff_delay, retry_after_seconds

NOW = dt.datetime(2026, 5, 3, 12, 0, tzinfo=dt.UTC)


def test_the_ceiling_doubles_per_attempt_up_to_the_cap() -> None:
    top = [backoff_delay(n, base=5, cap=3600, rand=lambda: 0.999999) for n in range(1, 14)]
    assert [round(t) for t in top[:5]] == [5, 10, 20, 40, 80]
    assert top[-1] == pytest.approx(3600, rel=1e-5)
    assert all(b >= a for a, b in itertools.pairwise(top))


def test_the_draw_is_uniform_below_the_ceiling() -> None:
    assert backoff_delay(3, base=5, cap=3600, rand=lambda: 0.0) == 0.0
    assert backoff_delay(3, base=5, cap=3600, rand=lambda: 0.5) == 10.0
    # A broken random source cannot push the wait past the ceiling or below zero.
    assert backoff_delay(3, base=5, cap=3600, rand=lambda: 7.0) == 20.0
    assert backoff_delay(3, base=5, cap=3600, rand=lambda: -1.0) == 0.0
    assert backoff_delay(0, rand=lambda: 0.5) == 0.0


@given(st.integers(min_value=1, max_value=10_000), st.floats(min_value=0, max_value=1))
def test_never_beyond_the_cap(attempt: int, draw: float) -> None:
    assert 0 <= backoff_delay(attempt, base=5, cap=900, rand=lambda: draw) <= 900


def test_retry_after_as_seconds_or_date() -> None:
    assert retry_after_seconds("120", NOW) == 120
    assert retry_after_seconds(" 7 ", NOW) == 7
    assert retry_after_seconds("Sun, 03 May 2026 12:05:00 GMT", NOW) == 300
    assert retry_after_seconds("Sun, 03 May 2026 11:00:00 GMT", NOW) == 0
    assert retry_after_seconds(None, NOW) is None
    assert retry_after_seconds("soon", NOW) is None
    assert retry_after_seconds("-5", NOW) is None
