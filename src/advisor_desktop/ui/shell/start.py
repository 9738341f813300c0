"""``advisor-desktop``: the GUI entry point and the one composition root of the desktop app.

Builds paths (platformdirs or ``--data-dir``), logging, the language, and hands them to the UI.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from advisor_desktop.platform.errors import EXIT_USAGE, UsageError
from advisor_desktop.platform.hardening import disable_core_dumps
from advisor_desktop.platform.i18n import _, activate
from advisor_desktop.platform.languages import LANG_ENV, resolve_ui_language, ui_languages
from advisor_desktop.platform.logs import setup_logging
from advisor_desktop.platform.paths import AppPaths, resolve_paths
from advisor_desktop.platform.version import VersionAction


def build_parser() -> argparse.ArgumentParser:
    """Options of the desktop application."""
    parser = argparse.ArgumentParser(
        prog="advisor-desktop",
        description=_("Advisor Desktop: the encrypted notebook of a confidential advisor."),
    )
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=_("keep the vault, settings and logs in DIR (e.g. on a USB stick)"),
    )
    parser.add_argument(
        "--lang",
        metavar="CODE",
        default=None,
        help=_(
            "language of the user interface: {langs} (default: the one chosen before, or "
            "the {env} environment variable)"
        ).format(langs=", ".join(ui_languages()), env=LANG_ENV),
    )
    return parser


def _start_logging(paths: AppPaths) -> None:
    # A log folder on read-only media (a write-protected stick with --data-dir): no log file.
    with contextlib.suppress(OSError):
        setup_logging(paths.logs)


def main(
    argv: Sequence[str] | None = None, *, on_first_window: Callable[[Any], None] | None = None
) -> int:
    """Start the desktop application; returns the process exit code.

    ``on_first_window`` is called with the first window once shown (the start-up benchmark).
    """
    disable_core_dumps()
    args = build_parser().parse_args(argv)
    asked = args.lang or os.environ.get(LANG_ENV)
    try:
        lang = resolve_ui_language(asked) if asked else None
    except UsageError as exc:
        print(f"advisor-desktop: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    paths = resolve_paths(args.data_dir)
    # Read-only media: nothing can be created there; the vault on it opens read-only.
    with contextlib.suppress(OSError):
        paths.ensure()
    from advisor_desktop.app.preferences import read_language

    lang = lang or read_language(paths.config) or "en"
    activate(lang)
    from advisor_desktop.ui.shell.application import run_application

    # The log file is opened once the first window is on screen: nothing is logged before
    # that, and the window appears sooner.
    return run_application(
        paths,
        lang,
        [sys.argv[0]],
        on_first_window=on_first_window,
        after_first_window=lambda: _start_logging(paths),
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
