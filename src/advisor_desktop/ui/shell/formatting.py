"""Dates, language names and coded labels for display, in the active UI language (Babel)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_format_date

from advisor_desktop.notebook.models import ROLE_LABELS, STATUS_LABELS
from advisor_desktop.platform.i18n import _, active_locale
from advisor_desktop.protocol.profile import OrgProfile


@lru_cache(maxsize=8)
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_date(day: dt.date | None, fmt: str = "medium") -> str:
    """``day`` in the active locale ("" for None)."""
    if day is None:
        return ""
    return str(_babel_format_date(day, format=fmt, locale=_locale(active_locale())))


@lru_cache(maxsize=64)
def language_name(code: str, in_locale: str | None = None) -> str:
    """The name of language ``code`` (in ``in_locale``, default: itself), or the code."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(
            _locale(in_locale) if in_locale else None
        )
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:] if name else code


def role_label(role: str) -> str:
    """Translated label of a visitor role."""
    return _(ROLE_LABELS.get(role, role))


def status_label(status: str) -> str:
    """Translated label of a record status."""
    return _(STATUS_LABELS.get(status, status))


def category_labels(profile: OrgProfile, ids: tuple[str, ...]) -> str:
    """Profile labels of category ids in the active language, comma-separated."""
    lang = active_locale()
    names: list[str] = []
    for key in ids:
        try:
            names.append(profile.category(key).label(lang))
        except KeyError:
            names.append(key)
    return ", ".join(names)
