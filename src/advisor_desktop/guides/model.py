"""Guide files: one Markdown file per section with a small front-matter block.

See ``docs/guides-format.md``. Parsing is strict and never trusts the file: a bad front
matter raises :class:`GuideError` naming the file, never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from advisor_desktop.guides.errors import GuideError, GuideNotFound
from advisor_desktop.guides.languages import LanguageInfo, language_info
from advisor_desktop.platform.i18n import _

#: Section number → file name, the same in every language.
SECTION_FILES: dict[int, str] = {
    1: "01-advisor.md",
    2: "02-options.md",
    3: "03-after-report.md",
    4: "04-protection.md",
    5: "05-topics.md",
    6: "06-contacts.md",
}
REVIEW_STATES = ("machine", "reviewed")
MAX_FILE_BYTES = 256 * 1024

_LOCALE_DIR = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
PLACEHOLDER = re.compile(r"\{\{\s*([a-z]+):([A-Za-z0-9-]+)\s*\}\}")


@dataclass(frozen=True)
class Heading:
    """A Markdown heading: its level (1–6) and text."""

    level: int
    text: str


@dataclass(frozen=True)
class GuideSection:
    """One section of a guide in one language, as read from its file."""

    lang: str
    number: int
    source_version: int
    review: str
    body: str
    path: Path

    @property
    def title(self) -> str:
        """The text of the first ``#`` heading (the file name when there is none)."""
        for heading in self.headings:
            if heading.level == 1:
                return heading.text
        return self.path.stem

    @property
    def headings(self) -> tuple[Heading, ...]:
        """Every heading of the body, in order."""
        return headings_of(self.body)

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every placeholder (``contact:manager`` …) in order of appearance."""
        return tuple(f"{m.group(1)}:{m.group(2)}" for m in PLACEHOLDER.finditer(self.body))

    @property
    def reviewed(self) -> bool:
        """True once a native speaker reviewed the translation."""
        return self.review == "reviewed"


@dataclass(frozen=True)
class Guide:
    """All sections of one language, ordered by number."""

    lang: str
    sections: tuple[GuideSection, ...]

    @property
    def info(self) -> LanguageInfo:
        """Own name, direction and script of the language."""
        return language_info(self.lang)

    @property
    def reviewed(self) -> bool:
        """True when every section was reviewed by a native speaker."""
        return all(s.reviewed for s in self.sections)

    @property
    def source_version(self) -> int:
        """The lowest English source version any section translates."""
        return min((s.source_version for s in self.sections), default=0)

    def section(self, number: int) -> GuideSection:
        """The section with ``number`` (1–6)."""
        for section in self.sections:
            if section.number == number:
                return section
        raise GuideNotFound(
            _("The guide in {lang} has no section {number}.").format(lang=self.lang, number=number)
        )


def headings_of(body: str) -> tuple[Heading, ...]:
    """The ATX headings of a Markdown body (fenced code is not used in guides)."""
    found = []
    for line in body.splitlines():
        match = _HEADING.match(line)
        if match:
            found.append(Heading(len(match.group(1)), match.group(2)))
    return tuple(found)


def _bad(path: Path, what: str) -> GuideError:
    return GuideError(
        _("The guide file {lang}/{name} is invalid: {what}").format(
            lang=path.parent.name, name=path.name, what=what
        )
    )


def parse_section(text: str, path: Path) -> GuideSection:
    """Parse one guide file (front matter + Markdown body); ``path`` names it in errors."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise _bad(path, _("it does not start with a front-matter block"))
    try:
        end = next(i for i in range(1, min(len(lines), 40)) if lines[i].strip() == "---")
    except StopIteration:
        raise _bad(path, _("the front-matter block is not closed")) from None
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise _bad(path, _("a front-matter line has no colon"))
        meta[key.strip()] = value.strip()
    for key in ("lang", "section", "source_version", "review"):
        if key not in meta:
            raise _bad(path, _("the front matter has no {key}").format(key=key))
    try:
        number = int(meta["section"])
        version = int(meta["source_version"])
    except ValueError:
        raise _bad(path, _("section and source_version must be whole numbers")) from None
    if meta["review"] not in REVIEW_STATES:
        raise _bad(path, _("review must be machine or reviewed"))
    body = "\n".join(lines[end + 1 :]).strip("\n") + "\n"
    return GuideSection(meta["lang"], number, version, meta["review"], body, path)


def read_section(path: Path) -> GuideSection:
    """Read and parse a guide file from disk."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _bad(path, _("the file is too large"))
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise GuideNotFound(
            _("The guide file {lang}/{name} is missing.").format(
                lang=path.parent.name, name=path.name
            )
        ) from None
    except (OSError, UnicodeDecodeError):
        raise _bad(path, _("it cannot be read as UTF-8 text")) from None
    return parse_section(text, path)


def discover_languages(root: Path) -> list[str]:
    """The locale folders under ``root`` that hold at least one section file, sorted."""
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        if (
            child.is_dir()
            and _LOCALE_DIR.match(child.name)
            and any((child / name).is_file() for name in SECTION_FILES.values())
        ):
            found.append(child.name)
    return sorted(found)


def load_guide(root: Path, lang: str) -> Guide:
    """Every section of ``lang`` under ``root`` (raises when a section is missing or bad)."""
    if not _LOCALE_DIR.match(lang) or not (root / lang).is_dir():
        raise GuideNotFound(_("There is no guide in the language {lang}.").format(lang=lang))
    sections = tuple(read_section(root / lang / name) for name in SECTION_FILES.values())
    return Guide(lang, sections)
