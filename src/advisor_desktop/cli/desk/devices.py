"""``advisor-desk enrol`` and ``devices``: the advisor devices the desk trusts.

Enrolling needs the desk passphrase, shows the keys' fingerprints (to compare with the advisor
by phone) and asks for confirmation on a terminal; ``--yes`` is for a desk that compared them
already. Without a terminal and without ``--yes`` it is refused.

A device is enrolled with its Ed25519 key and its age recipient (both printed by ``advisor
device-key``). The Ed25519 key alone is still taken, as older devices gave it, but then no
status message can be sent to that device; ``enrol`` with the same key, its age recipient and
the same name adds the age key later.
"""

from __future__ import annotations

from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.desk.devices import (
    add_age_recipient,
    age_recipient,
    can_add_age_recipient,
    check_enrolment,
    device_name,
    enrol_device,
    list_devices,
)
from advisor_desktop.platform.errors import EXIT_OTHER, UsageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import json_for_terminal
from advisor_desktop.protocol.keys import (
    decode_public_key,
    public_key_fingerprint,
    recipient_fingerprint,
)


def register(sub: Any) -> None:
    """Add ``enrol`` and ``devices`` to the ``advisor-desk`` parser."""
    p = sub.add_parser("enrol", help=_("trust an advisor device's public key"))
    p.add_argument("public_key", metavar="PUBKEY", help=_("as printed by advisor device-key"))
    p.add_argument(
        "age_recipient",
        metavar="AGE_RECIPIENT",
        nargs="?",
        help=_(
            "the device's age key (age1…, printed by advisor device-key), to send it status "
            "messages"
        ),
    )
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
    recipient = None if ctx.args.age_recipient is None else age_recipient(ctx.args.age_recipient)
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
        # The same key, its age key and its own name again: the age key is added to it.
        completing = (
            None if recipient is None else can_add_age_recipient(desk.store, name, public_key)
        )
        if completing is None:
            check_enrolment(desk.store, name, public_key)
        ctx.console.out(_("Device key fingerprint: {fp}").format(fp=fingerprint))
        if recipient is not None:
            ctx.console.out(
                _("Age key fingerprint: {fp}").format(fp=recipient_fingerprint(recipient))
            )
        if not ctx.args.yes:
            ctx.console.out(_("Compare it with the fingerprint the advisor reads out to you."))
            question = (
                _("Enrol this device as {name}? [y/N]")
                if completing is None
                else _("Add this age key to the device {name}? [y/N]")
            )
            if not ctx.confirm(question.format(name=name)):
                ctx.console.err(_("Nothing was enrolled."))
                return EXIT_OTHER
        if completing is not None and recipient is not None:
            device = add_age_recipient(desk.store, completing, recipient)
            ctx.console.out(
                _("Added the age key to {name}: status messages can be sent to it.").format(
                    name=device.name
                )
            )
            return 0
        device = enrol_device(desk.store, name, public_key, ctx.now(), recipient)
    ctx.console.out(
        _("Enrolled {name}: fingerprint {fp}").format(name=device.name, fp=device.fingerprint)
    )
    if device.age_recipient is None:
        ctx.console.err(
            _(
                "Enrolled without an age key: no status message can be sent to this device. "
                "Add it later with advisor-desk enrol PUBKEY AGE_RECIPIENT --name {name}."
            ).format(name=device.name)
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
                        "age_recipient": d.age_recipient,
                        "age_fingerprint": d.age_fingerprint,
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
        if device.age_fingerprint is None:
            ctx.console.out("  " + _("no age key: status messages cannot be sent to it"))
        else:
            ctx.console.out("  " + _("age key fingerprint {fp}").format(fp=device.age_fingerprint))
    return 0
