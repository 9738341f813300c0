"""``advisor-desk open`` and ``import``: packages that came as files.

``open FILE`` decrypts, verifies and shows a package, and stores it (a second opening of the
same referral is refused as a replay, as it always was). ``import FILE…`` stores packages from
a USB stick without showing them and writes a signed receipt for each; the same package again
is "already received" (and gets its receipt again), another package with a known referral id
is refused as a replay. ``import`` also takes an advisor's withdrawal files (``.withdrawal``,
recognised by what they decrypt to), after the packages of the same run: each is shown, and
the referral's content is erased from the store (``cli/desk/referrals.py: take_withdrawal``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.cli.desk.output import opened_doc, referral_lines
from advisor_desktop.cli.desk.referrals import report_erased, take_withdrawal
from advisor_desktop.desk.intake import receive_package
from advisor_desktop.desk.receipts import receipt_path, write_receipt
from advisor_desktop.platform.errors import StorageError, UsageError
from advisor_desktop.platform.fsutil import read_limited
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import json_for_terminal
from advisor_desktop.protocol.errors import PackageError, PackageUndecryptable
from advisor_desktop.protocol.referral_package import MAX_PACKAGE_BYTES
from advisor_desktop.protocol.withdrawal import withdrawal_in


def register(sub: Any) -> None:
    """Add ``open`` and ``import`` to the ``advisor-desk`` parser."""
    p = sub.add_parser("open", help=_("decrypt, verify, store and show a referral package"))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help=_("machine-readable output"))
    p.set_defaults(func=cmd_open)

    p = sub.add_parser(
        "import",
        help=_("receive referral packages from files and write a signed receipt for each"),
    )
    p.add_argument("files", metavar="FILE", nargs="+")
    p.add_argument(
        "--receipts",
        metavar="DIR",
        help=_("write the receipts into DIR (default: beside each package)"),
    )
    p.set_defaults(func=cmd_import)


def read_package(path: Path) -> bytes:
    """The bytes of a package file (refused unread when larger than a package can be)."""
    return read_limited(
        path,
        MAX_PACKAGE_BYTES,
        lambda: PackageUndecryptable(_("The file is too large to be a referral package.")),
    )


def cmd_open(ctx: DeskContext) -> int:
    path = Path(ctx.args.file)
    data = read_package(path)
    with ctx.desk(need_identity=True) as desk:
        received = receive_package(
            desk.store,
            desk.keys(),
            data,
            source="file",
            now=ctx.now(),
            file_name=path.name,
            same_bytes_received=False,
        )
    if ctx.args.json:
        ctx.console.out(json_for_terminal(opened_doc(received)))
        return 0
    for line in referral_lines(received.content, received.signer.name, received.signer.key_id):
        ctx.console.out(line)
    return 0


def cmd_import(ctx: DeskContext) -> int:
    paths = [Path(name) for name in ctx.args.files]
    receipts = Path(ctx.args.receipts) if ctx.args.receipts else None
    if receipts is not None and not receipts.is_dir():
        raise UsageError(_("--receipts must name an existing folder."))
    first_failure = 0
    with ctx.desk(need_identity=True) as desk:
        identity = desk.keys()
        report_erased(ctx, desk.erased)
        withdrawals: list[tuple[Path, bytes]] = []
        for path in paths:
            try:
                data = read_package(path)
                document = withdrawal_in(data, [identity.age_identity])
                if document is not None:  # after the packages: its referral may be among them
                    withdrawals.append((path, document))
                    continue
                received = receive_package(
                    desk.store, identity, data, source="file", now=ctx.now(), file_name=path.name
                )
            except (PackageError, UsageError) as exc:
                ctx.console.err(
                    _("{file}: refused: {reason}").format(file=path, reason=exc.message)
                )
                first_failure = first_failure or exc.exit_code
                continue
            target = receipt_path(path, receipts, received.referral_id)
            try:
                write_receipt(identity, received, data, target)
            except StorageError as exc:
                ctx.console.err(
                    _(
                        "{file}: referral {id} was received, but its receipt could not be "
                        "written ({reason}); --receipts DIR writes receipts elsewhere."
                    ).format(file=path, id=received.referral_id, reason=exc.message)
                )
                first_failure = first_failure or exc.exit_code
                continue
            if received.new:
                message = _("{file}: received referral {id} from {name}; receipt {receipt}")
            else:
                message = _(
                    "{file}: already received (referral {id} from {name}); receipt {receipt}"
                )
            ctx.console.out(
                message.format(
                    file=path, id=received.referral_id, name=received.signer.name, receipt=target
                )
            )
        for path, document in withdrawals:
            code = take_withdrawal(ctx, desk, path, document)
            first_failure = first_failure or code
    return first_failure
