"""``advisor`` commands on conversation records: import, list, search, show, follow-ups, purge."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from advisor_desktop.cli.advisor import argtypes
from advisor_desktop.cli.advisor.context import CliContext
from advisor_desktop.notebook.csv_import import CsvImportError, parse_csv
from advisor_desktop.notebook.demo import demo_records
from advisor_desktop.notebook.models import (
    ConversationRecord,
    RecordFilter,
    RecordId,
    RecordSummary,
    Status,
)
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.i18n import _, ngettext


def register(sub: Any) -> None:
    """Add the record commands to the ``advisor`` parser."""
    p = sub.add_parser(
        "import",
        help=_("import conversations from a CSV export"),
        description=_(
            "Import conversations from a CSV export (UTF-8, a header row). Required columns: "
            "date, channel, role, categories, options, agreed, follow_up, status, language, "
            "notes; optional: alias, and identifiers (the names of the people involved, "
            "separated by ;, which the anonymiser removes from referrals). Errors name the "
            "line and column, never the content. Nothing is imported when a row is invalid "
            "(unless --skip-invalid) or when the header has a column the importer does not "
            "know (unless --ignore-unknown-columns); exit code 1."
        ),
    )
    p.add_argument("csv", metavar="CSV")
    p.add_argument(
        "--skip-invalid", action="store_true", help=_("import the valid rows and report the others")
    )
    p.add_argument(
        "--ignore-unknown-columns",
        action="store_true",
        help=_("import even when the header has columns the importer does not know (listed)"),
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("list", help=_("list conversation records"))
    p.add_argument("--status", choices=["open", "closed"])
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("search", help=_("full-text search in notes and agreed actions"))
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--limit", type=argtypes.search_limit, default=50, metavar="N",
                   help=_("at most N results (1 to 10,000)"))  # fmt: skip
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("show", help=_("show one record"))
    p.add_argument("id", metavar="ID", type=argtypes.record_id)
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_show)

    for name, status, text in (
        ("close", Status.CLOSED, _("close a record")),
        ("reopen", Status.OPEN, _("reopen a closed record")),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("id", metavar="ID", type=argtypes.record_id)
        p.set_defaults(func=cmd_set_status, status=status)

    p = sub.add_parser("follow-ups", help=_("open records whose follow-up is due or overdue"))
    p.add_argument(
        "--within",
        type=argtypes.within_days,
        default=0,
        metavar="DAYS",
        help=_("also those due in the next DAYS days (0 to 3650)"),
    )
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_follow_ups)

    p = sub.add_parser("purge", help=_("delete records whose retention period has ended"))
    p.add_argument("--dry-run", action="store_true", help=_("only list what would be purged"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser(
        "demo-data", help=_("add fictional conversations (for training or a try-out)")
    )
    p.add_argument("--count", type=int, default=50, metavar="N")
    p.add_argument("--seed", type=int, default=1, metavar="S")
    p.set_defaults(func=cmd_demo)


def _summary_json(s: RecordSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "date": s.conv_date.isoformat(),
        "role": s.role.value,
        "categories": list(s.categories),
        "status": s.status.value,
        "follow_up": s.follow_up.isoformat() if s.follow_up else None,
    }


def _summary_line(s: RecordSummary) -> str:
    follow = f"  ↻ {s.follow_up.isoformat()}" if s.follow_up else ""
    cats = ",".join(s.categories) or "-"
    return (
        f"{s.id:>6}  {s.conv_date.isoformat()}  {s.status.value:<6}  {s.role.value:<16}  "
        f"{cats}{follow}"
    )


def _print_summaries(ctx: CliContext, items: Sequence[RecordSummary], as_json: bool) -> None:
    if as_json:
        ctx.console.out(json.dumps([_summary_json(s) for s in items], ensure_ascii=False))
        return
    for s in items:
        ctx.console.out(_summary_line(s))


def record_json(record: ConversationRecord, notebook: Notebook) -> dict[str, Any]:
    """All fields of a record as JSON-ready values."""
    doc = asdict(record)
    for key, value in list(doc.items()):
        if isinstance(value, dt.date | dt.datetime):
            doc[key] = value.isoformat()
        elif isinstance(value, tuple):
            doc[key] = list(value)
        elif hasattr(value, "value"):
            doc[key] = value.value
    purge = notebook.purge_date(record)
    doc["purge_date"] = purge.isoformat() if purge else None
    return doc


def cmd_import(ctx: CliContext) -> int:
    path = Path(ctx.args.csv)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(
            _("The file {name} cannot be read: {reason}").format(
                name=path.name, reason=exc.strerror
            )
        ) from None
    with ctx.notebook() as notebook:
        parsed = parse_csv(data, notebook.profile)
        if parsed.unknown_columns:
            columns = ", ".join(parsed.unknown_columns)
            if not ctx.args.ignore_unknown_columns:
                raise CsvImportError(
                    ngettext(
                        "The column {columns} is not one the importer knows; nothing was "
                        "imported (check its name, or use --ignore-unknown-columns).",
                        "The columns {columns} are not ones the importer knows; nothing was "
                        "imported (check their names, or use --ignore-unknown-columns).",
                        len(parsed.unknown_columns),
                    ).format(columns=columns)
                )
            ctx.console.err(
                ngettext(
                    "Warning: the column {columns} was not imported.",
                    "Warning: the columns {columns} were not imported.",
                    len(parsed.unknown_columns),
                ).format(columns=columns)
            )
        for error in parsed.errors:
            ctx.console.err(str(error))
        if parsed.errors and not ctx.args.skip_invalid:
            raise CsvImportError(
                ngettext(
                    "{n} row is invalid; nothing was imported (use --skip-invalid).",
                    "{n} rows are invalid; nothing was imported (use --skip-invalid).",
                    len(parsed.errors),
                ).format(n=len(parsed.errors)),
                parsed.errors,
            )
        ids = notebook.add_many(parsed.records)
    ctx.console.out(
        ngettext("Imported {n} record.", "Imported {n} records.", len(ids)).format(n=len(ids))
    )
    return 0


def cmd_list(ctx: CliContext) -> int:
    status = Status(ctx.args.status) if ctx.args.status else None
    with ctx.notebook() as notebook:
        items = notebook.list_records(RecordFilter(status=status))
    _print_summaries(ctx, items, ctx.args.json)
    return 0


def cmd_search(ctx: CliContext) -> int:
    with ctx.notebook() as notebook:
        hits = notebook.search(ctx.args.query, limit=ctx.args.limit)
    if ctx.args.json:
        ctx.console.out(
            json.dumps(
                [{**_summary_json(h.summary), "snippet": h.snippet} for h in hits],
                ensure_ascii=False,
            )
        )
    else:
        for hit in hits:
            ctx.console.out(_summary_line(hit.summary))
            ctx.console.out(f"        {hit.snippet}")
    return 0


def cmd_show(ctx: CliContext) -> int:
    with ctx.notebook() as notebook:
        record = notebook.get(RecordId(ctx.args.id))
        doc = record_json(record, notebook)
    if ctx.args.json:
        ctx.console.out(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    for key, value in doc.items():
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        ctx.console.out(f"{key:>12}: {'' if value is None else value}")
    return 0


def cmd_set_status(ctx: CliContext) -> int:
    with ctx.notebook() as notebook:
        notebook.set_status(RecordId(ctx.args.id), ctx.args.status)
    return 0


def cmd_follow_ups(ctx: CliContext) -> int:
    with ctx.notebook() as notebook:
        items = notebook.follow_ups(within_days=ctx.args.within)
    _print_summaries(ctx, items, ctx.args.json)
    return 0


def cmd_purge(ctx: CliContext) -> int:
    with ctx.notebook() as notebook:
        due = notebook.purge_candidates()
        if ctx.args.json:
            ctx.console.out(
                json.dumps(
                    [{**_summary_json(s), "purge_date": when.isoformat()} for s, when in due]
                )
            )
        else:
            for summary, when in due:
                ctx.console.out(f"{_summary_line(summary)}  ✕ {when.isoformat()}")
        if ctx.args.dry_run:
            if not ctx.args.json:
                ctx.console.out(
                    ngettext(
                        "{n} record would be purged.", "{n} records would be purged.", len(due)
                    ).format(n=len(due))
                )
            return 0
        purged = notebook.purge()
    if not ctx.args.json:
        ctx.console.out(
            ngettext("Purged {n} record.", "Purged {n} records.", len(purged)).format(n=len(purged))
        )
    return 0


def cmd_demo(ctx: CliContext) -> int:
    if not 1 <= ctx.args.count <= 1_000_000:
        raise UsageError(_("--count must be between 1 and 1,000,000."))
    with ctx.workspace() as workspace:
        profile = workspace.profile
        ids = workspace.notebook.add_many(
            demo_records(profile, ctx.args.count, ctx.args.seed, today=ctx.clock().date())
        )
    ctx.console.out(
        ngettext("Added {n} fictional record.", "Added {n} fictional records.", len(ids)).format(
            n=len(ids)
        )
    )
    return 0
