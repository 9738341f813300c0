"""``advisor-desk init`` and ``keygen``: the desk store, and the desk's own keys."""

from __future__ import annotations

from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.desk.errors import DeskError
from advisor_desktop.desk.identity import IDENTITY_FILE, DeskIdentity
from advisor_desktop.desk.store import store_exists
from advisor_desktop.desk.workstation import add_identity, init_desk, unlock_desk
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import PUBLIC_FILE
from advisor_desktop.protocol.keys import recipient_fingerprint


def register(sub: Any) -> None:
    """Add ``init`` and ``keygen`` to the ``advisor-desk`` parser."""
    p = sub.add_parser(
        "init",
        help=_("create the desk store (and, with --name, the desk's keys)"),
    )
    p.add_argument("--name", metavar="NAME", help=_("also create the desk's keys, named NAME"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("keygen", help=_("create the desk's keys (age + Ed25519)"))
    p.add_argument("--name", required=True, metavar="NAME")
    p.set_defaults(func=cmd_keygen)


def _has_identity(ctx: DeskContext) -> bool:
    return (ctx.folder / IDENTITY_FILE).exists()


def cmd_init(ctx: DeskContext) -> int:
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
            if desk.set_up is not None:
                ctx.report_set_up(desk.set_up)
            report_identity(ctx, desk.keys())
        return 0
    secret = ctx.passphrase()
    try:
        with unlock_desk(ctx.folder, secret, ctx.policy, ctx.now(), need_identity=False) as desk:
            identity = add_identity(desk, ctx.args.name, secret, ctx.policy)
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
