"""Typed errors of the guides core (guide files and signed guide packs)."""

from __future__ import annotations

from advisor_desktop.platform.errors import AdvisorError


class GuideError(AdvisorError):
    """A guide file or language is missing or malformed."""


class GuideNotFound(GuideError):
    """No guide exists for the requested language or section."""


class GuidePackError(AdvisorError):
    """A guide pack was refused; the installed guides are unchanged."""


class PackMalformed(GuidePackError):
    """The file is not a guide pack, or its content is damaged or unsafe."""


class PackSignatureInvalid(GuidePackError):
    """The pack's signature does not verify against any desk key in the profile."""


class PackNoTrustedKey(GuidePackError):
    """The organisation profile holds no desk key to verify guide packs with."""


class PackNotNewer(GuidePackError):
    """The pack's version is not newer than the guides already installed."""
