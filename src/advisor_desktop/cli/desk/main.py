"""``advisor-desk``: the central desk's command line (receiving referral packages).

Commands: ``keygen --name NAME`` (a new desk identity; the public half is written to
``DIR/desk-public.json`` for advisors), ``enrol PUBKEY --name NAME`` (trust an advisor device
key, as printed by ``advisor device-key``), ``open FILE [--json]`` (decrypt, verify, validate,
refuse replays). The desk passphrase comes from a prompt, ``--passphrase-file FILE`` or
``ADVISOR_DESK_PASSPHRASE``.

Exit codes: 0 success, 1 other error, 2 usage error, 3 wrong desk passphrase, 4 desk folder
missing or damaged, 6 package does not decrypt for this desk (or is damaged), 7 bad or unknown
signature, 8 content does not follow the referral format, 9 referral id already seen (replay).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import platformdirs

from advisor_desktop.cli.common import (
    Console,
    ExitCodeParser,
    SharedOption,
    activate_ui_language,
    add_shared_options,
    get_secret,
    new_parser,
    read_secret_file,
    run_guarded,
    ui_language_option,
)
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.identity import keygen, unlock
from advisor_desktop.desk.opener import OpenedReferral, open_package
from advisor_desktop.desk.registry import AdvisorRegistry, SeenIds
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.hardening import disable_core_dumps, wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import PUBLIC_FILE
from advisor_desktop.protocol.errors import PackageUndecryptable
from advisor_desktop.protocol.keys import public_key_fingerprint, recipient_fingerprint
from advisor_desktop.protocol.readable import readable_lines
from advisor_desktop.protocol.referral_package import MAX_PACKAGE_BYTES

PROG = "advisor-desk"
PASSPHRASE_ENV = "ADVISOR_DESK_PASSPHRASE"  # noqa: S105 - a variable name, not a secret

EPILOG = _(
    "The desk passphrase comes from a prompt on a terminal, else --passphrase-file FILE or the "
    "ADVISOR_DESK_PASSPHRASE environment variable. --desk-dir, --passphrase-file and --lang "
    "may be given before or after the command.\n\n"
    "Exit codes: 0 success, 1 other error, 2 usage error, 3 wrong desk passphrase, 4 desk "
    "folder missing or damaged, 6 the package does not decrypt for this desk, 7 bad or unknown "
    "signature, 8 not in the referral format, 9 referral already opened here (replay)."
)


def build_parser() -> argparse.ArgumentParser:
    """The ``advisor-desk`` argument parser."""
    parser = new_parser(
        PROG, _("Advisor Desktop, central desk side: receive and open referral packages."), EPILOG
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ExitCodeParser)
    sub.required = True

    p = sub.add_parser("keygen", help=_("create the desk's keys (age + Ed25519)"))
    p.add_argument("--name", required=True, metavar="NAME")
    p.set_defaults(func=cmd_keygen)

    p = sub.add_parser("enrol", help=_("trust an advisor device's public key"))
    p.add_argument("public_key", metavar="PUBKEY", help=_("as printed by advisor device-key"))
    p.add_argument("--name", required=True, metavar="NAME")
    p.set_defaults(func=cmd_enrol)

    p = sub.add_parser("open", help=_("decrypt, verify and show a referral package"))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_open)
    add_shared_options(
        parser,
        [
            SharedOption(("--desk-dir",), "DIR", _("the desk's own protected folder")),
            SharedOption(("--passphrase-file",), "FILE", _("read the desk passphrase from FILE")),
            ui_language_option(),
        ],
    )
    return parser


class DeskContext:
    """One run of ``advisor-desk``: arguments, console, folder, KDF policy."""

    def __init__(self, args: argparse.Namespace, console: Console, policy: KdfPolicy) -> None:
        self.args = args
        self.console = console
        self.policy = policy
        self.folder = (
            Path(args.desk_dir).expanduser()
            if args.desk_dir
            else Path(platformdirs.user_data_dir("AdvisorDesk", "AdvisorDesktop"))
        )

    def passphrase(self, *, confirm: bool = False) -> bytearray:
        """The desk passphrase (file, environment or prompt)."""
        if self.args.passphrase_file:
            return read_secret_file(self.args.passphrase_file)
        return get_secret(
            self.console,
            file=None,
            env_name=PASSPHRASE_ENV,
            prompt=_("Desk passphrase: "),
            confirm=confirm,
        )


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


def _read_package(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PACKAGE_BYTES + 1)
    except OSError as exc:
        raise UsageError(
            _("The file {name} cannot be read: {reason}").format(
                name=path.name, reason=exc.strerror
            )
        ) from None
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageUndecryptable(_("The file is too large to be a referral package."))
    return data


def cmd_open(ctx: DeskContext) -> int:
    data = _read_package(Path(ctx.args.file))
    secret = ctx.passphrase()
    try:
        identity = unlock(ctx.folder, secret)
    finally:
        wipe(secret)
    registry = AdvisorRegistry(ctx.folder)
    opened = open_package(data, [identity.age_identity], registry.trusted(), SeenIds(ctx.folder))
    names = {a.key_id: a.name for a in registry.load()}
    if ctx.args.json:
        doc = {"signer": names.get(opened.signer_key_id, ""), "payload": opened.content.raw}
        ctx.console.out(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    for line in render_referral(opened, names.get(opened.signer_key_id, "")):
        ctx.console.out(line)
    return 0


def render_referral(opened: OpenedReferral, signer_name: str) -> list[str]:
    """A verified referral as readable lines (as the advisor previewed it), with its signer."""
    lines = readable_lines(opened.content)
    lines.insert(
        1, _("Signed by: {name} ({key})").format(name=signer_name, key=opened.signer_key_id)
    )
    return lines


def main(
    argv: Sequence[str] | None = None,
    *,
    console: Console | None = None,
    policy: KdfPolicy | None = None,
) -> int:
    """Run one ``advisor-desk`` command; returns the exit code (see module docstring)."""
    disable_core_dumps()
    console = console or Console()
    parser = build_parser()

    def body() -> int:
        args = parser.parse_args(argv)
        activate_ui_language(args.lang)
        ctx = DeskContext(args, console, policy or KdfPolicy())
        result: int = args.func(ctx)
        return result

    return run_guarded(PROG, body, console)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
