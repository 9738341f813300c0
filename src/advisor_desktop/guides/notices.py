"""Short notices printed with a guide, in the guide's own language (``notices.json``).

A visitor reads the guide in their language, so what is printed around it must be in that
language too: the "not yet reviewed by a native speaker" notice of a machine translation and
the "Page n of N" footer of the PDF. They come from ``resources/guides/notices.json``::

    {"ar": {"not_reviewed": "…", "page": "صفحة {page} من {pages}"}, …}

Every guide language needs both strings (the completeness check reports a missing one). At
run time a missing or invalid string falls back to the language's base (``pt`` for
``pt-BR``), then to English, and never stops a guide from being shown or printed.

Signed guide packs carry only guide files, so the notices always come from ``<root>/notices.json``
when a folder has one, else from the shipped guides.
"""

from __future__ import annotations

import json
import logging
import re
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from advisor_desktop.guides.languages import SOURCE_LOCALE
from advisor_desktop.platform import jsonio
from advisor_desktop.platform.i18n import _, ngettext
from advisor_desktop.platform.paths import resources_dir

log = logging.getLogger(__name__)

NOTICES_FILE = "notices.json"
#: The strings each language provides, with the ``{fields}`` each must contain exactly once.
FIELDS: dict[str, frozenset[str]] = {
    "not_reviewed": frozenset(),
    "page": frozenset({"page", "pages"}),
}
#: Used when the file lacks English or cannot be read at all.
ENGLISH: dict[str, str] = {
    "not_reviewed": "Not yet reviewed by a native speaker.",
    "page": "Page {page} of {pages}",
}
MAX_CHARS = 160
MAX_FILE_BYTES = 64 * 1024
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$")


@dataclass(frozen=True)
class NoticeIssue:
    """One problem of the notices file; ``lang`` is None for the file as a whole."""

    lang: str | None
    field: str | None
    message: str


@dataclass(frozen=True)
class NoticeTable:
    """The valid strings of a notices file, per language and field, and what was wrong."""

    strings: dict[str, dict[str, str]]
    issues: tuple[NoticeIssue, ...]

    def lookup(self, lang: str, field: str) -> str:
        """The string for ``lang``, else its base language, else English (always a string)."""
        for candidate in (lang, lang.split("-")[0], SOURCE_LOCALE):
            text = self.strings.get(candidate, {}).get(field)
            if text is not None:
                return text
        return ENGLISH[field]

    def review_notice(self, lang: str) -> str:
        """The "not yet reviewed by a native speaker" notice in ``lang``."""
        return self.lookup(lang, "not_reviewed")

    def page_label(self, lang: str, page: int, pages: int) -> str:
        """ "Page ``page`` of ``pages``" in ``lang`` (Western digits, as in the guides)."""
        return self.lookup(lang, "page").format(page=page, pages=pages)


def notices_path(root: Path | None = None) -> Path:
    """``root/notices.json`` when it exists, else the shipped one (packs carry none)."""
    if root is not None and (root / NOTICES_FILE).is_file():
        return root / NOTICES_FILE
    return resources_dir() / "guides" / NOTICES_FILE


def _forbidden(ch: str) -> bool:
    # Line breaks and control characters break the one-line footer; bidi embeddings and
    # overrides could reorder it. Joiners (ZWNJ, ZWJ) are ordinary in Persian and Indic text.
    return unicodedata.category(ch) in {"Cc", "Zl", "Zp"} or "\u202a" <= ch <= "\u202e"


def _field_ok(field: str, value: object) -> bool:
    """True when ``value`` is one short line holding exactly the fields ``field`` needs."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_CHARS:
        return False
    if any(_forbidden(ch) for ch in value):
        return False
    try:
        parsed = list(string.Formatter().parse(value))
    except ValueError:  # an unmatched brace
        return False
    names = [name for _text, name, _spec, _conv in parsed if name is not None]
    plain = all(not spec and not conv for _t, name, spec, conv in parsed if name is not None)
    return plain and sorted(names) == sorted(FIELDS[field])


def _unreadable() -> NoticeTable:
    message = _("{file} cannot be read as a JSON object").format(file=NOTICES_FILE)
    return NoticeTable({}, (NoticeIssue(None, None, message),))


def parse_notices(text: str) -> NoticeTable:
    """Validate the text of a notices file; invalid entries are left out and listed."""
    try:
        doc = jsonio.loads(text)
    except json.JSONDecodeError:
        return _unreadable()
    if not isinstance(doc, dict):
        return _unreadable()
    issues: list[NoticeIssue] = []
    strings: dict[str, dict[str, str]] = {}
    for lang, entry in doc.items():
        if not _LANG.match(lang) or not isinstance(entry, dict):
            message = _("{file}: unknown key {key}").format(file=NOTICES_FILE, key=lang)
            issues.append(NoticeIssue(None, None, message))
            continue
        valid: dict[str, str] = {}
        for field, value in entry.items():
            if field not in FIELDS:
                message = _("{file}: unknown key {key}").format(file=NOTICES_FILE, key=field)
                issues.append(NoticeIssue(lang, field, message))
            elif _field_ok(field, value):
                valid[field] = value.strip()
            else:
                fields = " ".join("{" + name + "}" for name in sorted(FIELDS[field])) or "-"
                message = ngettext(
                    "{file}: {key} must be one line of at most {n} character, "
                    "with exactly these fields: {fields}",
                    "{file}: {key} must be one line of at most {n} characters, "
                    "with exactly these fields: {fields}",
                    MAX_CHARS,
                ).format(file=NOTICES_FILE, key=field, n=MAX_CHARS, fields=fields)
                issues.append(NoticeIssue(lang, field, message))
        strings[lang] = valid
    return NoticeTable(strings, tuple(issues))


def read_notices(path: Path) -> NoticeTable:
    """Read and validate a notices file; an unreadable file gives an empty table and an issue."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return _unreadable()
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return _unreadable()
    return parse_notices(text.lstrip("\ufeff"))


_cache: dict[Path, tuple[tuple[int, int], NoticeTable]] = {}


def load_notices(root: Path | None = None) -> NoticeTable:
    """The notices for guides under ``root`` (see :func:`notices_path`), cached per file."""
    path = notices_path(root)
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (-1, -1)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    table = read_notices(path)
    if table.issues:
        log.warning("guide_notices_issues count=%s", len(table.issues))
    _cache[path] = (stamp, table)
    return table


def review_notice(lang: str, root: Path | None = None) -> str:
    """ "Not yet reviewed by a native speaker." in ``lang`` (English fallback)."""
    return load_notices(root).review_notice(lang)


def page_label(lang: str, page: int, pages: int, root: Path | None = None) -> str:
    """ "Page ``page`` of ``pages``" in ``lang`` (English fallback)."""
    return load_notices(root).page_label(lang, page, pages)
