"""``advisor-desk serve``, ``server-setup`` and ``export-enrolment``: the intake server.

``serve`` runs on the server and needs no desk passphrase: its folder holds only the server's
receipt key, the desk key's certificate of it, the signed device list and the desk's public
file. ``server-setup`` and ``export-enrolment`` run on the workstation (desk passphrase) and
write those files for carrying to the server. See docs/desk.md and docs/sync-protocol.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.desk.server_setup import (
    record_intake_url,
    setup_server_folder,
    write_enrolment,
)
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.keys import group_fingerprint

DAY = 24 * 3600


def register(sub: Any) -> None:
    """Add ``serve``, ``server-setup`` and ``export-enrolment`` to the parser."""
    p = sub.add_parser("serve", help=_("run the intake server (it stores packages it cannot read)"))
    p.add_argument("--listen", required=True, metavar="HOST:PORT", help=_("where to listen"))
    p.add_argument(
        "--server-dir",
        required=True,
        metavar="DIR",
        help=_("the server's folder, as advisor-desk server-setup wrote it"),
    )
    p.add_argument("--tls-cert", metavar="FILE", help=_("the TLS certificate (PEM)"))
    p.add_argument("--tls-key", metavar="FILE", help=_("the TLS private key (PEM)"))
    p.add_argument(
        "--retention-days",
        type=int,
        default=7,
        metavar="N",
        help=_("keep a package's ciphertext N days after the workstation took it (default 7)"),
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "server-setup",
        help=_("write the intake server's folder: its certified receipt key and the device list"),
    )
    p.add_argument("--server-dir", required=True, metavar="DIR", help=_("the folder to write"))
    p.add_argument(
        "--intake-url",
        metavar="URL",
        help=_("the server's public address, for desk-public.json (https://…)"),
    )
    p.add_argument(
        "--validity-days",
        type=int,
        default=730,
        metavar="N",
        help=_("how long the certificate of the receipt key is valid (default 730)"),
    )
    p.add_argument(
        "--new-key",
        action="store_true",
        help=_("make a new receipt key even if the folder has one"),
    )
    p.set_defaults(func=cmd_server_setup)

    p = sub.add_parser(
        "export-enrolment",
        help=_("write the enrolled device list, signed by the desk key, for the server"),
    )
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_export_enrolment)


def cmd_serve(ctx: DeskContext) -> int:
    try:
        from advisor_desktop.desk.server.app import IntakeSettings
        from advisor_desktop.desk.server.run import Listen, parse_listen, serve
    except ImportError:
        raise UsageError(
            _("The intake server needs the desk extra: pip install 'advisor-desktop[desk]'.")
        ) from None
    host, port = parse_listen(ctx.args.listen)
    days = ctx.args.retention_days
    if not 0 <= days <= 3650:
        raise UsageError(_("--retention-days must be 0 to 3650."))
    listen = Listen(
        host,
        port,
        Path(ctx.args.tls_cert) if ctx.args.tls_cert else None,
        Path(ctx.args.tls_key) if ctx.args.tls_key else None,
    )
    ctx.console.err(
        _("Intake server on {scheme}://{host}:{port}, folder {folder}.").format(
            scheme="https" if listen.tls_cert else "http",
            host=host,
            port=port,
            folder=ctx.args.server_dir,
        )
    )
    serve(Path(ctx.args.server_dir), listen, IntakeSettings(retention_seconds=days * DAY))
    return 0


def cmd_server_setup(ctx: DeskContext) -> int:
    folder = Path(ctx.args.server_dir)
    with ctx.desk(need_identity=True) as desk:
        if ctx.args.intake_url:
            record_intake_url(desk.store, ctx.args.intake_url)
        done = setup_server_folder(
            ctx.folder,
            desk.store,
            desk.keys(),
            folder,
            ctx.clock(),
            validity_days=ctx.args.validity_days,
            new_key=ctx.args.new_key,
        )
    say = ctx.console.out
    say(_("Server folder written: {folder}").format(folder=folder))
    key_line = (
        _("new receipt key, fingerprint {fp}")
        if done.new_key
        else _("the folder's receipt key, fingerprint {fp}")
    )
    say("  " + key_line.format(fp=group_fingerprint(done.intake_key_id)))
    say("  " + _("certified by the desk key until {end}").format(end=done.certificate.expires_at))
    say("  " + _("{n} enrolled devices in enrolment.json").format(n=done.devices))
    say(
        _(
            "Copy the folder to the server (intake-key.json is its private key: carry it on "
            "a medium you then wipe), and give the new desk-public.json to the advisors."
        )
    )
    return 0


def cmd_export_enrolment(ctx: DeskContext) -> int:
    out = Path(ctx.args.out)
    if out.is_dir():
        raise UsageError(_("--out must name a file, not a folder."))
    with ctx.desk(need_identity=True) as desk:
        count = write_enrolment(desk.store, desk.keys(), out, ctx.clock())
    ctx.console.out(
        _("{n} enrolled devices written to {path}; copy it into the server's folder.").format(
            n=count, path=out
        )
    )
    return 0
