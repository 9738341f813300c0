"""``advisor-desk list``, ``show``, ``status`` and ``status-export``: the referrals in the desk
store, the desk's weighing of each, and the status messages that tell the advisor; and the
advisor's withdrawals that ``import`` takes.

Each step ``status`` records becomes a status message for the device the referral came from
(signed by the desk, encrypted to the device), waiting in the store for ``push``;
``status-export ID --out FILE`` writes the referral's latest one as a file for a USB stick. A
device enrolled without an age key gets none (``status`` says so).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.cli.desk.output import (
    history_doc,
    history_lines,
    record_doc,
    record_lines,
    summary_doc,
    summary_line,
)
from advisor_desktop.desk.devices import device_by_key_id
from advisor_desktop.desk.referrals import (
    ErasedReferral,
    Erasure,
    ReferralSummary,
    erased_referral,
    get_referral,
    list_referrals,
    resolve_id,
    set_status,
)
from advisor_desktop.desk.status import (
    Outcome,
    ReferralState,
    addressee,
    clean_message,
    latest_status_file,
    parse_outcome,
    parse_state,
    queue_status_message,
)
from advisor_desktop.desk.withdrawals import receive_withdrawal
from advisor_desktop.desk.workstation import Desk, settle_withdrawals
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.fsutil import atomic_write
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import json_for_terminal
from advisor_desktop.protocol.intake_api import IntakeFormatError
from advisor_desktop.protocol.status_message import STATUS_SUFFIX


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

    p = sub.add_parser(
        "status-export",
        help=_("write a referral's latest status message for its advisor (for a USB stick)"),
    )
    p.add_argument("referral_id", metavar="ID", help=_("its id, or the first 8 characters or more"))
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help=_("file to write, or a folder (a neutral random name is chosen)"),
    )
    p.set_defaults(func=cmd_status_export)


def _summary_doc(row: ReferralSummary) -> dict[str, Any]:
    return {**summary_doc(row), "withdrawn_at": row.withdrawn_at, "erased": row.erased}


def _summary_line(row: ReferralSummary) -> str:
    line = summary_line(row).rstrip()
    if row.withdrawn_at is not None:
        line += "  " + _("withdrawn {when}").format(when=row.withdrawn_at)
    return line


def cmd_list(ctx: DeskContext) -> int:
    with ctx.desk() as desk:
        rows = list_referrals(desk.store)
    if ctx.args.json:
        ctx.console.out(json_for_terminal([_summary_doc(r) for r in rows]))
        return 0
    if not rows:
        ctx.console.out(_("No referral has been received yet."))
    for row in rows:
        ctx.console.out(_summary_line(row))
    return 0


def _erased_lines(record: ErasedReferral) -> list[str]:
    summary = record.summary
    return [
        _("Referral {id}").format(id=summary.referral_id),
        _("Signed by: {name} ({key})").format(name=summary.signer_name, key=summary.signer_key_id),
        _(
            "Withdrawn by the advisor at {when} (received here {received}): its content was "
            "erased from the desk store."
        ).format(when=record.withdrawn_at, received=record.withdrawal_received_at),
        "",
        _("Received: {when}; package SHA-256 {digest}").format(
            when=summary.received_at, digest=record.package_sha256
        ),
        *history_lines(record.history),
    ]


def _erased_doc(record: ErasedReferral) -> dict[str, Any]:
    return {
        **_summary_doc(record.summary),
        "opened_at": record.opened_at,
        "package_sha256": record.package_sha256,
        "withdrawal_received_at": record.withdrawal_received_at,
        "history": history_doc(record.history),
        "payload": None,
    }


def cmd_show(ctx: DeskContext) -> int:
    with ctx.desk() as desk:
        referral_id = resolve_id(desk.store, ctx.args.referral_id)
        erased = erased_referral(desk.store, referral_id)
        if erased is None:
            record = get_referral(desk.store, referral_id)
    if erased is not None:
        if ctx.args.json:
            ctx.console.out(json_for_terminal(_erased_doc(erased)))
            return 0
        for line in _erased_lines(erased):
            ctx.console.out(line)
        return 0
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
    with ctx.desk(need_identity=True) as desk:
        report_erased(ctx, desk.erased)
        referral_id = resolve_id(desk.store, ctx.args.referral_id)
        entry = set_status(
            desk.store, referral_id, state, outcome=outcome, message=message, now=ctx.now()
        )
        queued = queue_status_message(desk.store, desk.keys(), referral_id, entry, ctx.now())
        device = addressee(desk.store, referral_id).device
    shown = (
        entry.state.value
        if entry.outcome is None
        else f"{entry.state.value} ({entry.outcome.value})"
    )
    ctx.console.out(_("Referral {id} is now {state}.").format(id=referral_id, state=shown))
    if queued is None:
        ctx.console.err(
            _(
                "{name} was enrolled without an age key: no status message can be sent to it "
                "(advisor-desk enrol PUBKEY AGE_RECIPIENT --name NAME adds its age key)."
            ).format(name=device.name)
        )
    else:
        ctx.console.out(
            _(
                "A status message for {name} waits to be delivered: advisor-desk push, or "
                "advisor-desk status-export {id} --out FILE for a USB stick."
            ).format(name=device.name, id=referral_id[:8])
        )
    return 0


def cmd_status_export(ctx: DeskContext) -> int:
    destination = Path(ctx.args.out).expanduser()
    with ctx.desk(need_identity=True) as desk:
        report_erased(ctx, desk.erased)
        referral_id = resolve_id(desk.store, ctx.args.referral_id)
        data = latest_status_file(desk.store, desk.keys(), referral_id)
    target = destination / neutral_name(STATUS_SUFFIX) if destination.is_dir() else destination
    atomic_write(target, data, what=target.name, mode=0o600)
    ctx.console.out(str(target))
    return 0


def neutral_name(suffix: str) -> str:
    """A file name that says nothing about what is inside: 16 random hex digits, ``suffix``."""
    return secrets.token_hex(8) + suffix


def report_erased(ctx: DeskContext, erased: Sequence[Erasure]) -> None:
    """Say which withdrawn referrals had their content erased."""
    for item in erased:
        ctx.console.out(
            _(
                "Referral {id} was withdrawn by its advisor ({when}): its content was erased "
                "from the desk store."
            ).format(id=item.referral_id, when=item.withdrawn_at)
        )


def take_withdrawal(ctx: DeskContext, desk: Desk, path: Path, document: bytes) -> int:
    """``import`` of a withdrawal file (``document``: what it decrypted to): checked against
    the enrolled device that signed it, kept, shown, and the referral's content erased.
    Returns 0, or the exit code of its refusal."""
    try:
        stored = receive_withdrawal(desk.store, document, ctx.now())
    except IntakeFormatError as exc:
        ctx.console.err(_("{file}: refused: {reason}").format(file=path, reason=exc.message))
        return exc.exit_code
    withdrawal = stored.withdrawal
    device = device_by_key_id(desk.store, withdrawal.device_key_id)
    name = device.name if device is not None else withdrawal.device_key_id
    if stored.new:
        message = _("{file}: withdrawal of referral {id} by {name} (withdrawn {when})")
    else:
        message = _("{file}: already received: withdrawal of referral {id} by {name} ({when})")
    ctx.console.out(
        message.format(
            file=path, id=withdrawal.referral_id, name=name, when=withdrawal.withdrawn_at
        )
    )
    report_erased(ctx, settle_withdrawals(desk, ctx.now()))
    if not stored.referral_known:
        ctx.console.out(
            "  "
            + _(
                "No package of it was received here: if it comes, it will be refused and "
                "nothing of it stored."
            )
        )
    return 0
