"""Language labels for the start-up screens without importing Babel's date machinery."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=64)
def language_label(code: str) -> str:
    """ "Nederlands (nl)": the language's own name (Babel) and its code."""
    try:
        from babel import Locale

        name = Locale.parse(code.replace("-", "_")).get_display_name() or code
    except Exception:  # unknown locale, or Babel missing: show the code
        name = code
    return f"{name[:1].upper()}{name[1:]} ({code})"
