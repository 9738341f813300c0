"""``advisor-desk list``, ``show`` and ``status``: the referrals in the desk store and the
desk's weighing of each (no network yet: status messages to the advisor are a later step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.cli.desk.output import record_doc, record_lines, summary_doc, summary_line
from advisor_desktop.desk.referrals import get_referral, list_referrals, resolve_id, set_status
from advisor_desktop.desk.status import (
    Outcome,
    ReferralState,
    clean_message,
    parse_outcome,
    parse_state,
)
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import json_for_terminal


def register(sub: Any) -> None:
    """Add ``list``, ``show`` and ``status`` to the ``advisor-desk`` parser."""
    p = sub.add_parser("list", help=_("list the referrals received, newest first"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help=_("show one referral, where it came from and its status"))
    p.add_argument("referral_id", metavar="ID", help=_("its id, or the first 8 characters or more"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("status", help=_("record a step in the desk's weighing of a referral"))
    p.add_argument("referral_id", metavar="ID", help=_("its id, or the first 8 characters or more"))
    p.add_argument(
        "--set",
        required=True,
        metavar="STATE",
        dest="state",
        help=_("one of: {states}").format(states=", ".join(s.value for s in ReferralState)),
    )
    p.add_argument(
        "--outcome",
        metavar="CATEGORY",
        help=_("with --set closed, one of: {outcomes}").format(
            outcomes=", ".join(o.value for o in Outcome)
        ),
    )
    p.add_argument(
        "--message-file",
        metavar="FILE",
        help=_("a message for the advisor (UTF-8 text) to go with this step"),
    )
    p.set_defaults(func=cmd_status)


def cmd_list(ctx: DeskContext) -> int:
    with ctx.desk() as desk:
        rows = list_referrals(desk.store)
    if ctx.args.json:
        ctx.console.out(json_for_terminal([summary_doc(r) for r in rows]))
        return 0
    if not rows:
        ctx.console.out(_("No referral has been received yet."))
    for row in rows:
        ctx.console.out(summary_line(row))
    return 0


def cmd_show(ctx: DeskContext) -> int:
    with ctx.desk() as desk:
        record = get_referral(desk.store, resolve_id(desk.store, ctx.args.referral_id))
    if ctx.args.json:
        ctx.console.out(json_for_terminal(record_doc(record)))
        return 0
    for line in record_lines(record):
        ctx.console.out(line)
    return 0


def _message(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(
            _("The message file cannot be read: {reason}").format(reason=exc.strerror)
        ) from None
    if len(raw) > 64 * 1024:
        raise UsageError(_("The message file is too large for a status message."))
    try:
        return clean_message(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(_("The message file is not UTF-8 text.")) from None


def cmd_status(ctx: DeskContext) -> int:
    state = parse_state(ctx.args.state)
    outcome = None if ctx.args.outcome is None else parse_outcome(ctx.args.outcome)
    if state is ReferralState.CLOSED and outcome is None:
        raise UsageError(
            _("--set closed needs --outcome CATEGORY, one of: {outcomes}").format(
                outcomes=", ".join(o.value for o in Outcome)
            )
        )
    if state is not ReferralState.CLOSED and outcome is not None:
        raise UsageError(_("--outcome goes with --set closed only."))
    message = _message(ctx.args.message_file)
    with ctx.desk() as desk:
        referral_id = resolve_id(desk.store, ctx.args.referral_id)
        entry = set_status(
            desk.store, referral_id, state, outcome=outcome, message=message, now=ctx.now()
        )
    shown = (
        entry.state.value
        if entry.outcome is None
        else f"{entry.state.value} ({entry.outcome.value})"
    )
    ctx.console.out(_("Referral {id} is now {state}.").format(id=referral_id, state=shown))
    return 0
