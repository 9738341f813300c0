"""One run of ``advisor-desk``: arguments, console, desk folder, KDF policy, clock, passphrase,
and the desk (store and identity) unlocked on demand."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from advisor_desktop.cli.common import Console, get_secret, read_secret_file
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.workstation import Desk, SetUp, unlock_desk
from advisor_desktop.platform.errors import UsageError
from advisor_desktop.platform.hardening import wipe
from advisor_desktop.platform.i18n import _, ngettext
from advisor_desktop.platform.terminal import safe_for_terminal
from advisor_desktop.protocol.referral_package import utc_stamp

PASSPHRASE_ENV = "ADVISOR_DESK_PASSPHRASE"  # noqa: S105 - a variable name, not a secret


@dataclass
class SafeConsole(Console):
    """The console of every desk command: what it prints has control, C1 and bidi characters
    escaped (platform/terminal.py), whatever part of a package, a file name or a message it
    came from. Newlines stay line breaks: output is printed as lines on purpose."""

    def out(self, text: str = "") -> None:
        """Print a line on stdout, made safe for a terminal."""
        super().out(safe_for_terminal(text, keep_newlines=True))

    def err(self, text: str) -> None:
        """Print a line on stderr, made safe for a terminal."""
        super().err(safe_for_terminal(text, keep_newlines=True))

    @classmethod
    def around(cls, console: Console) -> SafeConsole:
        """The same streams, environment and prompt, with safe output."""
        if isinstance(console, SafeConsole):
            return console
        return cls(
            stdin=console.stdin,
            stdout=console.stdout,
            stderr=console.stderr,
            env=console.env,
            prompt=console.prompt,
        )


def utc_now() -> dt.datetime:
    """The current time (UTC)."""
    return dt.datetime.now(dt.UTC)


class DeskContext:
    """One run of ``advisor-desk``: arguments, console, folder, KDF policy, clock."""

    def __init__(
        self,
        args: argparse.Namespace,
        console: Console,
        policy: KdfPolicy,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.args = args
        self.console = SafeConsole.around(console)
        self.policy = policy
        self.clock = clock
        self.folder = (
            Path(args.desk_dir).expanduser()
            if args.desk_dir
            else Path(platformdirs.user_data_dir("AdvisorDesk", "AdvisorDesktop"))
        )

    def now(self) -> str:
        """The current time as the store records it (``YYYY-MM-DDTHH:MM:SSZ``)."""
        return utc_stamp(self.clock())

    def passphrase(self, *, confirm: bool = False, prompt: str | None = None) -> bytearray:
        """The desk passphrase (file, environment or prompt)."""
        if self.args.passphrase_file:
            return read_secret_file(self.args.passphrase_file)
        return get_secret(
            self.console,
            file=None,
            env_name=PASSPHRASE_ENV,
            prompt=prompt or _("Desk passphrase: "),
            confirm=confirm,
        )

    @contextlib.contextmanager
    def desk(self, *, need_identity: bool = False) -> Iterator[Desk]:
        """Unlock the desk for the command (the store; the identity when the command decrypts
        or signs). A desk folder from before the store is set up here, and that is said on
        stderr, with the recovery code."""
        secret = self.passphrase()
        try:
            desk = unlock_desk(
                self.folder, secret, self.policy, self.now(), need_identity=need_identity
            )
        finally:
            wipe(secret)
        with desk:
            if desk.set_up is not None:
                self.report_set_up(desk.set_up, err=True)
            for name in desk.ignored_files:
                self.console.err(
                    _(
                        "Note: {file} in the desk folder is ignored; the desk store holds the "
                        "enrolled devices and the referrals received."
                    ).format(file=name)
                )
            yield desk

    def report_set_up(self, set_up: SetUp, *, err: bool = False) -> None:
        """Tell what setting up the store did: the recovery code, what was imported."""
        say = self.console.err if err else self.console.out
        say(_("Desk store created in {folder}.").format(folder=self.folder))
        imported = set_up.imported
        if imported is not None:
            say(
                ngettext(
                    "Imported from {files}: {n} enrolled device (check its fingerprint with "
                    "the advisor by phone):",
                    "Imported from {files}: {n} enrolled devices (check their fingerprints with "
                    "the advisors by phone):",
                    len(imported.devices),
                ).format(files=", ".join(imported.files), n=len(imported.devices))
            )
            for device in imported.devices:
                say(
                    "  "
                    + _("{name}: fingerprint {fp}").format(name=device.name, fp=device.fingerprint)
                )
            for original, device in imported.renamed:
                say(
                    "  "
                    + _('"{original}" was imported as {name}.').format(
                        original=safe_for_terminal(original), name=device.name
                    )
                )
            say(
                ngettext(
                    "{n} referral id already seen was imported.",
                    "{n} referral ids already seen were imported.",
                    imported.seen_ids,
                ).format(n=imported.seen_ids)
            )
            say(_("The older files were removed: the desk store replaces them."))
        say("")
        say(
            _(
                "The desk store's recovery code (shown only this once; write it down and keep "
                "it apart from this workstation):"
            )
        )
        say("")
        say(f"    {set_up.recovery_code}")
        say("")

    def confirm(self, question: str) -> bool:
        """Ask ``question`` on the terminal; True only for an answer of yes."""
        if not self.console.interactive:
            raise UsageError(_("A confirmation is needed, and there is no terminal to ask on."))
        print(safe_for_terminal(question), end=" ", file=self.console.stdout, flush=True)
        answer = self.console.stdin.readline().strip().lower()
        return answer in {"y", "yes", _("y"), _("yes")}
