"""Text normalisation shared by the search index and search queries.

Both sides go through :func:`normalize_for_index`, so matching is case- and
diacritics-insensitive in every script: NFKD, combining marks removed, casefolded. Scripts
written without spaces between words (Han, Kana, Thai, Lao, Khmer, Myanmar) are split into one
token per character; a query in those scripts becomes a phrase of consecutive characters, which
gives substring matching without a word segmenter.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_UNSPACED = (
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
)
_UNSPACED_CHAR = re.compile(f"([{_UNSPACED}])")
_WORD = re.compile(r"\w+", re.UNICODE)


_CACHE_LIMIT = 1 << 16  # distinct code points remembered (real text uses a few thousand)


def _remember(table: dict[int, Any], code: int, verdict: Any) -> None:
    if len(table) >= _CACHE_LIMIT:
        table.clear()
    table[code] = verdict


class _DropMarks(dict[int, int | None]):
    """``str.translate`` table deleting nonspacing marks (category Mn), filled as chars are seen.

    Translating in C with a cached verdict per code point is many times faster than asking
    ``unicodedata.category`` for every character (search indexing and snippets are hot paths).
    """

    def __missing__(self, code: int) -> int | None:
        verdict = None if unicodedata.category(chr(code)) == "Mn" else code
        _remember(self, code, verdict)
        return verdict


class _SpaceUnspaced(dict[int, int | str]):
    """``str.translate`` table putting spaces around each char of an unspaced script."""

    def __missing__(self, code: int) -> int | str:
        char = chr(code)
        verdict: int | str = f" {char} " if _UNSPACED_CHAR.match(char) else code
        _remember(self, code, verdict)
        return verdict


_DROP_MARKS = _DropMarks()
_SPACE_UNSPACED = _SpaceUnspaced()


def fold(text: str) -> str:
    """Casefold and strip combining marks (é→e, Ё→е, Arabic harakat removed)."""
    if text.isascii():
        # NFKD, mark removal and NFC leave ASCII unchanged; its casefold is lower().
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", decomposed.translate(_DROP_MARKS).casefold())


_NON_WORD = re.compile(r"[^\w\s]+")


def normalize_for_index(text: str) -> str:
    """Text as it is stored in the full-text index."""
    folded = fold(text)
    if folded.isascii():
        return folded
    # Hand SQLite the same word runs fts_query() quotes: characters Python does not count as
    # word characters (symbols, private use, newer punctuation) become spaces. SQLite's older
    # Unicode tables treat some of them as letters, and "₾5" would then never match "5".
    return _NON_WORD.sub(" ", folded).translate(_SPACE_UNSPACED)


def fts_query(user_query: str) -> str | None:
    """An FTS5 MATCH expression for what the user typed, or None when nothing is searchable.

    Every word must match (AND); the last character of each word may be followed by more
    (prefix search). User input never reaches FTS5 syntax unquoted.
    """
    terms: list[str] = []
    for word in _WORD.findall(fold(user_query)):
        pieces = _UNSPACED_CHAR.sub(r" \1 ", word).split()
        if not pieces:
            continue
        phrase = " ".join(pieces).replace('"', "")
        # A prefix on the phrase's last token: "harass" finds "harassment"; a CJK phrase is a
        # run of single-character tokens, so this is a substring search there.
        terms.append(f'"{phrase}"*')
    return " AND ".join(terms) if terms else None


def match_spans(text: str, user_query: str) -> list[tuple[int, int]]:
    """Where the words of ``user_query`` occur in ``text`` as the search matches them (folded:
    case and marks ignored), as sorted, merged (start, end) offsets into ``text`` itself — for
    highlighting a result."""
    words = [w for w in _WORD.findall(fold(user_query)) if w]
    if not words or not text:
        return []
    # Fold character by character, remembering where each folded character came from.
    folded_parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = fold(char)
        folded_parts.append(piece)
        origin.extend([index] * len(piece))
    folded = "".join(folded_parts)
    spans: list[tuple[int, int]] = []
    for word in words:
        start = folded.find(word)
        while start >= 0:
            end = start + len(word)
            spans.append((origin[start], origin[end - 1] + 1))
            start = folded.find(word, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def text_direction(text: str) -> str | None:
    """``"rtl"`` or ``"ltr"`` after the first strong character of ``text`` (as a paragraph
    with ``dir=auto``), or None when it has none (digits, punctuation only)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None
