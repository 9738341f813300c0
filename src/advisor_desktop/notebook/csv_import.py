"""Import conversations from a spreadsheet export (CSV, UTF-8, header row).

Required columns: ``date,channel,role,categories,options,agreed,follow_up,status,language,notes``
(``alias`` is optional). Coded values are given by id or English label, case-insensitive;
``categories`` and ``options`` are separated by ``;``. Every bad row is reported with its line
number; nothing is imported unless the caller asks to skip invalid rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from advisor_desktop.notebook.models import (
    CHANNEL_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    ContactChannel,
    ConversationRecord,
    Status,
    VisitorRole,
)
from advisor_desktop.platform.errors import ValidationError
from advisor_desktop.platform.i18n import _, ngettext
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
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    """One problem in one CSV line (1-based line number as a spreadsheet shows it)."""

    line: int
    message: str

    def __str__(self) -> str:
        return _("line {line}: {message}").format(line=self.line, message=self.message)


class CsvImportError(ValidationError):
    """The file has invalid rows (or is not a usable CSV at all)."""

    def __init__(self, message: str, errors: tuple[RowError, ...] = ()) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class ParsedCsv:
    """Valid records, and the errors of the rows that were not."""

    records: tuple[ConversationRecord, ...]
    errors: tuple[RowError, ...]


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


class _RowParser:
    def __init__(self, profile: OrgProfile) -> None:
        self.channels = _code_map(CHANNEL_LABELS.items())
        self.roles = _code_map(ROLE_LABELS.items())
        self.statuses = _code_map(STATUS_LABELS.items())
        self.categories = _labelled_map(profile.categories)
        self.options = _labelled_map(profile.options)

    def one(self, mapping: dict[str, str], value: str, column: str) -> str:
        found = _lookup(mapping, value)
        if found is None:
            raise ValueError(
                _("unknown {column} '{value}'").format(column=column, value=value.strip()[:40])
            )
        return found

    def many(self, mapping: dict[str, str], value: str, column: str) -> tuple[str, ...]:
        parts = [p for p in (x.strip() for x in value.split(";")) if p]
        return tuple(dict.fromkeys(self.one(mapping, p, column) for p in parts))

    def date(self, value: str, column: str, *, required: bool) -> dt.date | None:
        text = value.strip()
        if not text:
            if required:
                raise ValueError(_("{column} is empty").format(column=column))
            return None
        try:
            return (
                dt.date.fromisoformat(text[:10]) if len(text) >= 10 else dt.date.fromisoformat(text)
            )
        except ValueError:
            raise ValueError(
                _("{column} '{value}' is not a date (YYYY-MM-DD)").format(
                    column=column, value=text[:20]
                )
            ) from None

    def record(self, row: dict[str, str]) -> ConversationRecord:
        conv_date = self.date(row["date"], "date", required=True)
        assert conv_date is not None
        status_text = row["status"].strip() or "open"
        return ConversationRecord(
            conv_date=conv_date,
            channel=ContactChannel(self.one(self.channels, row["channel"], "channel")),
            role=VisitorRole(self.one(self.roles, row["role"], "role")),
            categories=self.many(self.categories, row["categories"], "category"),
            options=self.many(self.options, row["options"], "option"),
            agreed=row["agreed"].strip(),
            follow_up=self.date(row["follow_up"], "follow_up", required=False),
            status=Status(self.one(self.statuses, status_text, "status")),
            language=row["language"].strip(),
            notes=row["notes"].strip(),
            alias=(row.get("alias") or "").strip() or None,
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
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().casefold() for h in next(reader, [])]
    except csv.Error as exc:
        raise CsvImportError(
            _("The file is not valid CSV near line {line}.").format(line=1)
        ) from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CsvImportError(
            ngettext(
                "The header row lacks the column: {columns}",
                "The header row lacks the columns: {columns}",
                len(missing),
            ).format(columns=", ".join(missing))
        )
    parser = _RowParser(profile)
    records: list[ConversationRecord] = []
    errors: list[RowError] = []
    try:
        # Numbered as a spreadsheet shows rows: the header is 1, a multi-line note is one row,
        # an empty line is an (empty, skipped) row.
        for line, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if len(cells) != len(header):
                errors.append(RowError(line, _("wrong number of columns")))
                continue
            row = dict(zip(header, cells, strict=True))
            try:
                record = parser.record(row)
                record.validate({c.id for c in profile.categories}, {o.id for o in profile.options})
            except ValidationError as exc:
                errors.append(RowError(line, exc.message))
                continue
            except ValueError as exc:
                errors.append(RowError(line, str(exc)))
                continue
            records.append(record)
    except csv.Error as exc:
        raise CsvImportError(
            _("The file is not valid CSV near line {line}.").format(line=reader.line_num)
        ) from exc
    return ParsedCsv(tuple(records), tuple(errors))
