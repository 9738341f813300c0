"""Search within one guide: paragraphs that contain every word of the query.

Matching is case- and accent-insensitive in every script (the notebook's ``fold``); scripts
written without spaces (Chinese, Japanese, Thai) match as substrings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from advisor_desktop.guides.model import Guide, headings_of
from advisor_desktop.platform.textnorm import fold

_WORD = re.compile(r"\w+", re.UNICODE)
_MARKUP = re.compile(r"^\s*(#{1,6}\s+|[-*+]\s+)|\*\*|\\")
SNIPPET_CHARS = 160


@dataclass(frozen=True)
class GuideHit:
    """A paragraph that matches: its section, the heading above it and a short snippet."""

    section: int
    heading: str
    snippet: str


def _paragraphs(body: str) -> list[tuple[str, str]]:
    """(nearest heading, paragraph text) pairs; list items count as paragraphs of their own."""
    result: list[tuple[str, str]] = []
    heading = ""
    block: list[str] = []

    def flush() -> None:
        if block:
            result.append((heading, " ".join(block)))
            block.clear()

    for line in body.splitlines():
        found = headings_of(line)
        if found:
            flush()
            heading = found[0].text
            result.append((heading, heading))
        elif not line.strip() or re.match(r"^\s*[-*+]\s+", line):
            flush()
            if line.strip():
                block.append(_MARKUP.sub("", line).strip())
        else:
            block.append(_MARKUP.sub("", line).strip())
    flush()
    return result


def search_guide(guide: Guide, query: str, limit: int = 50) -> list[GuideHit]:
    """Paragraphs of ``guide`` containing every word of ``query``, in reading order."""
    words = [fold(w) for w in _WORD.findall(query)]
    words = [w for w in words if w]
    if not words:
        return []
    hits: list[GuideHit] = []
    for section in guide.sections:
        for heading, text in _paragraphs(section.body):
            folded = fold(text)
            if all(w in folded for w in words):
                snippet = _snippet(text, folded, words[0])
                hits.append(GuideHit(section.number, heading, snippet))
                if len(hits) >= limit:
                    return hits
    return hits


def _snippet(text: str, folded: str, word: str) -> str:
    """About ``SNIPPET_CHARS`` of ``text`` around the first match of ``word``."""
    if len(text) <= SNIPPET_CHARS:
        return text
    # Folding can change lengths slightly (é → e); the ratio keeps the window near the match.
    at = folded.find(word)
    centre = int(at * len(text) / max(len(folded), 1)) if at >= 0 else 0
    start = max(0, min(centre - SNIPPET_CHARS // 3, len(text) - SNIPPET_CHARS))
    piece = text[start : start + SNIPPET_CHARS]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET_CHARS < len(text) else "")
