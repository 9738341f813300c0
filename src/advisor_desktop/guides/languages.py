"""Language metadata for guides: the expected locales, own names (Babel), text direction."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError

from advisor_desktop.platform.languages import (
    GUIDE_LANGUAGES,
    RTL_LANGUAGES,
    catalog_name,
    language_name,
    primary,
)

#: The guide languages the product promises (docs/guides-format.md), English first.
EXPECTED_LOCALES = GUIDE_LANGUAGES

SOURCE_LOCALE = "en"

#: The main script of each guide language, used to pick a font (ISO 15924 codes).
_SCRIPTS = {
    "ar": "Arab", "fa": "Arab", "ur": "Arab", "ps": "Arab",
    "zh-Hans": "Hans", "ja": "Jpan", "ko": "Kore",
    "ru": "Cyrl", "uk": "Cyrl",
    "hi": "Deva", "bn": "Beng", "am": "Ethi", "th": "Thai",
}  # fmt: skip


@dataclass(frozen=True)
class LanguageInfo:
    """How a guide language presents itself: its own name in its own script, direction."""

    code: str
    own_name: str
    english_name: str
    rtl: bool
    script: str

    @property
    def direction(self) -> str:
        """``rtl`` or ``ltr``."""
        return "rtl" if self.rtl else "ltr"


def babel_locale(code: str) -> Locale | None:
    """The Babel locale for a guide folder name (``zh-Hans`` → ``zh_Hans``), or None."""
    try:
        return Locale.parse(catalog_name(code))
    except (UnknownLocaleError, ValueError):
        return None


@functools.lru_cache(maxsize=128)
def language_info(code: str) -> LanguageInfo:
    """Metadata for ``code``; an unknown code keeps its code as name and is left-to-right."""
    base = primary(code)
    locale = babel_locale(code)
    script = _SCRIPTS.get(code, "Latn")
    if locale is None:
        return LanguageInfo(code, code, code, base in RTL_LANGUAGES, script)
    rtl = base in RTL_LANGUAGES or locale.character_order == "right-to-left"
    return LanguageInfo(code, language_name(code), language_name(code, "en"), rtl, script)
