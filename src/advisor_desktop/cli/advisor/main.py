"""``advisor``: the advisor's headless command line.

Exit codes: 0 success; 1 anything else; 2 usage error; 3 wrong passphrase or recovery code;
4 vault missing, unreadable, corrupt or from a newer version; 5 vault open in another process;
10 a change refused because the vault is on read-only media (it opens read-only).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from advisor_desktop.cli.advisor import (
    guides,
    outbox,
    profile,
    records,
    referral,
    selftest,
    status,
    vault,
)
from advisor_desktop.cli.advisor.context import CliContext
from advisor_desktop.cli.common import (
    Console,
    SharedOption,
    command_parser,
    run_program,
)
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.logs import setup_logging
from advisor_desktop.platform.paths import resolve_paths

PROG = "advisor"

EPILOG = _(
    "The passphrase comes from a prompt on a terminal, else --passphrase-file FILE or the "
    "ADVISOR_PASSPHRASE environment variable. --data-dir, --passphrase-file and --lang may be "
    "given before or after the command (after 'guides show' and 'guides pdf', --lang is the "
    "guide's language).\n\n"
    "Exit codes: 0 success, 1 other error, 2 usage error, 3 wrong passphrase or recovery "
    "code, 4 vault missing, unreadable, corrupt or from a newer version, 5 vault in use by "
    "another process, 10 the vault is on read-only media (write-protected): it opens "
    "read-only, a change is refused."
)


def build_parser() -> argparse.ArgumentParser:
    """The full ``advisor`` argument parser."""
    return command_parser(
        PROG,
        _("Advisor Desktop: the encrypted notebook of a confidential advisor."),
        EPILOG,
        [
            vault.register,
            records.register,
            selftest.register,
            referral.register,
            status.register,
            outbox.register,
            profile.register,
            guides.register,
        ],
        [
            SharedOption(
                ("--data-dir",),
                "DIR",
                _("keep the vault, settings and logs in DIR (e.g. on a USB stick)"),
            ),
            SharedOption(
                ("--passphrase-file",), "FILE", _("read the passphrase from the first line of FILE")
            ),
        ],
    )


def main(
    argv: Sequence[str] | None = None,
    *,
    console: Console | None = None,
    policy: KdfPolicy | None = None,
) -> int:
    """Run one ``advisor`` command; returns the exit code (see module docstring)."""
    console = console or Console()

    def context(args: argparse.Namespace) -> CliContext:
        paths = resolve_paths(args.data_dir)
        # A read-only data folder must not stop read-only commands.
        with contextlib.suppress(OSError):
            setup_logging(paths.logs)
        return CliContext(args=args, paths=paths, console=console, policy=policy or KdfPolicy())

    return run_program(PROG, build_parser(), argv, console, context)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
