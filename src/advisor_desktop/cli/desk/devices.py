"""``advisor-desk enrol`` and ``devices``: the advisor devices the desk trusts.

Enrolling needs the desk passphrase, shows the key's fingerprint (to compare with the advisor
by phone) and asks for confirmation on a terminal; ``--yes`` is for a desk that compared it
already. Without a terminal and without ``--yes`` it is refused.
"""

from __future__ import annotations

from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.desk.devices import check_enrolment, device_name, enrol_device, list_devices
from advisor_desktop.platform.errors import EXIT_OTHER, UsageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import json_for_terminal
from advisor_desktop.protocol.keys import decode_public_key, public_key_fingerprint


def register(sub: Any) -> None:
    """Add ``enrol`` and ``devices`` to the ``advisor-desk`` parser."""
    p = sub.add_parser("enrol", help=_("trust an advisor device's public key"))
    p.add_argument("public_key", metavar="PUBKEY", help=_("as printed by advisor device-key"))
    p.add_argument("--name", required=True, metavar="NAME")
    p.add_argument(
        "--yes",
        action="store_true",
        help=_("do not ask: the fingerprint was compared with the advisor already"),
    )
    p.set_defaults(func=cmd_enrol)

    p = sub.add_parser("devices", help=_("list the enrolled advisor devices"))
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_devices)


def cmd_enrol(ctx: DeskContext) -> int:
    public_key = decode_public_key(ctx.args.public_key)
    name = device_name(ctx.args.name)
    if not ctx.args.yes and not ctx.console.interactive:
        raise UsageError(
            _(
                "enrol asks for confirmation on a terminal: compare the fingerprint with the "
                "advisor, then run it on a terminal, or with --yes."
            )
        )
    fingerprint = public_key_fingerprint(public_key)
    with ctx.desk() as desk:
        check_enrolment(desk.store, name, public_key)
        ctx.console.out(_("Device key fingerprint: {fp}").format(fp=fingerprint))
        if not ctx.args.yes:
            ctx.console.out(_("Compare it with the fingerprint the advisor reads out to you."))
            if not ctx.confirm(_("Enrol this device as {name}? [y/N]").format(name=name)):
                ctx.console.err(_("Nothing was enrolled."))
                return EXIT_OTHER
        device = enrol_device(desk.store, name, public_key, ctx.now())
    ctx.console.out(
        _("Enrolled {name}: fingerprint {fp}").format(name=device.name, fp=device.fingerprint)
    )
    return 0


def cmd_devices(ctx: DeskContext) -> int:
    with ctx.desk() as desk:
        devices = list_devices(desk.store)
    if ctx.args.json:
        ctx.console.out(
            json_for_terminal(
                [
                    {
                        "name": d.name,
                        "key_id": d.key_id,
                        "fingerprint": d.fingerprint,
                        "enrolled_at": d.enrolled_at,
                        "origin": d.origin,
                    }
                    for d in devices
                ]
            )
        )
        return 0
    if not devices:
        ctx.console.out(_("No advisor device is enrolled yet."))
    for device in devices:
        ctx.console.out(
            _("{name}: fingerprint {fp}, enrolled {when}").format(
                name=device.name, fp=device.fingerprint, when=device.enrolled_at
            )
        )
    return 0
