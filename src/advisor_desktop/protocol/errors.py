"""Typed errors of referrals and packages, with the desk's documented exit codes.

Messages never contain package content, names or key material.
"""

from __future__ import annotations

from advisor_desktop.platform.errors import EXIT_USAGE, AdvisorError

# Exit codes of ``advisor-desk open`` (and of ``advisor referral`` where they apply).
EXIT_UNDECRYPTABLE = 6
EXIT_SIGNATURE = 7
EXIT_SCHEMA = 8
EXIT_REPLAYED = 9


class ReferralError(AdvisorError):
    """A referral cannot be drafted, confirmed, exported or withdrawn as asked."""


class ReferralNotFound(ReferralError):
    """No referral has the given id."""


class ReferralStateError(ReferralError):
    """The referral is not in a state that allows the step (e.g. export before confirm)."""


class ConsentError(ReferralError):
    """Scopes, statement language or consent method are not valid."""

    exit_code = EXIT_USAGE


class PackageError(AdvisorError):
    """A referral package was refused. Subclasses say why."""


class PackageUndecryptable(PackageError):
    """The file is not an age file for this desk, or it is truncated or damaged."""

    exit_code = EXIT_UNDECRYPTABLE


class PackageBadSignature(PackageError):
    """The signature does not match the content, or the signer is not enrolled."""

    exit_code = EXIT_SIGNATURE


class PackageUnknownSigner(PackageBadSignature):
    """The package was signed by an advisor device the desk has not enrolled."""


class PackageSchemaError(PackageError):
    """The decrypted content does not follow the referral format."""

    exit_code = EXIT_SCHEMA


class PackageReplayed(PackageError):
    """A package with this referral id was already opened at this desk."""

    exit_code = EXIT_REPLAYED


class KeyFormatError(AdvisorError):
    """A public key, recipient or key file is malformed."""
