"""Translation functions for every user-visible string.

The composition root calls :func:`activate` once with the chosen locale; everything else
imports ``_``, ``ngettext`` (and, where one English word has two meanings, ``pgettext`` or
``npgettext`` with a context) from here so Babel's extractor finds the strings. The active
catalog is process state on purpose: a message is translated where it is raised, and there is
only ever one UI language at a time.
"""

from __future__ import annotations

import gettext as _gettext
from pathlib import Path

from advisor_desktop.platform import languages

DOMAIN = "advisor_desktop"

_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_active_locale = "en"


def locale_dir() -> Path:
    """Where compiled ``.mo`` catalogs are looked up (inside the installed package)."""
    return languages.locale_dir()


def activate(locale: str, directory: Path | None = None) -> None:
    """Make ``locale`` the language of every later ``_()`` call (falls back to English).

    Any spelling of a tag is accepted (``zh_Hans``, ``zh-hans``); :func:`active_locale` then
    gives the canonical one (``zh-Hans``), which is what profiles and guides are keyed by.
    """
    global _translations, _active_locale
    folder = directory or locale_dir()
    try:
        tag = languages.normalise_tag(locale)
    except ValueError:
        tag = languages.SOURCE_LANGUAGE
    _translations = _gettext.translation(
        DOMAIN, localedir=str(folder), languages=[languages.catalog_name(tag)], fallback=True
    )
    _active_locale = tag


def active_locale() -> str:
    """The language last passed to :func:`activate`, canonical (``en`` by default)."""
    return _active_locale


def _(message: str) -> str:
    """Translate ``message`` into the active language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a plural form, chosen by the active language's rules."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate ``message`` as meant in ``context`` (one English word, two meanings)."""
    return _translations.pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """Translate a message with a plural form, as meant in ``context``."""
    return _translations.npgettext(context, singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (translated at display)."""
    return message
