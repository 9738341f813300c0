"""Language metadata for guides: the expected locales, own names (Babel), text direction."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError

from advisor_desktop.platform.languages import RTL_LANGUAGES, catalog_name, primary

#: The guide languages the product promises (docs/guides-format.md), English first.
EXPECTED_LOCALES: tuple[str, ...] = (
    "en", "nl", "fr", "es", "pt", "de", "ar", "fa", "ur", "ps", "zh-Hans", "ru", "uk",
    "tr", "id", "hi", "bn", "sw", "am", "ja", "ko", "vi", "th", "pl", "it",
)  # fmt: skip

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


def _capitalise(name: str) -> str:
    # Language pickers show names as titles ("Français"); scripts without case are unchanged.
    return name[:1].upper() + name[1:]


@functools.lru_cache(maxsize=128)
def language_info(code: str) -> LanguageInfo:
    """Metadata for ``code``; an unknown code keeps its code as name and is left-to-right."""
    base = primary(code)
    locale = babel_locale(code)
    if locale is None:
        return LanguageInfo(code, code, code, base in RTL_LANGUAGES, _SCRIPTS.get(code, "Latn"))
    own = locale.get_display_name(locale) or code
    english = locale.get_display_name("en") or code
    rtl = base in RTL_LANGUAGES or locale.character_order == "right-to-left"
    return LanguageInfo(code, _capitalise(own), english, rtl, _SCRIPTS.get(code, "Latn"))


def is_rtl(code: str) -> bool:
    """True for right-to-left guide languages (ar, fa, ur, ps)."""
    return language_info(code).rtl
