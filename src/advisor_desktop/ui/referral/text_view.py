"""Offsets between a draft's source text (Python indices) and a Qt text view (UTF-16 units).

The review model (:mod:`advisor_desktop.referral.review`) counts in Python indices, as the
core and the CLI do; a ``QTextDocument`` counts UTF-16 code units and turns ``\\r\\n`` into one
line break. These keep the two aligned.
"""

from __future__ import annotations


def display_text(source: str) -> str:
    """``source`` as shown in a text view, one character per character.

    A text view turns ``\\r\\n`` into one line break, which would shift every offset after it;
    the ``\\r`` is shown as a space instead so the offsets stay the same.
    """
    return source.replace("\r\n", " \n")


def to_view_offset(text: str, index: int) -> int:
    """A Python index into ``text`` as a text-view position (UTF-16 code units)."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


def from_view_offset(text: str, position: int) -> int:
    """A text-view position (UTF-16 code units) as a Python index into ``text``."""
    units = 0
    for index, ch in enumerate(text):
        if units >= position:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)
