"""A referral in words: what the desk will read, field by field, in the UI language.

The advisor's preview shows this beside the exact JSON: the category's name rather than its id,
the period as "September 2026" or "3rd quarter 2026", the language's name, the summary as it
travels; no referral id, key id or ``key: value`` dump. Dates and names come from Babel's CLDR
data in the active UI language; the labels go through the message catalogs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton

from advisor_desktop.platform.i18n import N_, _, active_locale
from advisor_desktop.platform.languages import language_name
from advisor_desktop.protocol.referral_package import (
    ACTION_SECRETARY_GENERAL,
    ReferralContent,
)
from advisor_desktop.protocol.referral_terms import ConsentMethod, Granularity, Scope

#: The visitor roles as the record editor names them (the same messages).
ROLE_WORDS: dict[str, str] = {
    "locally-employed": N_("Locally employed"),
    "seconded": N_("Seconded"),
    "hq": N_("HQ"),
    "external": N_("External (e.g. NGO staff)"),
    "other": N_("Other"),
}
METHOD_WORDS: dict[str, str] = {
    ConsentMethod.ON_SCREEN.value: N_("given on screen"),
    ConsentMethod.VERBAL.value: N_("given verbally"),
    ConsentMethod.WRITTEN.value: N_("given in writing"),
}
_SKELETONS = {Granularity.DAY: "yMMMMd", Granularity.MONTH: "yMMMM", Granularity.QUARTER: "yQQQQ"}
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class WordsLine:
    """One field of the referral in words: its label and its text. ``language`` is set for
    free text in the visitor's words (the summary): its language, so a view can lay it out in
    that language's direction, or "" when the language is not shared; None for the UI's own
    words."""

    label: str
    text: str
    language: str | None = None


@lru_cache(maxsize=8)
def _babel_locale(code: str) -> Locale:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")  # the pseudo-locale and any other without CLDR data


def period_words(value: str, granularity: Granularity | None = None) -> str:
    """A payload time in words in the UI language: ``2026-09`` → "September 2026",
    ``2026-Q3`` → "3rd quarter 2026", ``2026-09-14`` (or a full UTC stamp) → the day. A value
    that is none of these is returned as it is."""
    locale = _babel_locale(active_locale())
    if (match := _QUARTER.match(value)) is not None:
        day = dt.date(int(match[1]), (int(match[2]) - 1) * 3 + 1, 1)
        return str(format_skeleton(_SKELETONS[Granularity.QUARTER], day, locale=locale))
    if (match := _MONTH.match(value)) is not None:
        month = int(match[2])
        if 1 <= month <= 12:
            day = dt.date(int(match[1]), month, 1)
            return str(format_skeleton(_SKELETONS[Granularity.MONTH], day, locale=locale))
    if (match := _DAY.match(value)) is not None:
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return value
        return str(format_skeleton(_SKELETONS[Granularity.DAY], day, locale=locale))
    return value


def _category_fallback(key: str) -> str:
    """A category the profile does not name: its id in words ("sexual harassment")."""
    text = key.replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def referral_words(
    content: ReferralContent, category_label: Callable[[str], str] | None = None
) -> list[WordsLine]:
    """``content`` as the desk will read it, in words, one :class:`WordsLine` a field.

    ``category_label`` names a category id in the UI language (the organisation profile's
    label); without it, or when it raises ``KeyError``, the id is written out in words.
    Only what the payload holds is shown, and nothing of its internal ids.
    """
    label_of = category_label or _category_fallback

    def category(key: str) -> str:
        try:
            return label_of(key)
        except KeyError:
            return _category_fallback(key)

    lines: list[WordsLine] = [
        WordsLine(_("For the desk"), content.desk),
        WordsLine(
            _("The desk is asked to"),
            _("assess the report and bring it to the Secretary-General")
            if content.requested_action == ACTION_SECRETARY_GENERAL
            else _("assess the report"),
        ),
    ]
    shared: dict[str, Any] = content.content
    if Scope.CATEGORY.value in shared:
        names = [category(k) for k in shared[Scope.CATEGORY.value]]
        lines.append(WordsLine(_("Kind of concern"), ", ".join(names) or _("(none given)")))
    if Scope.ROLE.value in shared:
        role = shared[Scope.ROLE.value]
        lines.append(WordsLine(_("Role"), _(ROLE_WORDS[role]) if role in ROLE_WORDS else role))
    if Scope.POST.value in shared:
        lines.append(WordsLine(_("Post"), shared[Scope.POST.value]))
    if Scope.REGION.value in shared:
        lines.append(WordsLine(_("Region"), shared[Scope.REGION.value]))
    if Scope.PERIOD.value in shared:
        period = shared[Scope.PERIOD.value]
        lines.append(
            WordsLine(
                _("When it happened"),
                period_words(period["value"], Granularity(period["granularity"])),
            )
        )
    lines.append(
        WordsLine(
            _("Language of the conversation"),
            _language(content.language) if content.language else _("not shared"),
        )
    )
    if Scope.CONTACT.value in shared:
        contact = shared[Scope.CONTACT.value]
        lines.append(
            WordsLine(
                _("Contact"),
                _("only through the advisor")
                if contact.get("via") == "advisor"
                else _("the visitor's own contact: {contact}").format(contact=contact["text"]),
            )
        )
    lines.append(WordsLine(_("Consent"), _consent_words(content)))
    if content.created is not None:
        lines.append(WordsLine(_("Referral made"), period_words(content.created)))
    if Scope.SUMMARY.value in shared:
        summary = shared[Scope.SUMMARY.value]
        lines.append(WordsLine(_("Summary"), summary or _("(empty)"), content.language or ""))
    return lines


def _language(code: str) -> str:
    """The name of language ``code`` in the UI language (in English when the UI language has
    no CLDR data, as the pseudo-locale)."""
    name = language_name(code, active_locale())
    return name if name != code else language_name(code, "en")


def _consent_words(content: ReferralContent) -> str:
    consent = content.consent
    method = str(consent.get("method", ""))
    parts = [
        _(METHOD_WORDS[method]) if method in METHOD_WORDS else method,
        _("statement version {version}").format(version=consent.get("statement_version", "")),
    ]
    given = consent.get("given")
    if given:
        parts.append(period_words(str(given)))
    statement_language = consent.get("language")
    if statement_language:
        parts.append(
            _("statement read in {language}").format(language=_language(str(statement_language)))
        )
    return "; ".join(parts)
