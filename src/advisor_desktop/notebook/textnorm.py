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


def fold(text: str) -> str:
    """Casefold and strip combining marks (é→e, Ё→е, Arabic harakat removed)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped.casefold())


def normalize_for_index(text: str) -> str:
    """Text as it is stored in the full-text index."""
    return _UNSPACED_CHAR.sub(r" \1 ", fold(text))


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
