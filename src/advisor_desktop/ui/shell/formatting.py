"""Dates, language names and coded labels for display, in the active UI language (Babel)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_format_date
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QDateEdit

from advisor_desktop.notebook.models import ROLE_LABELS, STATUS_LABELS
from advisor_desktop.platform.i18n import _, active_locale
from advisor_desktop.protocol.profile import OrgProfile


@lru_cache(maxsize=8)
def _locale(code: str) -> Locale:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


QT_LOCALES = {"zh_Hans": "zh_CN", "ar": "ar_001"}
"""Qt locale names where they differ from ours. Arabic is Modern Standard Arabic (ar_001),
which writes Western digits as Babel's Arabic does: one digit system on every screen."""


def qt_locale_name(lang: str) -> str:
    """The Qt locale whose formats (date fields, number fields) match ``lang``'s Babel ones."""
    code = lang.replace("-", "_")
    if code.lower().startswith("en_xa"):
        return "en_US"  # the pseudo-locale keeps English formats
    return QT_LOCALES.get(code, code)


_QT_FIELDS = {
    "y": "yyyy",
    "yy": "yy",
    "yyy": "yyyy",
    "yyyy": "yyyy",
    "M": "M",
    "MM": "MM",
    "MMM": "MMM",
    "MMMM": "MMMM",
    "L": "M",
    "LL": "MM",
    "LLL": "MMM",
    "LLLL": "MMMM",
    "d": "d",
    "dd": "dd",
    "E": "ddd",
    "EE": "ddd",
    "EEE": "ddd",
    "EEEE": "dddd",
}


def qt_date_pattern(cldr: str) -> str:
    """A CLDR date pattern (Babel's) as a Qt display format: same fields, same literals."""
    out: list[str] = []
    i = 0
    while i < len(cldr):
        char = cldr[i]
        if char == "'":
            end = cldr.find("'", i + 1)
            if end == i + 1:  # '' is a quote
                out.append("''")
                i += 2
                continue
            end = len(cldr) if end < 0 else end
            out.append("'" + cldr[i + 1 : end].replace("'", "''") + "'")
            i = end + 1
            continue
        if char.isascii() and char.isalpha():
            j = i
            while j < len(cldr) and cldr[j] == char:
                j += 1
            out.append(_QT_FIELDS.get(cldr[i:j], ""))
            i = j
            continue
        out.append(char)
        i += 1
    return "".join(out)


def date_display_format(fmt: str = "medium") -> str:
    """The Qt display format of dates in the active UI language (as :func:`format_date`)."""
    return qt_date_pattern(_locale(active_locale()).date_formats[fmt].pattern)


def use_date_format(edit: QDateEdit) -> None:
    """Make a date field show dates exactly as the lists and titles do.

    In a right-to-left window Qt reverses a date field's sections ("2026/10/18" for
    "18/10/2026"), while the pattern's own marks already order them for right-to-left
    reading: the field keeps the pattern's logical order, so it reads like the labels."""
    edit.setLocale(QLocale(qt_locale_name(active_locale())))
    if edit.isRightToLeft():
        edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    edit.setDisplayFormat(date_display_format())


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
