"""``advisor-desk pull`` and ``push``: the workstation and the intake server.

``pull`` fetches what waits at the server, decrypts, verifies and stores it exactly as
``import`` does, and acknowledges each item; ``push`` hands the status messages waiting in the
desk store to the server. Both sign every request with the desk key (the desk passphrase).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.cli.desk.referrals import report_erased
from advisor_desktop.desk.server_setup import URL_META
from advisor_desktop.desk.workstation import Desk, settle_withdrawals
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.i18n import _


def register(sub: Any) -> None:
    """Add ``pull`` and ``push`` to the parser."""
    for name, helptext, func in (
        ("pull", _("take the packages and withdrawals waiting at the intake server"), cmd_pull),
        ("push", _("hand the status messages waiting here to the intake server"), cmd_push),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument(
            "--server",
            metavar="URL",
            help=_("the intake server (default: the address given at server-setup)"),
        )
        p.add_argument(
            "--ca-file",
            metavar="FILE",
            help=_("trust only this CA certificate (PEM) for the server's TLS"),
        )
        p.set_defaults(func=func)


def _client(ctx: DeskContext, desk: Desk) -> Any:
    try:
        from advisor_desktop.desk.sync import IntakeClient, tls_context
    except ImportError:
        raise UsageError(
            _("pull and push need the desk extra: pip install 'advisor-desktop[desk]'.")
        ) from None
    url = ctx.args.server or desk.store.meta(URL_META)
    if not url:
        raise UsageError(_("Give --server URL (no intake address was recorded)."))
    ca = Path(ctx.args.ca_file) if ctx.args.ca_file else None
    if ca is not None and not ca.is_file():
        raise UsageError(_("The CA file {name} was not found.").format(name=ca))
    return IntakeClient(url, desk.keys().signing_key, verify=tls_context(ca))


def cmd_pull(ctx: DeskContext) -> int:
    from advisor_desktop.desk.sync import pull

    with ctx.desk(need_identity=True) as desk, _client(ctx, desk) as client:
        report = pull(desk, client, ctx.now)
        # A withdrawal pulled now erases its referral's content now, as `import` does.
        erased = settle_withdrawals(desk, ctx.now())
    say = ctx.console.out
    for received in report.received:
        say(
            _("received referral {id} from {name}").format(
                id=received.referral_id, name=received.signer.name
            )
        )
    for received in report.already:
        say(_("already received: referral {id}").format(id=received.referral_id))
    for listed, actual in report.mismatched_ids:
        ctx.console.err(
            _("Note: the server listed {listed} for referral {actual}.").format(
                listed=listed, actual=actual
            )
        )
    for stored in report.withdrawals:
        withdrawal = stored.withdrawal
        say(
            _("referral {id} was withdrawn by the advisor ({when})").format(
                id=withdrawal.referral_id, when=withdrawal.withdrawn_at
            )
        )
    for referral_id, error in report.refused:
        ctx.console.err(_("{id}: refused: {reason}").format(id=referral_id, reason=error.message))
    report_erased(ctx, erased)
    say(
        _("Pulled: {new} new, {old} already here, {w} withdrawals, {bad} refused.").format(
            new=len(report.received),
            old=len(report.already),
            w=len(report.withdrawals),
            bad=len(report.refused),
        )
    )
    return report.first_failure


def cmd_push(ctx: DeskContext) -> int:
    from advisor_desktop.desk.sync import push

    with ctx.desk(need_identity=True) as desk, _client(ctx, desk) as client:
        report = push(desk, client, ctx.now)
    for message_id, error in report.refused:
        ctx.console.err(_("{id}: refused: {reason}").format(id=message_id, reason=error.message))
    ctx.console.out(
        _("Pushed {n} status messages; {bad} refused.").format(
            n=report.pushed, bad=len(report.refused)
        )
    )
    return 1 if report.refused else 0
