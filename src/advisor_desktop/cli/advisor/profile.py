"""``advisor profile show`` and ``advisor profile import FILE``.

Import takes either a whole organisation profile or a ``desk-public.json`` written by
``advisor-desk keygen`` (added as a desk). Either way the desk key fingerprints are printed so
the advisor can compare them with the desk by phone before trusting them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor_desktop.app.trust import desk_fingerprints, import_trust
from advisor_desktop.cli.advisor.context import CliContext
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.profile import OrgProfile


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
    with ctx.workspace() as workspace:
        profile = workspace.profile
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
        data = path.read_bytes()
    except OSError:
        raise UsageError(_("The file {name} cannot be read.").format(name=path.name)) from None
    with ctx.workspace() as workspace:
        imported = import_trust(workspace, data)
    if imported.desk_only:
        ctx.console.out(_("Desk added to the profile. Compare the fingerprints with the desk:"))
    else:
        ctx.console.out(_("Profile imported. Compare the desk fingerprints with each desk:"))
    _print_desks(ctx, imported.profile)
    return 0
