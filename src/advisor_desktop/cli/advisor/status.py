"""``advisor status import FILE…`` and ``advisor status history REF_ID``: what the desk says.

A status file comes from the desk (``advisor-desk status-export``): signed by the desk, for
this device only. ``import`` checks and keeps each file given and goes on after a refused one,
exiting with the first refusal's code (6: not for this device or damaged, 7: not signed by the
referral's desk, 8: not a status message). ``advisor referral list`` shows each referral's
latest status.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor_desktop.app.status import import_status_file, status_history
from advisor_desktop.cli.advisor.context import CliContext
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.referral.desk_status import DeskStatus, ImportResult


def register(sub: Any) -> None:
    """Add ``status import`` and ``status history`` to the ``advisor`` parser."""
    st = sub.add_parser("status", help=_("status messages from the desk about your referrals"))
    ssub = st.add_subparsers(dest="status_command", metavar="STEP", parser_class=type(st))
    ssub.required = True
    p = ssub.add_parser("import", help=_("check and keep status files from the desk"))
    p.add_argument("files", metavar="FILE", nargs="+")
    p.set_defaults(func=cmd_import)
    p = ssub.add_parser("history", help=_("every step the desk reported for a referral"))
    p.add_argument("referral_id", metavar="REF_ID")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_history)


def status_doc(status: DeskStatus) -> dict[str, Any]:
    """A step as JSON (``referral list --json`` and ``status history --json``)."""
    return {
        "sequence": status.sequence,
        "state": status.state.value,
        "outcome": None if status.outcome is None else status.outcome.value,
        "text": status.text,
        "set_at": status.set_at,
        "imported_at": status.imported_at,
    }


def _text_lines(status: DeskStatus) -> list[str]:
    if not status.text:
        return []
    return ["    " + line for line in status.text.split("\n")]


def cmd_import(ctx: CliContext) -> int:
    first_failure = 0
    with ctx.workspace() as workspace:
        for name in ctx.args.files:
            path = Path(name)
            try:
                imported = import_status_file(workspace, path)
            except AdvisorError as exc:
                ctx.console.err(_("{file}: refused: {reason}").format(file=path, reason=exc))
                first_failure = first_failure or exc.exit_code
                continue
            step = imported.status
            messages = {
                ImportResult.LATEST: _("{file}: referral {id} is {state} at the desk ({when})."),
                ImportResult.EARLIER: _(
                    "{file}: an earlier step of referral {id}: {state} ({when}); its status "
                    "stays {latest}."
                ),
                ImportResult.ALREADY: _(
                    "{file}: already imported (referral {id}: {state}, {when})."
                ),
            }
            ctx.console.out(
                messages[imported.result].format(
                    file=path,
                    id=step.referral_id,
                    state=step.label,
                    when=step.set_at,
                    latest=imported.latest.label,
                )
            )
            if imported.result is not ImportResult.ALREADY:
                for line in _text_lines(step):
                    ctx.console.out(line)
    return first_failure


def cmd_history(ctx: CliContext) -> int:
    with ctx.workspace() as workspace:
        steps = status_history(workspace, ctx.args.referral_id)
    if ctx.args.json:
        ctx.console.out(json.dumps([status_doc(s) for s in steps], ensure_ascii=False))
        return 0
    if not steps:
        ctx.console.out(_("The desk has not reported on this referral yet."))
    for step in steps:
        ctx.console.out(f"{step.sequence:>3}  {step.set_at}  {step.label}")
        for line in _text_lines(step):
            ctx.console.out(line)
    return 0
