"""Whole-number option types with a range: out of range is a usage error (exit 2) at the
command line, never an ``OverflowError`` deeper down (SQLite integers are 64-bit)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from advisor_desktop.platform.i18n import _

#: The largest record id SQLite can hold.
MAX_RECORD_ID = 2**63 - 1
#: ``follow-ups --within``: up to ten years ahead.
MAX_WITHIN_DAYS = 3650
#: ``search --limit``.
MAX_SEARCH_LIMIT = 10_000


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type`` accepting a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("'{value}' is not a whole number").format(value=text[:20])
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                _("must be a whole number from {low} to {high}").format(low=low, high=high)
            )
        return value

    return parse


record_id = whole_number(1, MAX_RECORD_ID)
within_days = whole_number(0, MAX_WITHIN_DAYS)
search_limit = whole_number(1, MAX_SEARCH_LIMIT)
