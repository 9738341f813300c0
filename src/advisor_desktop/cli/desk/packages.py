"""``advisor-desk open``: decrypt, verify and show a referral package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.desk.identity import unlock
from advisor_desktop.desk.opener import OpenedReferral, open_package
from advisor_desktop.desk.registry import AdvisorRegistry, SeenIds
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import PackageUndecryptable
from advisor_desktop.protocol.readable import readable_lines
from advisor_desktop.protocol.referral_package import MAX_PACKAGE_BYTES


def register(sub: Any) -> None:
    """Add ``open`` to the ``advisor-desk`` parser."""
    p = sub.add_parser("open", help=_("decrypt, verify and show a referral package"))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_open)


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
