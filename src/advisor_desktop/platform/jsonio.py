"""JSON from files the user or an attacker can change: nesting bounded before parsing.

Python's ``json`` recurses once per ``[`` or ``{``; a file of 100,000 brackets raises
``RecursionError``, which no caller expects. :func:`loads` measures the nesting first (one
linear pass, strings skipped) and refuses a document nested deeper than any of our formats
with :class:`JsonTooDeep`, a :class:`json.JSONDecodeError`: every caller that already turns
invalid JSON into its typed "damaged file" error does the same for this one.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Deeper than any file format of Advisor Desktop nests (profiles: 5 levels).
MAX_DEPTH = 64

# A JSON string (escapes included; an unterminated one runs to the end) or one bracket;
# everything else is skipped. Possessive, so hostile text is scanned in linear time.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\Z)|[\[\]{}]', re.DOTALL)


class JsonTooDeep(json.JSONDecodeError):
    """The document nests arrays or objects deeper than :data:`MAX_DEPTH`."""


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> tuple[int, int]:
    """The deepest nesting of ``text`` (up to ``limit + 1``) and where it was reached."""
    depth = deepest = where = 0
    for match in _TOKENS.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                deepest, where = depth, match.start()
                if deepest > limit:
                    break
        elif bracket in "]}":
            depth -= 1
    return deepest, where


def loads(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` (:class:`JsonTooDeep`).

    Bytes are decoded as UTF-8 (``UnicodeDecodeError`` as usual). ``kwargs`` go to
    ``json.loads`` (``parse_float`` and the like).
    """
    text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    depth, where = nesting_depth(text, max_depth)
    if depth > max_depth:
        raise JsonTooDeep("nested too deeply", text, where)
    try:
        return json.loads(text, **kwargs)
    except RecursionError:  # a smaller stack than the bound assumes: still a damaged file
        raise JsonTooDeep("nested too deeply", text, where) from None
