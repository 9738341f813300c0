"""Opening a referral package at the desk: decrypt → parse → verify → validate → replay check.

Every failure is a typed :class:`~advisor_desktop.protocol.errors.PackageError`; nothing in a
hostile file can make this raise anything else.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyrage

from advisor_desktop.desk.registry import SeenIds
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import PackageReplayed
from advisor_desktop.protocol.referral_package import (
    ReferralContent,
    decrypt_package,
    parse_envelope,
    validate_payload,
    verify_envelope,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenedReferral:
    """A package that passed every check."""

    content: ReferralContent
    signer_key_id: str


def open_package(
    data: bytes,
    identities: Sequence[pyrage.x25519.Identity],
    trusted: Mapping[str, bytes],
    seen: SeenIds,
    *,
    remember: bool = True,
) -> OpenedReferral:
    """Decrypt, verify against ``trusted`` advisor keys, validate, refuse replays."""
    envelope = parse_envelope(decrypt_package(data, identities))
    signer = verify_envelope(envelope, trusted)
    content = validate_payload(envelope.payload)
    if content.referral_id in seen:
        raise PackageReplayed(
            _("This referral was already opened at this desk (same id): refused as a replay.")
        )
    if remember:
        seen.add(content.referral_id)
    log.info("package_opened id=%s", content.referral_id)
    return OpenedReferral(content, signer)
