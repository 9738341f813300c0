"""The completeness check: every language has every section, in step with English.

Problems are values, not exceptions, so the CLI can list them all and the test suite can
assert there are none.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from advisor_desktop.guides.errors import GuideError
from advisor_desktop.guides.fill import has_contact_details
from advisor_desktop.guides.languages import SOURCE_LOCALE
from advisor_desktop.guides.model import (
    PLACEHOLDER,
    SECTION_FILES,
    GuideSection,
    discover_languages,
    read_section,
)
from advisor_desktop.guides.notices import FIELDS, NOTICES_FILE, load_notices
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.profile import CHANNEL_IDS, OrgProfile

#: Problems of ``notices.json``, not of a guide: a language without its own notice shows the
#: English one, so these never make a guide incomplete or refuse a pack (packs carry guide
#: files only; the notices come with the application).
NOTICE_KINDS = frozenset({"missing-notice", "bad-notice"})

_FORBIDDEN = (
    (re.compile(r"<[A-Za-z/!]"), "html"),
    (re.compile(r"!?\[[^\]\n]*\]\("), "link"),
    (re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE), "table"),
)


@dataclass(frozen=True)
class Problem:
    """One way a guide falls short. ``kind`` is a stable machine token."""

    lang: str
    section: int | None
    kind: str
    message: str

    def __str__(self) -> str:
        where = self.lang if self.section is None else f"{self.lang}/{self.section}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class LanguageStatus:
    """Summary of one language for listings: review state and staleness."""

    lang: str
    source_version: int
    reviewed: bool
    stale: bool
    complete: bool


def _load(root: Path, lang: str, problems: list[Problem]) -> dict[int, GuideSection]:
    sections: dict[int, GuideSection] = {}
    for number, name in SECTION_FILES.items():
        path = root / lang / name
        if not path.is_file():
            problems.append(
                Problem(
                    lang,
                    number,
                    "missing-section",
                    _("the file {name} is missing").format(name=name),
                )
            )
            continue
        try:
            section = read_section(path)
        except GuideError as exc:
            problems.append(Problem(lang, number, "malformed", str(exc)))
            continue
        if section.lang != lang:
            problems.append(
                Problem(
                    lang,
                    number,
                    "wrong-lang",
                    _("the front matter says lang {value}").format(value=section.lang),
                )
            )
        if section.number != number:
            problems.append(
                Problem(
                    lang,
                    number,
                    "wrong-section",
                    _("the front matter says section {value}").format(value=section.number),
                )
            )
        sections[number] = section
    return sections


def _check_body(section: GuideSection, problems: list[Problem]) -> None:
    lang, number = section.lang, section.number
    first = next((line for line in section.body.splitlines() if line.strip()), "")
    if not first.startswith("# "):
        problems.append(
            Problem(lang, number, "no-title", _("the body does not start with one # heading"))
        )
    if sum(1 for h in section.headings if h.level == 1) != 1:
        problems.append(
            Problem(lang, number, "title-count", _("the body must have exactly one # heading"))
        )
    for placeholder in section.placeholders:
        kind, _sep, ident = placeholder.partition(":")
        if kind != "contact" or ident not in CHANNEL_IDS:
            problems.append(
                Problem(
                    lang,
                    number,
                    "unknown-placeholder",
                    _("unknown placeholder {name}").format(name=placeholder),
                )
            )
    for line in section.body.splitlines():
        if "{{" in line and not PLACEHOLDER.fullmatch(line.strip()):
            problems.append(
                Problem(
                    lang,
                    number,
                    "placeholder-inline",
                    _("a placeholder must stand on a line of its own"),
                )
            )
            break
    for pattern, kind in _FORBIDDEN:
        if pattern.search(section.body):
            problems.append(
                Problem(
                    lang,
                    number,
                    f"forbidden-{kind}",
                    _("the body uses {what}, which guides must not").format(what=kind),
                )
            )


def _compare(source: GuideSection, other: GuideSection, problems: list[Problem]) -> None:
    lang, number = other.lang, other.number
    src_levels = [h.level for h in source.headings]
    levels = [h.level for h in other.headings]
    if levels != src_levels:
        problems.append(
            Problem(
                lang,
                number,
                "headings",
                _("the headings ({found}) differ from English ({expected})").format(
                    found=" ".join("#" * n for n in levels) or "-",
                    expected=" ".join("#" * n for n in src_levels),
                ),
            )
        )
    if Counter(other.placeholders) != Counter(source.placeholders):
        missing = sorted((Counter(source.placeholders) - Counter(other.placeholders)).elements())
        extra = sorted((Counter(other.placeholders) - Counter(source.placeholders)).elements())
        problems.append(
            Problem(
                lang,
                number,
                "placeholders",
                _("placeholders differ from English (missing: {missing}; extra: {extra})").format(
                    missing=", ".join(missing) or "-", extra=", ".join(extra) or "-"
                ),
            )
        )
    if other.source_version < source.source_version:
        problems.append(
            Problem(
                lang,
                number,
                "stale",
                _("translates source version {found}, English is at {expected}").format(
                    found=other.source_version, expected=source.source_version
                ),
            )
        )
    elif other.source_version > source.source_version:
        problems.append(
            Problem(
                lang,
                number,
                "ahead",
                _("claims source version {found}, newer than English ({expected})").format(
                    found=other.source_version, expected=source.source_version
                ),
            )
        )


def _check_notices(root: Path, langs: Iterable[str], problems: list[Problem]) -> None:
    """Every guide language needs its own notice and page label in ``notices.json``."""
    table = load_notices(root)
    for issue in table.issues:
        problems.append(Problem(issue.lang or NOTICES_FILE, None, "bad-notice", issue.message))
    for lang in langs:
        for field in FIELDS:
            reported = any(i.lang == lang and i.field == field for i in table.issues)
            if field not in table.strings.get(lang, {}) and not reported:
                message = _("{file} has no {key} text for this language").format(
                    file=NOTICES_FILE, key=field
                )
                problems.append(Problem(lang, None, "missing-notice", message))


def check_guides(root: Path, required: Iterable[str] = ()) -> list[Problem]:
    """Every problem of the guides under ``root``; an empty list means complete.

    ``required`` names locales that must be present (the CLI passes all promised ones).
    Review status is not a problem: ``machine`` translations are shown with a notice, which
    every language must have in ``notices.json`` (with its "Page n of N" label).
    """
    problems: list[Problem] = []
    langs = discover_languages(root)
    for lang in required:
        if lang not in langs:
            problems.append(Problem(lang, None, "missing-language", _("the language is missing")))
    if SOURCE_LOCALE not in langs:
        problems.append(
            Problem(SOURCE_LOCALE, None, "missing-source", _("the English source guide is missing"))
        )
        return problems
    source = _load(root, SOURCE_LOCALE, problems)
    for section in source.values():
        _check_body(section, problems)
    for lang in langs:
        if lang == SOURCE_LOCALE:
            continue
        for number, section in _load(root, lang, problems).items():
            _check_body(section, problems)
            if number in source:
                _compare(source[number], section, problems)
    _check_notices(root, langs, problems)
    return problems


def channels_without_contacts(root: Path, profile: OrgProfile) -> list[str]:
    """The channels the guides under ``root`` refer to but ``profile`` gives no way to reach.

    A channel counts when any section of any language has its ``{{contact:<channel-id>}}``
    placeholder and every contact field of the channel in ``profile`` is empty: the guide then
    shows only its name and description. Not a problem of the guides (the organisation fills
    in its profile), so the CLI reports these as warnings. Files that cannot be read and
    channels the profile does not have are left to :func:`check_guides`. The ids come in the
    profile's channel order.
    """
    referred: set[str] = set()
    for lang in discover_languages(root):
        for name in SECTION_FILES.values():
            try:
                section = read_section(root / lang / name)
            except GuideError:
                continue
            for placeholder in section.placeholders:
                kind, _sep, ident = placeholder.partition(":")
                if kind == "contact":
                    referred.add(ident)
    return [
        channel.id
        for channel in profile.channels
        if channel.id in referred and not has_contact_details(profile, channel.id)
    ]


def language_statuses(root: Path) -> list[LanguageStatus]:
    """Review state, source version and staleness of every language under ``root``."""
    problems = check_guides(root)
    source: dict[int, int] = {}
    for number, name in SECTION_FILES.items():
        try:
            source[number] = read_section(root / SOURCE_LOCALE / name).source_version
        except GuideError:
            continue
    result = []
    for lang in discover_languages(root):
        versions, reviewed = [], True
        stale = False
        for number, name in SECTION_FILES.items():
            try:
                section = read_section(root / lang / name)
            except GuideError:
                continue
            versions.append(section.source_version)
            reviewed = reviewed and section.reviewed
            stale = stale or section.source_version < source.get(number, 0)
        broken = any(
            p.lang == lang and p.kind != "stale" and p.kind not in NOTICE_KINDS for p in problems
        )
        result.append(LanguageStatus(lang, min(versions, default=0), reviewed, stale, not broken))
    return result
