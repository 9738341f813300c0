"""Typed errors of the core. Each carries a one-line, translated message and a CLI exit code.

The UI shows ``str(error)``; the CLI prints it on stderr and exits with ``exit_code``. No
message ever contains note content, names or key material.
"""

from __future__ import annotations

# Documented exit codes (README, `advisor --help`).
EXIT_OK = 0
EXIT_OTHER = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_VAULT = 4
EXIT_BUSY = 5
# 6-9 are the referral protocol's (protocol/errors.py).
EXIT_READ_ONLY = 10


class AdvisorError(Exception):
    """Base of every error a user can cause or meet."""

    exit_code = EXIT_OTHER

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(AdvisorError):
    """The command was called wrongly (missing option, bad value)."""

    exit_code = EXIT_USAGE


class AuthError(AdvisorError):
    """A passphrase or recovery code did not open the vault."""

    exit_code = EXIT_AUTH


class WrongPassphrase(AuthError):
    """The passphrase does not open this vault."""


class WrongRecoveryCode(AuthError):
    """The recovery code does not open this vault (or was mistyped)."""


class VaultError(AdvisorError):
    """The vault is missing, unreadable, damaged or from a newer version."""

    exit_code = EXIT_VAULT


class VaultMissing(VaultError):
    """No vault exists in the data folder."""


class VaultExists(AdvisorError):
    """A vault already exists where a new one was to be created."""


class VaultCorrupt(VaultError):
    """A vault file is truncated, damaged or not a vault at all."""


class VaultTooNew(VaultError):
    """The vault was written by a newer version of Advisor Desktop."""


class VaultBusy(AdvisorError):
    """Another Advisor Desktop process has this vault open."""

    exit_code = EXIT_BUSY


class VaultLocked(AdvisorError):
    """The vault was locked; it must be unlocked again before use."""


class StorageError(AdvisorError):
    """The disk refused a write (full, read-only, permissions). Nothing was changed."""


class ReadOnlyMedia(StorageError):
    """The vault is open read-only (its folder cannot be written: write-protected media), so
    a change was refused; or it cannot be opened read-only at all (it needs a migration, or
    was not closed properly). Nothing was changed."""

    exit_code = EXIT_READ_ONLY


class ProfileError(AdvisorError):
    """An organisation profile is malformed or inconsistent."""


class RecordNotFound(AdvisorError):
    """No conversation record has the given id."""


class ValidationError(AdvisorError):
    """A value given for a record field is not valid."""


class BackupError(AdvisorError):
    """A backup file is damaged, foreign or could not be written."""

    exit_code = EXIT_VAULT
