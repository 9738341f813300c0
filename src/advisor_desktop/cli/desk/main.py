"""``advisor-desk``: the central desk's command line (receiving referral packages).

Commands (one module per group): ``identity`` — ``init [--name NAME]`` (the desk store, and
with a name the desk's keys), ``keygen --name NAME`` (the desk's keys; on a new desk the store
too; the public half goes to ``DIR/desk-public.json`` for advisors); ``devices`` — ``enrol
PUBKEY --name NAME [--yes]``, ``devices [--json]``; ``packages`` — ``open FILE [--json]``,
``import FILE… [--receipts DIR]``; ``referrals`` — ``list``, ``show ID``, ``status ID --set
STATE``; ``backup`` — ``backup --out FILE``, ``restore FILE [--replace]``; ``server`` —
``serve --listen HOST:PORT --server-dir DIR [--tls-cert F --tls-key F]`` (no passphrase: the
server's folder holds no desk secret), ``server-setup --server-dir DIR``, ``export-enrolment
--out FILE``; ``sync`` — ``pull``, ``push`` (``--server URL``). Every command that
reads or changes the desk store needs the desk passphrase: a prompt, ``--passphrase-file
FILE`` or ``ADVISOR_DESK_PASSPHRASE``. Everything printed is made safe for a terminal.

Exit codes: 0 success, 1 other error, 2 usage error, 3 wrong desk passphrase, 4 desk store or
folder missing, damaged, replaced or already set up, 5 the desk store is in use by another
command, 6 package does not decrypt for this desk (or is damaged), 7 bad or unknown signature,
8 content does not follow the referral format, 9 referral id already seen (replay).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence

from advisor_desktop.cli.common import (
    Console,
    SharedOption,
    command_parser,
    run_program,
)
from advisor_desktop.cli.desk import (
    backup,
    devices,
    identity,
    packages,
    referrals,
    server,
    sync,
)
from advisor_desktop.cli.desk.context import DeskContext, SafeConsole, utc_now
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.platform.i18n import _

PROG = "advisor-desk"

EPILOG = _(
    "The desk passphrase comes from a prompt on a terminal, else --passphrase-file FILE or the "
    "ADVISOR_DESK_PASSPHRASE environment variable. --desk-dir, --passphrase-file and --lang "
    "may be given before or after the command. Every command that reads or changes the desk "
    "store asks for the desk passphrase, enrol included.\n\n"
    "Exit codes: 0 success, 1 other error, 2 usage error, 3 wrong desk passphrase, 4 desk "
    "store or folder missing, damaged, replaced or already set up, 5 the desk store is in use "
    "by another command, 6 the package does not decrypt for this desk, 7 bad or unknown "
    "signature, 8 not in the referral format, 9 referral already received here (replay)."
)


def build_parser() -> argparse.ArgumentParser:
    """The ``advisor-desk`` argument parser."""
    return command_parser(
        PROG,
        _(
            "Advisor Desktop, central desk side: receive and open referral packages, keep "
            "them in the encrypted desk store, and record the weighing of each."
        ),
        EPILOG,
        [
            identity.register,
            devices.register,
            packages.register,
            referrals.register,
            backup.register,
            server.register,
            sync.register,
        ],
        [
            SharedOption(("--desk-dir",), "DIR", _("the desk's own protected folder")),
            SharedOption(("--passphrase-file",), "FILE", _("read the desk passphrase from FILE")),
        ],
    )


def main(
    argv: Sequence[str] | None = None,
    *,
    console: Console | None = None,
    policy: KdfPolicy | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
) -> int:
    """Run one ``advisor-desk`` command; returns the exit code (see module docstring)."""
    # Error messages too may quote a file name from a USB stick: all output is made safe.
    safe = SafeConsole.around(console or Console())
    return run_program(
        PROG,
        build_parser(),
        argv,
        safe,
        lambda args: DeskContext(args, safe, policy or KdfPolicy(), clock),
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
