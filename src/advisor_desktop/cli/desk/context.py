"""One run of ``advisor-desk``: arguments, console, desk folder, KDF policy, passphrase."""

from __future__ import annotations

import argparse
from pathlib import Path

import platformdirs

from advisor_desktop.cli.common import Console, get_secret, read_secret_file
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.platform.i18n import _

PASSPHRASE_ENV = "ADVISOR_DESK_PASSPHRASE"  # noqa: S105 - a variable name, not a secret


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
