"""``advisor-desk``: the central desk's command line (receiving referral packages)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from advisor_desktop import __version__
from advisor_desktop.cli.common import Console, run_guarded
from advisor_desktop.i18n import _

PROG = "advisor-desk"


def build_parser() -> argparse.ArgumentParser:
    """The ``advisor-desk`` argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=_("Advisor Desktop, central desk side: receive and open referral packages."),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--desk-dir", metavar="DIR", help=_("the desk's own protected folder"))
    return parser


def main(argv: Sequence[str] | None = None, *, console: Console | None = None) -> int:
    """Run one ``advisor-desk`` command; returns the exit code."""
    console = console or Console()
    parser = build_parser()

    def body() -> int:
        parser.parse_args(argv)
        parser.print_help(console.stdout)
        return 0

    return run_guarded(PROG, body, console)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
