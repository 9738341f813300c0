"""``--version`` for the three programs: the package version, read only when asked for."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from advisor_desktop.platform.i18n import _


class VersionAction(argparse.Action):
    """``--version``: prints the program and the package version, read only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", _("show the version and exit"))
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from advisor_desktop import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()
