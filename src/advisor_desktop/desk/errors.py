"""Typed errors of the desk, with the documented exit codes of ``advisor-desk``.

Messages never contain package content or key material.
"""

from __future__ import annotations

from advisor_desktop.platform.errors import EXIT_VAULT, AdvisorError, VaultCorrupt, VaultMissing


class DeskError(AdvisorError):
    """The desk folder is missing, damaged, or already set up (exit 4)."""

    exit_code = EXIT_VAULT


class DeskStoreMissing(VaultMissing):
    """The desk folder has no store (exit 4)."""


class DeskStoreCorrupt(VaultCorrupt):
    """A store file is missing, truncated, damaged, foreign or replaced (exit 4)."""


class DeviceError(AdvisorError):
    """An advisor device cannot be enrolled as asked: a name taken, a key already enrolled,
    a name that cannot be shown safely (exit 1)."""


class ReferralUnknown(AdvisorError):
    """No referral in the desk store has the given id (exit 1)."""


class StatusError(AdvisorError):
    """A status change that is not allowed (exit 1)."""
