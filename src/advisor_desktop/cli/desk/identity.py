"""``advisor-desk keygen`` and ``enrol``: the desk's own keys, and the advisor devices it trusts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.desk.identity import keygen
from advisor_desktop.desk.registry import AdvisorRegistry
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import PUBLIC_FILE
from advisor_desktop.protocol.keys import public_key_fingerprint, recipient_fingerprint


def register(sub: Any) -> None:
    """Add ``keygen`` and ``enrol`` to the ``advisor-desk`` parser."""
    p = sub.add_parser("keygen", help=_("create the desk's keys (age + Ed25519)"))
    p.add_argument("--name", required=True, metavar="NAME")
    p.set_defaults(func=cmd_keygen)

    p = sub.add_parser("enrol", help=_("trust an advisor device's public key"))
    p.add_argument("public_key", metavar="PUBKEY", help=_("as printed by advisor device-key"))
    p.add_argument("--name", required=True, metavar="NAME")
    p.set_defaults(func=cmd_enrol)


def cmd_keygen(ctx: DeskContext) -> int:
    secret = ctx.passphrase(confirm=True)
    try:
        identity = keygen(ctx.folder, ctx.args.name, secret, ctx.policy.params())
    finally:
        wipe(secret)
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
    return 0


def cmd_enrol(ctx: DeskContext) -> int:
    entry = AdvisorRegistry(ctx.folder).enrol(
        ctx.args.name, ctx.args.public_key, dt.datetime.now(dt.UTC)
    )
    ctx.console.out(
        _("Enrolled {name}: fingerprint {fp}").format(
            name=entry.name, fp=public_key_fingerprint(entry.public_key)
        )
    )
    return 0
