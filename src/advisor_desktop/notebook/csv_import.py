"""Import conversations from a spreadsheet export (CSV, UTF-8, header row).

Required columns: ``date,channel,role,categories,options,agreed,follow_up,status,language,notes``
(``alias`` and ``identifiers`` are optional). Coded values are given by id or English label,
case-insensitive; ``categories``, ``options`` and ``identifiers`` are separated by ``;``
(identifiers are stored as the record editor stores them: each name trimmed, empty ones left
out). Every bad row is reported with its line number and column, never with the content of
its cells; nothing is imported unless the caller asks to skip invalid rows. A cell whose
quote is never closed makes the whole file unusable (it would swallow every later row).
Columns the importer does not know are listed in :attr:`ParsedCsv.unknown_columns`: the
command line refuses the file unless told to ignore them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from advisor_desktop.notebook.models import (
    CHANNEL_LABELS,
    MAX_TEXT,
    ROLE_LABELS,
    STATUS_LABELS,
    ContactChannel,
    ConversationRecord,
    Status,
    VisitorRole,
)
from advisor_desktop.platform.errors import ValidationError
from advisor_desktop.platform.i18n import N_, _, ngettext
from advisor_desktop.platform.terminal import safe_for_terminal
from advisor_desktop.protocol.profile import Labelled, OrgProfile

REQUIRED_COLUMNS = (
    "date",
    "channel",
    "role",
    "categories",
    "options",
    "agreed",
    "follow_up",
    "status",
    "language",
    "notes",
)
OPTIONAL_COLUMNS = ("alias", "identifiers")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_BYTES = 200 * 1024 * 1024

# A date, optionally with the time a spreadsheet adds to a date cell; nothing else after it.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` (optionally followed by ``THH:MM[:SS]`` or `` HH:MM[:SS]``) as a date.

    The whole text must be a date: ``2026-03-01garbage`` is refused (``ValueError``).
    """
    if not _DATE.fullmatch(text):
        raise ValueError("not a date")
    return dt.datetime.fromisoformat(text).date() if len(text) > 10 else dt.date.fromisoformat(text)


@dataclass(frozen=True)
class RowError:
    """One problem in one CSV line (1-based line number as a spreadsheet shows it), and the
    column it is in when it is in one cell. The message never repeats the cell's content."""

    line: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        if self.column is None:
            return _("line {line}: {message}").format(line=self.line, message=self.message)
        return _("line {line}, column {column}: {message}").format(
            line=self.line, column=self.column, message=self.message
        )


class CsvImportError(ValidationError):
    """The file has invalid rows (or is not a usable CSV at all)."""

    def __init__(self, message: str, errors: tuple[RowError, ...] = ()) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class ParsedCsv:
    """Valid records, the errors of the rows that were not, and the header's columns the
    importer does not know (their cells were not read)."""

    records: tuple[ConversationRecord, ...]
    errors: tuple[RowError, ...]
    unknown_columns: tuple[str, ...] = ()


