"""``advisor-desk init`` and ``keygen``: the desk store, and the desk's own keys;
``export-age-identity``: the age identity as a file for the ``age`` tool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.desk.errors import DeskError
from advisor_desktop.desk.identity import IDENTITY_FILE, DeskIdentity
from advisor_desktop.desk.server_setup import desk_public, record_intake_url, write_public_file
from advisor_desktop.desk.store import store_exists
from advisor_desktop.desk.workstation import Desk, add_identity, init_desk, unlock_desk
from advisor_desktop.platform.errors import ProfileError, UsageError
from advisor_desktop.platform.fsutil import atomic_write
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import PUBLIC_FILE, parse_intake_url
from advisor_desktop.protocol.keys import recipient_fingerprint


def register(sub: Any) -> None:
    """Add ``init`` and ``keygen`` to the ``advisor-desk`` parser."""
    p = sub.add_parser(
        "init",
        help=_("create the desk store (and, with --name, the desk's keys)"),
    )
    p.add_argument("--name", metavar="NAME", help=_("also create the desk's keys, named NAME"))
    _intake_url_option(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("keygen", help=_("create the desk's keys (age + Ed25519)"))
    p.add_argument("--name", required=True, metavar="NAME")
    _intake_url_option(p)
    p.set_defaults(func=cmd_keygen)

    p = sub.add_parser(
        "export-age-identity",
        help=_("write the desk's age identity to a file, for the age tool (keep it secret)"),
    )
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_export_age_identity)


def _intake_url_option(parser: Any) -> None:
    parser.add_argument(
        "--intake-url",
        metavar="URL",
        help=_("the intake server's public address, written into desk-public.json"),
    )


def _record_intake_url(ctx: DeskContext, desk: Desk) -> None:
    """With --intake-url: remember the address and name it in desk-public.json."""
    if ctx.args.intake_url and desk.identity is not None:
        record_intake_url(desk.store, ctx.args.intake_url)
        write_public_file(ctx.folder / PUBLIC_FILE, desk_public(desk.identity, desk.store))


def _has_identity(ctx: DeskContext) -> bool:
    return (ctx.folder / IDENTITY_FILE).exists()


def _check_intake_url(ctx: DeskContext) -> None:
    """Refuse a bad --intake-url before anything is created."""
    if ctx.args.intake_url:
        try:
            parse_intake_url(ctx.args.intake_url)
        except ProfileError as exc:
            raise UsageError(exc.message) from None


def cmd_init(ctx: DeskContext) -> int:
    _check_intake_url(ctx)
    if ctx.args.intake_url and ctx.args.name is None:
        raise UsageError(_("--intake-url needs the desk's keys: give --name NAME too."))
    if store_exists(ctx.folder):
        raise DeskError(
            _("This desk is set up already: {folder} has a desk store.").format(folder=ctx.folder)
        )
    # A new passphrase is chosen (typed twice), unless an identity from an older desk is here:
    # the store then takes the passphrase that identity opens with.
    secret = ctx.passphrase(confirm=not _has_identity(ctx))
    try:
        desk = init_desk(ctx.folder, secret, ctx.policy, ctx.now(), name=ctx.args.name)
    finally:
        wipe(secret)
    with desk:
        _record_intake_url(ctx, desk)
        if desk.set_up is not None:
            ctx.report_set_up(desk.set_up)
        if desk.identity is not None and ctx.args.name is not None:
            report_identity(ctx, desk.identity)
        elif desk.identity is not None:
            ctx.console.out(
                _("The desk identity in {folder} now belongs to this store.").format(
                    folder=ctx.folder
                )
            )
        else:
            ctx.console.out(_("Next: advisor-desk keygen --name NAME creates the desk's keys."))
    return 0


def cmd_keygen(ctx: DeskContext) -> int:
    _check_intake_url(ctx)
    if _has_identity(ctx):
        raise DeskError(
            _("A desk identity already exists in {folder}.").format(folder=ctx.folder.name)
        )
    if not store_exists(ctx.folder):
        # A new desk: keygen sets up the store too, as `init --name NAME` does.
        secret = ctx.passphrase(confirm=True)
        try:
            desk = init_desk(ctx.folder, secret, ctx.policy, ctx.now(), name=ctx.args.name)
        finally:
            wipe(secret)
        with desk:
            _record_intake_url(ctx, desk)
            if desk.set_up is not None:
                ctx.report_set_up(desk.set_up)
            report_identity(ctx, desk.keys())
        return 0
    secret = ctx.passphrase()
    try:
        with unlock_desk(ctx.folder, secret, ctx.policy, ctx.now(), need_identity=False) as desk:
            identity = add_identity(desk, ctx.args.name, secret, ctx.policy)
            _record_intake_url(ctx, desk)
    finally:
        wipe(secret)
    report_identity(ctx, identity)
    return 0


def report_identity(ctx: DeskContext, identity: DeskIdentity) -> None:
    """Where the public file is, and the fingerprints to read out to the advisors."""
    public = identity.public
    ctx.console.out(_("Desk identity created in {folder}.").format(folder=ctx.folder))
    ctx.console.out(
        _("Give {file} to the advisors; compare these fingerprints by phone:").format(
            file=ctx.folder / PUBLIC_FILE
        )
    )
    ctx.console.out("  " + _("age recipient: {value}").format(value=public.age_recipient))
    ctx.console.out(
        "  " + _("fingerprint: {fp}").format(fp=recipient_fingerprint(public.age_recipient))
    )
    doc = public.to_doc()
    ctx.console.out("  " + _("signing key: {value}").format(value=public.signing_key))
    ctx.console.out("  " + _("fingerprint: {fp}").format(fp=doc["fingerprints"]["signing_key"]))


def cmd_export_age_identity(ctx: DeskContext) -> int:
    out = Path(ctx.args.out)
    if out.exists():
        raise UsageError(_("{name} exists already; choose a new file.").format(name=out))
    with ctx.desk(need_identity=True) as desk:
        identity = desk.keys()
        text = (
            f"# advisor-desk age identity of {identity.name}\n"
            f"# public key: {identity.age_identity.to_public()}\n"
            f"{identity.age_identity}\n"
        )
    atomic_write(out, text.encode("utf-8"), what=_("the age identity"), mode=0o600)
    ctx.console.err(
        _(
            "Warning: {path} holds the desk's private age key without a passphrase: whoever "
            "has it reads every referral sent to this desk. Use it (age -d -i {path} FILE), "
            "then delete it; never copy it to the intake server."
        ).format(path=out)
    )
    return 0
