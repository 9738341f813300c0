"""``advisor outbox …`` and ``advisor sync``: the outbox and the sync with the desk's server.

- ``outbox list [--json]``: every item, its state, attempts, reason and next try;
- ``outbox send``: deliver every undelivered item now (no status fetch);
- ``outbox export REF_ID --out FILE|DIR``: the sealed package as a file (same bytes, same id);
  the item then waits for the desk's receipt, and stays sendable by network;
- ``outbox import-receipt FILE``: a receipt file from the desk (``advisor-desk import``);
- ``outbox history REF_ID [--json]``: every state change with its time and reason;
- ``sync``: send, hand over withdrawals, fetch the desk's status messages.

"delivered" is printed only for an item whose receipt verified and is stored; a queued, sent or
failed item is never called delivered. Exit codes: 0 everything due was delivered (or nothing
was due); 1 something is still undelivered (each with its reason and next try); 2 a bad
``--server``, ``--proxy`` or ``--ca-file``; 7 the server's certificate is not the pinned one, or
a receipt file does not verify.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor_desktop.app.outbox import (
    ConnectionOptions,
    export_item,
    import_receipt_file,
    item_history,
    list_items,
    state_label,
    sync,
)
from advisor_desktop.cli.advisor.context import CliContext
from advisor_desktop.platform.errors import EXIT_OTHER, UsageError
from advisor_desktop.platform.i18n import _, ngettext
from advisor_desktop.referral.outbox import OutboxItem
from advisor_desktop.referral.sender import SyncReport


def register(sub: Any) -> None:
    """Add ``outbox …`` and ``sync`` to the ``advisor`` parser."""
    ob = sub.add_parser(
        "outbox", help=_("sealed referrals on their way to the desk, and their receipts")
    )
    osub = ob.add_subparsers(dest="outbox_command", metavar="STEP", parser_class=type(ob))
    osub.required = True
    p = osub.add_parser("list", help=_("every item in the outbox and its state"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_list)
    p = osub.add_parser("send", help=_("deliver every undelivered item to the desk's server now"))
    _connection_options(p)
    p.set_defaults(func=cmd_send)
    p = osub.add_parser(
        "export", help=_("write an item's sealed package to a file (it then waits for a receipt)")
    )
    p.add_argument("referral_id", metavar="REF_ID")
    p.add_argument("--out", required=True, metavar="FILE", help=_("a file, or a folder"))
    p.set_defaults(func=cmd_export)
    p = osub.add_parser(
        "import-receipt", help=_("take a receipt file from the desk: the item is delivered")
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_import_receipt)
    p = osub.add_parser("history", help=_("every state change of an item, with its time"))
    p.add_argument("referral_id", metavar="REF_ID")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_history)

    p = sub.add_parser(
        "sync",
        help=_("deliver the outbox and fetch the desk's status messages"),
        description=_(
            "Deliver every undelivered item to the desk's intake server, hand over withdrawals "
            "and fetch the desk's status messages. The address comes from the desk's public "
            "file in your profile, unless Settings or --server say otherwise."
        ),
    )
    _connection_options(p)
    p.set_defaults(func=cmd_sync)


def _connection_options(p: Any) -> None:
    p.add_argument(
        "--server",
        metavar="URL",
        help=_("the desk's intake server (https://…), instead of the address in the profile"),
    )
    p.add_argument(
        "--proxy",
        metavar="URL",
        help=_("the proxy to use (http://host:port), instead of the system's"),
    )
    p.add_argument(
        "--ca-file",
        metavar="FILE",
        help=_("trust only the CA certificates in FILE (a test or training server)"),
    )


def item_doc(item: OutboxItem) -> dict[str, Any]:
    """An item as JSON (``outbox list --json``)."""
    return {
        "referral_id": item.referral_id,
        "desk": item.desk,
        "state": item.state.value,
        "delivered": item.delivered,
        "attempts": item.attempts,
        "next_attempt_at": item.next_attempt_at,
        "last_reason": item.last_reason,
        "exported_at": item.exported_at,
        "delivered_at": item.delivered_at,
        "received_at": item.received_at,
        "receipt_source": None if item.receipt_source is None else item.receipt_source.value,
        "package_sha256": item.package_sha256,
        "size": item.size,
        "queued_at": item.queued_at,
    }


def cmd_list(ctx: CliContext) -> int:
    with ctx.workspace() as workspace:
        items = list_items(workspace)
    if ctx.args.json:
        ctx.console.out(json.dumps([item_doc(i) for i in items], ensure_ascii=False))
        return 0
    if not items:
        ctx.console.out(_("The outbox is empty."))
    for item in items:
        ctx.console.out(f"{item.referral_id}  {item.desk}  {state_label(item)}")
    return 0


def _options(ctx: CliContext) -> ConnectionOptions:
    ca = getattr(ctx.args, "ca_file", None)
    if ca is not None and not Path(ca).is_file():
        raise UsageError(_("--ca-file must name a file of PEM certificates."))
    return ConnectionOptions(
        server=ctx.args.server, proxy=ctx.args.proxy, ca_file=None if ca is None else Path(ca)
    )


def _print_report(ctx: CliContext, report: SyncReport, statuses: bool) -> int:
    code = 0
    for referral_id in report.delivered:
        ctx.console.out(
            _("{id}: delivered to {desk} (receipt verified and kept)").format(
                id=referral_id, desk=report.desk
            )
        )
    for outcome in report.failed:
        ctx.console.err(
            _("{id}: not delivered: {reason}; next try {at}").format(
                id=outcome.referral_id,
                reason=outcome.reason or _("unknown reason"),
                at=outcome.next_attempt_at or "-",
            )
        )
        code = EXIT_OTHER
    for referral_id, reason in report.withdrawals_failed:
        ctx.console.err(
            _("{id}: the withdrawal was not taken: {reason}").format(id=referral_id, reason=reason)
        )
        code = EXIT_OTHER
    for referral_id in report.withdrawals_sent:
        ctx.console.out(
            _("{id}: the withdrawal was handed to the desk's server").format(id=referral_id)
        )
    if report.stopped is not None:
        ctx.console.err(
            _("{desk}: stopped: {reason}").format(desk=report.desk, reason=report.stopped)
        )
        code = report.stopped_code or EXIT_OTHER
    if report.untried:
        ctx.console.err(
            ngettext(
                "{desk}: {n} item is still waiting to be sent.",
                "{desk}: {n} items are still waiting to be sent.",
                report.untried,
            ).format(desk=report.desk, n=report.untried)
        )
        code = code or EXIT_OTHER
    if statuses:
        for imported in report.statuses:
            step = imported.status
            ctx.console.out(
                _("{id}: the desk says {state} ({when})").format(
                    id=step.referral_id, state=step.label, when=step.set_at
                )
            )
        if report.status_refused:
            ctx.console.err(
                ngettext(
                    "{desk}: {n} status message was refused (not for this device, or not "
                    "signed by the desk).",
                    "{desk}: {n} status messages were refused (not for this device, or not "
                    "signed by the desk).",
                    report.status_refused,
                ).format(desk=report.desk, n=report.status_refused)
            )
    return code


def _run(ctx: CliContext, *, statuses: bool) -> int:
    options = _options(ctx)
    with ctx.workspace() as workspace:
        reports = sync(workspace, options, force=True, statuses=statuses)
    if not reports:
        ctx.console.out(_("Nothing to send, and no desk with an intake server."))
        return 0
    code = 0
    for report in reports:
        printed = _print_report(ctx, report, statuses)
        code = code or printed
        if printed == 0 and not report.delivered and not report.withdrawals_sent:
            ctx.console.out(_("{desk}: nothing was waiting.").format(desk=report.desk))
    return code


def cmd_send(ctx: CliContext) -> int:
    return _run(ctx, statuses=False)


def cmd_sync(ctx: CliContext) -> int:
    return _run(ctx, statuses=True)


def cmd_export(ctx: CliContext) -> int:
    with ctx.workspace() as workspace:
        path = export_item(workspace, ctx.args.referral_id, Path(ctx.args.out))
    ctx.console.out(
        _(
            "Wrote {file}: the sealed package, unchanged. It is not delivered until the desk's "
            "receipt is imported (advisor outbox import-receipt) or the server sends one."
        ).format(file=path)
    )
    return 0


def cmd_import_receipt(ctx: CliContext) -> int:
    with ctx.workspace() as workspace:
        item = import_receipt_file(workspace, Path(ctx.args.file))
    ctx.console.out(
        _("{id}: delivered to {desk} (receipt verified and kept, {at})").format(
            id=item.referral_id, desk=item.desk, at=item.received_at
        )
    )
    return 0


def cmd_history(ctx: CliContext) -> int:
    with ctx.workspace() as workspace:
        steps = item_history(workspace, ctx.args.referral_id)
    if ctx.args.json:
        ctx.console.out(
            json.dumps(
                [
                    {
                        "from": None if s.from_state is None else s.from_state.value,
                        "to": s.to_state.value,
                        "at": s.at,
                        "reason": s.reason,
                    }
                    for s in steps
                ],
                ensure_ascii=False,
            )
        )
        return 0
    for step in steps:
        before = "-" if step.from_state is None else step.from_state.value
        line = f"{step.at}  {before} → {step.to_state.value}"
        if step.reason:
            line += f"  ({step.reason})"
        ctx.console.out(line)
    return 0
