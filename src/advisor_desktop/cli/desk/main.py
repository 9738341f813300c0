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
import sys
from collections.abc import Sequence

from advisor_desktop.cli.common import (
    Console,
    SharedOption,
    command_parser,
    run_program,
)
from advisor_desktop.cli.desk import identity, packages
from advisor_desktop.cli.desk.context import DeskContext
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.platform.i18n import _

PROG = "advisor-desk"

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
    return command_parser(
        PROG,
        _("Advisor Desktop, central desk side: receive and open referral packages."),
        EPILOG,
        [identity.register, packages.register],
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
) -> int:
    """Run one ``advisor-desk`` command; returns the exit code (see module docstring)."""
    console = console or Console()
    return run_program(
        PROG,
        build_parser(),
        argv,
        console,
        lambda args: DeskContext(args, console, policy or KdfPolicy()),
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
