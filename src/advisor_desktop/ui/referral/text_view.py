"""Offsets between a draft's source text (Python indices) and a Qt text view (UTF-16 units).

The review model (:mod:`advisor_desktop.referral.review`) counts in Python indices, as the
core and the CLI do; a ``QTextDocument`` counts UTF-16 code units and turns ``\\r\\n`` into one
line break. The view also writes every invisible character (zero-width space, joiners, soft
hyphen, direction marks …) as a visible marker such as ``⟨ZWSP⟩``, so nothing in the draft is
hidden from the advisor. :class:`ViewMap` keeps the two aligned, in both directions.
"""

from __future__ import annotations

import bisect

from advisor_desktop.referral.anonymiser import marker
from advisor_desktop.referral.anonymiser.normalise import invisible_positions


def _units(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


class ViewMap:
    """One source text as shown in a text view, and the offsets between the two."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.invisible = invisible_positions(source)
        wide = [i for i, ch in enumerate(source) if ord(ch) > 0xFFFF]
        # Extra view units before each source index come from two things: characters outside
        # the BMP (one more unit each) and markers (their length less the one character).
        self._points = sorted(
            [(i, 1) for i in wide] + [(i, _units(marker(source[i])) - 1) for i in self.invisible]
        )
        self._at = [p for p, _ in self._points]
        self._extra: list[int] = []
        total = 0
        for _, extra in self._points:
            total += extra
            self._extra.append(total)
        self._view_starts = [p + (self._extra[k - 1] if k else 0) for k, p in enumerate(self._at)]

    def text(self) -> str:
        """The text the view shows: markers for invisible characters, ``\\r\\n`` as `` \\n``."""
        shown = self.source.replace("\r\n", " \n")
        if not self.invisible:
            return shown
        marks = set(self.invisible)
        return "".join(marker(ch) if i in marks else ch for i, ch in enumerate(shown))

    def to_view(self, index: int) -> int:
        """A Python index into the source as a view position."""
        k = bisect.bisect_left(self._at, index)
        return index + (self._extra[k - 1] if k else 0)

    def from_view(self, position: int) -> int:
        """A view position as a Python index into the source (inside a marker or a surrogate
        pair: the character it belongs to, or the next one past its middle)."""
        k = bisect.bisect_right(self._view_starts, position) - 1
        if k < 0:
            return min(position, len(self.source))
        start = self._view_starts[k]
        before = self._extra[k - 1] if k else 0
        index = self._at[k]
        width = self._extra[k] - before + 1
        if position < start + width:
            return index if position == start else index + 1
        return min(position - self._extra[k], len(self.source))

    def marker_spans(self) -> list[tuple[int, int]]:
        """The view span of each invisible character's marker."""
        return [(self.to_view(i), self.to_view(i + 1)) for i in self.invisible]


def display_text(source: str) -> str:
    """``source`` as shown in a text view (see :meth:`ViewMap.text`)."""
    return ViewMap(source).text()


def to_view_offset(text: str, index: int) -> int:
    """A Python index into ``text`` as a text-view position (UTF-16 code units, markers)."""
    return ViewMap(text).to_view(index)


def from_view_offset(text: str, position: int) -> int:
    """A text-view position as a Python index into ``text``."""
    return ViewMap(text).from_view(position)