class _CellError(ValueError):
    """A bad value in one column (the message names what is wrong, not the value)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _lookup(mapping: dict[str, str], value: str) -> str | None:
    key = value.strip().casefold()
    return mapping.get(key)


def _code_map(ids_and_labels: Iterable[tuple[str, str]]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for ident, label in ids_and_labels:
        mapping[ident.casefold()] = ident
        mapping[label.casefold()] = ident
    return mapping


def _labelled_map(items: Iterable[Labelled]) -> dict[str, str]:
    return _code_map((item.id, item.label("en")) for item in items)


def split_identifiers(value: str) -> tuple[str, ...]:
    """The names of a ``;``-separated list, as the record editor stores them: trimmed, empty
    ones left out, in their order."""
    return tuple(p.strip() for p in value.split(";") if p.strip())


# The message for a value that is not one of a coded column's ids or English labels.
_UNKNOWN = {
    "channel": N_("not a known channel (give its id or English label)"),
    "role": N_("not a known role (give its id or English label)"),
    "category": N_("not a known category (give its id or English label)"),
    "option": N_("not a known option (give its id or English label)"),
    "status": N_("not a known status (give its id or English label)"),
}


class _RowParser:
    def __init__(self, profile: OrgProfile) -> None:
        self.channels = _code_map(CHANNEL_LABELS.items())
        self.roles = _code_map(ROLE_LABELS.items())
        self.statuses = _code_map(STATUS_LABELS.items())
        self.categories = _labelled_map(profile.categories)
        self.options = _labelled_map(profile.options)
        self.category_ids = {c.id for c in profile.categories}
        self.option_ids = {o.id for o in profile.options}

    def one(self, mapping: dict[str, str], value: str, column: str, what: str) -> str:
        found = _lookup(mapping, value)
        if found is None:
            raise _CellError(column, _(_UNKNOWN[what]))
        return found

    def many(self, mapping: dict[str, str], value: str, column: str, what: str) -> tuple[str, ...]:
        parts = [p for p in (x.strip() for x in value.split(";")) if p]
        return tuple(dict.fromkeys(self.one(mapping, p, column, what) for p in parts))

    def date(self, value: str, column: str, *, required: bool) -> dt.date | None:
        text = value.strip()
        if not text:
            if required:
                raise _CellError(column, _("the date is empty"))
            return None
        try:
            return parse_date(text)
        except ValueError:
            raise _CellError(column, _("not a date (YYYY-MM-DD)")) from None

    def text(self, row: dict[str, str], column: str) -> str:
        value = (row.get(column) or "").strip()
        if len(value) > MAX_TEXT:
            raise _CellError(column, _("the text is too long (over 100,000 characters)"))
        return value

    def record(self, row: dict[str, str]) -> ConversationRecord:
        conv_date = self.date(row["date"], "date", required=True)
        assert conv_date is not None  # required=True never returns None
        status_text = row["status"].strip() or "open"
        identifiers = split_identifiers(self.text(row, "identifiers"))
        record = ConversationRecord(
            conv_date=conv_date,
            channel=ContactChannel(self.one(self.channels, row["channel"], "channel", "channel")),
            role=VisitorRole(self.one(self.roles, row["role"], "role", "role")),
            categories=self.many(self.categories, row["categories"], "categories", "category"),
            options=self.many(self.options, row["options"], "options", "option"),
            agreed=self.text(row, "agreed"),
            follow_up=self.date(row["follow_up"], "follow_up", required=False),
            status=Status(self.one(self.statuses, status_text, "status", "status")),
            language=row["language"].strip(),
            notes=self.text(row, "notes"),
            alias=self.text(row, "alias") or None,
            identifiers=identifiers,
        )
        if record.language:
            try:  # the record's own rule, on the language alone (its message shows the code)
                ConversationRecord(
                    conv_date, record.channel, record.role, language=record.language
                ).validate(set(), set())
            except ValidationError:
                raise _CellError(
                    "language", _("not a language code (e.g. en, fr, zh-Hans)")
                ) from None
        try:
            record.validate(self.category_ids, self.option_ids)
        except ValidationError as exc:
            # What is left for the record's rules (the follow-up's plausibility) names no
            # content; the values it could name were checked above, by column.
            raise _CellError("follow_up", exc.message) from None
        return record


def _quote_problem_column(lines: Iterable[str]) -> int | None:
    """The 0-based column of the cell whose quotes break the record starting at ``lines``:
    a quote never closed, or text after a closing quote. None when the quotes are sound."""
    field, at_start, in_quote, after_close = 0, True, False, False
    for ch in itertools.chain.from_iterable(lines):
        if in_quote:
            if ch == '"':
                in_quote, after_close = False, True
            continue
        if after_close:
            if ch == '"':  # a doubled quote inside the quoted cell
                in_quote, after_close = True, False
            elif ch == ",":
                field, at_start, after_close = field + 1, True, False
            elif ch in "\r\n":
                return None
            else:
                return field
            continue
        if ch == ",":
            field, at_start = field + 1, True
        elif ch in "\r\n":
            return None
        elif ch == '"' and at_start:
            in_quote, at_start = True, False
        else:
            at_start = False
    return field if in_quote else None


def _column_name(header: list[str], index: int) -> str:
    """The column as the header names it (made safe for a terminal, at most 40 characters),
    or its number when the header leaves it unnamed."""
    if index < len(header) and header[index]:
        name = safe_for_terminal(header[index])
        return name if len(name) <= 40 else name[:39] + "…"
    return _("number {n}").format(n=index + 1)


def _unusable_csv(text: str, header: list[str], record_line: int, physical: int) -> CsvImportError:
    """The error for a record the csv module refused, naming its line and column."""
    lines = io.StringIO(text, newline="").readlines()[physical:]
    column = _quote_problem_column(lines)
    if column is None:
        return CsvImportError(
            _("The file is not valid CSV near line {line}; nothing was imported.").format(
                line=record_line
            )
        )
    return CsvImportError(
        _(
            'The file is not valid CSV: line {line}, column {column} has a quote (") that is '
            "not closed, or text after its closing quote; nothing was imported."
        ).format(line=record_line, column=_column_name(header, column))
    )


def parse_csv(data: bytes, profile: OrgProfile) -> ParsedCsv:
    """Parse a CSV export into records; raises :class:`CsvImportError` for an unusable file."""
    if len(data) > MAX_BYTES:
        raise CsvImportError(_("The file is too large to import (over 200 MB)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvImportError(_("The file is not UTF-8 text. Export it as 'CSV UTF-8'.")) from None
    if "\x00" in text:
        raise CsvImportError(_("The file is not a CSV text file."))
    # strict: a quote in a quoted cell that is neither doubled nor closing it is an error, so
    # an unclosed quote cannot quietly swallow the rows after it.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().casefold() for h in next(reader, [])]
    except csv.Error:
        raise _unusable_csv(text, [], 1, 0) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CsvImportError(
            ngettext(
                "The header row lacks the column: {columns}",
                "The header row lacks the columns: {columns}",
                len(missing),
            ).format(columns=", ".join(missing))
        )
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise CsvImportError(
            _("The header row names a column more than once: {columns}").format(
                columns=", ".join(twice)
            )
        )
    unknown = tuple(_column_name(header, i) for i, h in enumerate(header) if h not in KNOWN_COLUMNS)
    parser = _RowParser(profile)
    records: list[ConversationRecord] = []
    errors: list[RowError] = []
    # Numbered as a spreadsheet shows rows: the header is 1, a multi-line note is one row,
    # an empty line is an (empty, skipped) row.
    line, physical = 1, reader.line_num
    while True:
        line += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise _unusable_csv(text, header, line, physical) from None
        physical = reader.line_num
        if not cells:
            continue
        if len(cells) != len(header):
            errors.append(RowError(line, _("wrong number of columns")))
            continue
        row = dict(zip(header, cells, strict=True))
        try:
            record = parser.record(row)
        except _CellError as exc:
            errors.append(RowError(line, exc.message, exc.column))
            continue
        records.append(record)
    return ParsedCsv(tuple(records), tuple(errors), unknown)
