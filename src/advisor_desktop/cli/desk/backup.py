"""``advisor-desk backup`` and ``restore``: the whole desk (store and identity) as one file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.desk.backup import make_backup, restore_backup
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _


def register(sub: Any) -> None:
    """Add ``backup`` and ``restore`` to the ``advisor-desk`` parser."""
    p = sub.add_parser("backup", help=_("write the desk store and keys to one encrypted file"))
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=_("restore a desk backup into the desk folder"))
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--replace",
        action="store_true",
        help=_("replace an existing desk store (it is kept aside, not deleted)"),
    )
    p.set_defaults(func=cmd_restore)


def cmd_backup(ctx: DeskContext) -> int:
    out = Path(ctx.args.out)
    if out.is_dir():
        raise UsageError(_("--out must name a file, not a folder."))
    with ctx.desk() as desk:
        make_backup(desk.store, out, ctx.now())
    ctx.console.out(_("Backup written to {path}.").format(path=out))
    return 0


def cmd_restore(ctx: DeskContext) -> int:
    path = Path(ctx.args.file)
    if not path.is_file():
        raise UsageError(_("The backup file {name} was not found.").format(name=path.name))
    secret = ctx.passphrase()
    try:
        kept = restore_backup(path, ctx.folder, secret, replace=ctx.args.replace)
    finally:
        wipe(secret)
    ctx.console.out(_("The desk backup was restored into {folder}.").format(folder=ctx.folder))
    if kept is not None:
        ctx.console.out(_("What it replaced was kept in {folder}.").format(folder=kept))
    ctx.console.out(
        _(
            "Packages received after this backup was made are unknown to the desk again: "
            "import them again."
        )
    )
    return 0
