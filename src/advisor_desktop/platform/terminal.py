"""Text that came from outside (a package, a file name, a typed name), made safe to print.

A terminal obeys what it is sent: ESC and CSI sequences (C0 ``\\x1b[`` or the C1 ``\\x9b``) can
move the cursor, rewrite lines already printed ("Signed by: …"), change the window title or,
on some terminals, write files; bidirectional overrides and isolates (U+202A–U+202E,
U+2066–U+2069) reorder what follows so that the text shown is not the text received. Such
characters are shown as escapes (``\\u001b``, ``\\u202e``), never raw.

The escape form is JSON's, so JSON passed through :func:`safe_for_terminal` stays valid JSON
with the same values, and a reader sees which character was there.
"""

from __future__ import annotations

import json
from typing import Any

# Bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
_BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
# Line and paragraph separators: some terminals and viewers break the line there.
_SEPARATORS = frozenset((0x2028, 0x2029))


def is_unsafe(char: str) -> bool:
    """True for a character that is escaped rather than printed: C0 and C1 controls (tab and
    newline included), DEL, bidi overrides and isolates, line/paragraph separators, and lone
    surrogates (which cannot be encoded for output at all)."""
    code = ord(char)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or code in _BIDI_CONTROLS
        or code in _SEPARATORS
        or 0xD800 <= code <= 0xDFFF
    )


def _escape(char: str) -> str:
    return f"\\u{ord(char):04x}"


def safe_for_terminal(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every unsafe character (see :func:`is_unsafe`) replaced by its escape.

    With ``keep_newlines`` a newline stays a line break (for output that is made of lines on
    purpose, such as indented JSON); every other control is still escaped.
    """
    if keep_newlines:
        return "\n".join(safe_for_terminal(part) for part in text.split("\n"))
    if not any(is_unsafe(c) for c in text):
        return text
    return "".join(_escape(c) if is_unsafe(c) else c for c in text)


def safe_lines(text: str) -> list[str]:
    """A possibly multi-line value as safe lines (the newlines it holds become line breaks;
    the caller indents continuation lines so they cannot pose as lines of their own)."""
    return [safe_for_terminal(line) for line in text.split("\n")]


def json_for_terminal(doc: Any) -> str:
    """``doc`` as indented JSON (UTF-8 text kept readable) that is safe to print.

    ``json.dumps`` escapes C0 controls but not C1 controls, bidi controls or separators; they
    are escaped here in JSON's own notation, so the output parses to exactly ``doc``.
    """
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True)
    return safe_for_terminal(text, keep_newlines=True)
