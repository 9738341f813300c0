"""What both CLIs share: secrets from prompt/file/environment, error-to-exit-code mapping."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from advisor_desktop.crypto.secret_text import SecretText, same_secret, secret_bytes
from advisor_desktop.platform.errors import EXIT_OTHER, EXIT_USAGE, AdvisorError, UsageError
from advisor_desktop.platform.hardening import disable_core_dumps
from advisor_desktop.platform.i18n import _, activate
from advisor_desktop.platform.languages import resolve_ui_language, ui_languages
from advisor_desktop.platform.version import VersionAction

log = logging.getLogger(__name__)


@dataclass
class Console:
    """The process's streams and environment, passed in so tests can drive a command."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    prompt: Callable[[str], str] = getpass.getpass

    def out(self, text: str = "") -> None:
        """Print a line on stdout."""
        print(text, file=self.stdout)

    def err(self, text: str) -> None:
        """Print a line on stderr."""
        print(text, file=self.stderr)

    @property
    def interactive(self) -> bool:
        """True when a person can answer a prompt."""
        isatty = getattr(self.stdin, "isatty", None)
        return bool(isatty and isatty())


class ExitCodeParser(argparse.ArgumentParser):
    """argparse that exits with our documented usage code (2) after printing the usage line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def new_parser(prog: str, description: str, epilog: str) -> ExitCodeParser:
    """The top-level parser both CLIs share: description, epilog, ``--version``."""
    parser = ExitCodeParser(
        prog=prog,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=VersionAction)
    return parser


@dataclass(frozen=True)
class SharedOption:
    """An option every command of a program takes, before or after the command's name."""

    flags: tuple[str, ...]
    metavar: str
    help: str
    default: str | None = None


def add_shared_options(parser: argparse.ArgumentParser, options: Sequence[SharedOption]) -> None:
    """Accept ``options`` before the command (``advisor --data-dir D list``) and after it, at
    any depth (``advisor list --data-dir D``, ``advisor guides list --data-dir D``).

    Call it once every command is registered. After the command the options default to
    "absent", so a value given before the command is kept. A command that defines a flag of
    its own (``guides show --lang``, the guide's language) keeps its meaning there.
    """
    for option in options:
        parser.add_argument(
            *option.flags, metavar=option.metavar, default=option.default, help=option.help
        )
    for sub in _subparsers(parser):
        _add_after_command(sub, options)


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:  # argparse has no public walk over its sub-commands
        if isinstance(action, argparse._SubParsersAction):
            found.extend(dict.fromkeys(action.choices.values()))
    return found


def _add_after_command(parser: argparse.ArgumentParser, options: Sequence[SharedOption]) -> None:
    for option in options:
        if any(flag in parser._option_string_actions for flag in option.flags):
            continue
        parser.add_argument(
            *option.flags, metavar=option.metavar, default=argparse.SUPPRESS, help=option.help
        )
    for sub in _subparsers(parser):
        _add_after_command(sub, options)


def ui_language_option() -> SharedOption:
    """``--lang``: the language of messages, any spelling of a UI language."""
    return SharedOption(
        ("--lang",),
        "CODE",
        _("language of messages: {langs}").format(langs=", ".join(ui_languages())),
        default="en",
    )


def activate_ui_language(code: str) -> None:
    """Make ``code`` the language of messages, or a usage error listing the UI languages."""
    activate(resolve_ui_language(code))


def read_secret_file(path: str) -> bytearray:
    """The first line of ``path`` (a passphrase file), without its line ending."""
    return secret_bytes(_read_secret_text(path))


def _read_secret_text(path: str) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(
            _("The passphrase file cannot be read: {reason}").format(reason=exc.strerror)
        ) from None
    try:
        text = raw.decode("utf-8").splitlines()[0] if raw.strip() else ""
    except UnicodeDecodeError:
        raise UsageError(_("The passphrase file is not UTF-8 text.")) from None
    return text


def get_secret(
    console: Console,
    *,
    file: str | None,
    env_name: str,
    prompt: str,
    confirm: bool = False,
) -> bytearray:
    """A secret from ``--…-file``, else the environment, else a terminal prompt, as the bytes
    of its normal form (a new secret, a recovery code)."""
    return secret_bytes(_secret_text(console, file, env_name, prompt, confirm))


def get_passphrase(console: Console, *, file: str | None, env_name: str, prompt: str) -> SecretText:
    """An existing passphrase from ``--…-file``, the environment or a prompt, in every byte
    form an unlock tries (the normal form, then as typed, for vaults made before passphrases
    were normalised). The caller wipes it."""
    return SecretText.from_text(_secret_text(console, file, env_name, prompt, confirm=False))


def _secret_text(
    console: Console, file: str | None, env_name: str, prompt: str, confirm: bool
) -> str:
    if file:
        return _read_secret_text(file)
    if console.env.get(env_name):
        return console.env[env_name]
    if console.interactive:
        first = console.prompt(prompt)
        if confirm:
            again = console.prompt(_("Type it again: "))
            if not same_secret(again, first):
                raise UsageError(_("The two entries do not match."))
        return first
    raise UsageError(
        _("No passphrase given: use a terminal, --passphrase-file FILE or {env}.").format(
            env=env_name
        )
    )


def run_guarded(program: str, body: Callable[[], int], console: Console) -> int:
    """Run a command; typed errors become a one-line message and their exit code.

    Unexpected errors are logged by type only and never shown as a traceback.
    """
    try:
        return body()
    except AdvisorError as exc:
        console.err(f"{program}: {exc.message}")
        return exc.exit_code
    except BrokenPipeError:
        # Output piped into `head` or similar: the reader left; not an error of ours.
        return 0
    except KeyboardInterrupt:
        console.err(f"{program}: " + _("interrupted"))
        return 130
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else EXIT_USAGE
    except Exception as exc:
        log.error("unexpected_error type=%s", type(exc).__name__)
        console.err(
            f"{program}: "
            + _("unexpected error ({kind}); nothing further was changed.").format(
                kind=type(exc).__name__
            )
        )
        return EXIT_OTHER


def command_parser(
    prog: str,
    description: str,
    epilog: str,
    groups: Sequence[Callable[[Any], None]],
    shared: Sequence[SharedOption],
) -> ExitCodeParser:
    """A program's parser: its command groups (each ``register(sub)``), then the shared
    options (``shared`` and ``--lang``) before and after every command."""
    parser = new_parser(prog, description, epilog)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ExitCodeParser)
    sub.required = True
    for register in groups:
        register(sub)
    add_shared_options(parser, [*shared, ui_language_option()])
    return parser


def run_program(
    prog: str,
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    console: Console,
    make_context: Callable[[argparse.Namespace], Any],
) -> int:
    """Run one command of ``prog``: no core dumps, the language of messages, the command's
    context, and typed errors as one line and their exit code (see :func:`run_guarded`)."""
    disable_core_dumps()

    def body() -> int:
        args = parser.parse_args(argv)
        activate_ui_language(args.lang)
        return int(args.func(make_context(args)))

    return run_guarded(prog, body, console)
