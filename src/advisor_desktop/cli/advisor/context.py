"""The composition of a CLI run: paths, KDF policy, console, clock; opens the vault on demand."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from advisor_desktop.app.workspace import Workspace, open_workspace
from advisor_desktop.cli.common import Console, get_passphrase, get_secret
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.notebook.service import Notebook
from advisor_desktop.platform.clock import Clock, utc_now
from advisor_desktop.platform.errors import VaultMissing
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.paths import AppPaths
from advisor_desktop.storage.store import Vault, vault_exists

PASSPHRASE_ENV = "ADVISOR_PASSPHRASE"  # noqa: S105 - a variable name, not a secret


@dataclass
class CliContext:
    """Everything a command needs, built once in ``main``."""

    args: argparse.Namespace
    paths: AppPaths
    console: Console
    policy: KdfPolicy
    clock: Clock = utc_now

    def passphrase(self, *, prompt: str | None = None, confirm: bool = False) -> bytearray:
        """The advisor's passphrase (``--passphrase-file``, ``ADVISOR_PASSPHRASE`` or prompt)."""
        return get_secret(
            self.console,
            file=getattr(self.args, "passphrase_file", None),
            env_name=PASSPHRASE_ENV,
            prompt=prompt or _("Passphrase: "),
            confirm=confirm,
        )

    @contextlib.contextmanager
    def workspace(self) -> Iterator[Workspace]:
        """Unlock the vault for the duration of a command: the same workspace the desktop
        opens (notebook, profile, referrals, guides over the vault)."""
        if not vault_exists(self.paths):
            # Say so before asking for a passphrase that could not open anything.
            raise VaultMissing(_("No vault was found in {folder}.").format(folder=self.paths.data))
        secret = get_passphrase(
            self.console,
            file=getattr(self.args, "passphrase_file", None),
            env_name=PASSPHRASE_ENV,
            prompt=_("Passphrase: "),
        )
        with open_workspace(self.paths, secret, self.policy, self.clock) as workspace:
            if workspace.vault.read_only:
                # One line on stderr: stdout stays the command's output (--json, a list).
                self.console.err(
                    _(
                        "read-only: the vault's folder cannot be written (write-protected "
                        "media?); it is open for reading only, changes are refused."
                    )
                )
            yield workspace

    @contextlib.contextmanager
    def vault(self) -> Iterator[Vault]:
        """Unlock the vault itself (backup, passphrase change)."""
        with self.workspace() as workspace:
            yield workspace.vault

    @contextlib.contextmanager
    def notebook(self) -> Iterator[Notebook]:
        """Unlock the vault and give the notebook over it."""
        with self.workspace() as workspace:
            yield workspace.notebook
