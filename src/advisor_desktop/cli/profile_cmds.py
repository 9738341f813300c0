"""``advisor profile show`` and ``advisor profile import FILE``.

Import takes either a whole organisation profile or a ``desk-public.json`` written by
``advisor-desk keygen`` (added as a desk). Either way the desk key fingerprints are printed so
the advisor can compare them with the desk by phone before trusting them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor_desktop.cli.context import CliContext
from advisor_desktop.errors import ProfileError, UsageError
from advisor_desktop.i18n import _
from advisor_desktop.profile import Desk, OrgProfile, parse_profile, with_desk
from advisor_desktop.referral.keys import (
    decode_public_key,
    public_key_fingerprint,
    recipient_fingerprint,
)
from advisor_desktop.vault.meta import load_vault_profile, store_profile

DESK_PUBLIC_FORMAT = "advisor-desktop-desk-public"


def register(sub: Any) -> None:
    """Add ``profile show`` and ``profile import`` to the ``advisor`` parser."""
    prof = sub.add_parser("profile", help=_("show or import the organisation profile"))
    psub = prof.add_subparsers(dest="profile_command", metavar="STEP", parser_class=type(prof))
    psub.required = True
    p = psub.add_parser("show", help=_("show the active profile and its desks"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_show)
    p = psub.add_parser(
        "import", help=_("import a profile, or a desk's desk-public.json, into the vault")
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_import)


def desk_fingerprints(desk: Desk) -> dict[str, str]:
    """The fingerprints of a desk's keys, to read out over the phone."""
    return {
        "age_recipient": recipient_fingerprint(desk.age_recipient),
        "signing_key": public_key_fingerprint(decode_public_key(desk.signing_key)),
    }


def _print_desks(ctx: CliContext, profile: OrgProfile) -> None:
    if not profile.desks:
        ctx.console.out(_("No desks: import a desk's desk-public.json to add one."))
    for desk in profile.desks:
        fps = desk_fingerprints(desk)
        ctx.console.out(_("Desk: {name}").format(name=desk.name))
        ctx.console.out("  " + _("age recipient: {value}").format(value=desk.age_recipient))
        ctx.console.out("  " + _("fingerprint: {fp}").format(fp=fps["age_recipient"]))
        ctx.console.out("  " + _("signing key: {value}").format(value=desk.signing_key))
        ctx.console.out("  " + _("fingerprint: {fp}").format(fp=fps["signing_key"]))
        if desk.url:
            ctx.console.out("  " + _("address: {url}").format(url=desk.url))


def cmd_show(ctx: CliContext) -> int:
    with ctx.vault() as vault:
        profile = load_vault_profile(vault)
    if ctx.args.json:
        doc = {
            "id": profile.id,
            "name": profile.name(),
            "categories": [c.id for c in profile.categories],
            "desks": [
                {
                    "name": d.name,
                    "age_recipient": d.age_recipient,
                    "signing_key": d.signing_key,
                    "url": d.url,
                    "fingerprints": desk_fingerprints(d),
                }
                for d in profile.desks
            ],
        }
        ctx.console.out(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    ctx.console.out(_("Profile: {name} ({id})").format(name=profile.name(), id=profile.id))
    _print_desks(ctx, profile)
    return 0


def cmd_import(ctx: CliContext) -> int:
    path = Path(ctx.args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise UsageError(
            _("The file {name} cannot be read as UTF-8 text.").format(name=path.name)
        ) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        raise ProfileError(_("The file is neither a profile nor a desk key file.")) from None
    is_desk = isinstance(doc, dict) and doc.get("format") == DESK_PUBLIC_FORMAT
    with ctx.vault() as vault:
        if is_desk:
            from advisor_desktop.desk.identity import parse_desk_public

            public = parse_desk_public(doc)
            desk = Desk(public.name, public.age_recipient, public.signing_key)
            profile = with_desk(load_vault_profile(vault), desk)
        else:
            profile = parse_profile(text)
        store_profile(vault, profile)
    if is_desk:
        ctx.console.out(_("Desk added to the profile. Compare the fingerprints with the desk:"))
    else:
        ctx.console.out(_("Profile imported. Compare the desk fingerprints with each desk:"))
    _print_desks(ctx, profile)
    return 0
