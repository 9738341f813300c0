"""Rows of the notebook's tables: column lists, row → value conversion, filters, snippets.

Helpers of :mod:`advisor_desktop.notebook.service`, kept apart so the service reads as what it
does; nothing here touches the vault.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any

from advisor_desktop.notebook.models import (
    ContactChannel,
    ConversationRecord,
    RecordFilter,
    RecordId,
    RecordSummary,
    Status,
    VisitorRole,
)
from advisor_desktop.platform.textnorm import fold, fts_query, normalize_for_index

COLUMNS = (
    "id, conv_date, channel, role, categories, options, agreed, follow_up, notes, status, "
    "language, alias, identifiers, created_at, updated_at, closed_at"
)
# The columns :meth:`Notebook.update` may change, in the order of ``Notebook._values``.
EDITABLE = (
    "conv_date",
    "channel",
    "role",
    "categories",
    "options",
    "agreed",
    "follow_up",
    "notes",
    "status",
    "language",
    "alias",
    "identifiers",
    "closed_at",
)
SUMMARY_COLUMNS = "id, conv_date, role, categories, status, follow_up, substr(notes, 1, 120)"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


_PLAIN_ID = re.compile(r"[A-Za-z0-9_.:-]*")


def json_ids(values: Sequence[str]) -> str:
    """``json.dumps(list(values))`` for profile ids, without the encoder's per-call cost."""
    if all(_PLAIN_ID.fullmatch(v) for v in values):
        return "[" + ", ".join(f'"{v}"' for v in values) + "]"
    return json.dumps(list(values))


def index_body(record: ConversationRecord) -> str:
    parts = [record.notes, record.agreed, record.alias or ""]
    return normalize_for_index("\n".join(p for p in parts if p))


def row_to_record(row: Sequence[Any]) -> ConversationRecord:
    return ConversationRecord(
        id=RecordId(row[0]),
        conv_date=dt.date.fromisoformat(row[1]),
        channel=ContactChannel(row[2]),
        role=VisitorRole(row[3]),
        categories=tuple(json.loads(row[4])),
        options=tuple(json.loads(row[5])),
        agreed=row[6],
        follow_up=dt.date.fromisoformat(row[7]) if row[7] else None,
        notes=row[8],
        status=Status(row[9]),
        language=row[10],
        alias=row[11],
        identifiers=tuple(json.loads(row[12])),
        created_at=dt.datetime.fromisoformat(row[13]),
        updated_at=dt.datetime.fromisoformat(row[14]),
        closed_at=dt.datetime.fromisoformat(row[15]) if row[15] else None,
    )


def row_to_summary(row: Sequence[Any]) -> RecordSummary:
    return RecordSummary(
        id=RecordId(row[0]),
        conv_date=dt.date.fromisoformat(row[1]),
        role=VisitorRole(row[2]),
        categories=tuple(json.loads(row[3])),
        status=Status(row[4]),
        follow_up=dt.date.fromisoformat(row[5]) if row[5] else None,
        preview=" ".join(row[6].split()),
    )


def where_clause(filters: RecordFilter | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if filters is not None:
        if filters.status is not None:
            clauses.append("status = ?")
            params.append(filters.status.value)
        if filters.role is not None:
            clauses.append("role = ?")
            params.append(filters.role.value)
        if filters.category is not None:
            clauses.append("EXISTS (SELECT 1 FROM json_each(categories) WHERE value = ?)")
            params.append(filters.category)
        if filters.date_from is not None:
            clauses.append("conv_date >= ?")
            params.append(filters.date_from.isoformat())
        if filters.date_to is not None:
            clauses.append("conv_date <= ?")
            params.append(filters.date_to.isoformat())
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def with_closed_at(record: ConversationRecord, closed_at: dt.datetime) -> ConversationRecord:
    from dataclasses import replace

    return replace(record, closed_at=closed_at)


def snippet(query: str, notes: str, agreed: str, width: int = 80) -> str:
    """A short excerpt around the first word of ``query`` found in the text."""
    text = " ".join(f"{notes} {agreed}".split())
    folded = fold(text)
    words = fts_query(query)
    if words is None:
        return text[:width]
    first = fold(query).split()
    position = folded.find(first[0]) if first else -1
    if position < 0 or len(folded) != len(text):
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, position - width // 3)
    excerpt = text[start : start + width]
    return ("…" if start else "") + excerpt + ("…" if start + width < len(text) else "")
