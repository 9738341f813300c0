"""Opening a referral package at the desk: decrypt → parse → verify → validate → replay check.

Every failure is a typed :class:`~advisor_desktop.protocol.errors.PackageError`; nothing in a
hostile file can make this raise anything else. :func:`verify_package` makes every check but
the replay check, which the desk store makes (``desk/intake.py``); :func:`open_package` checks
replays against a :class:`~advisor_desktop.desk.registry.SeenIds` list instead (no store).
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


def verify_package(
    data: bytes,
    identities: Sequence[pyrage.x25519.Identity],
    trusted: Mapping[str, bytes],
) -> OpenedReferral:
    """Decrypt, verify against ``trusted`` advisor keys (key id → raw key), validate."""
    envelope = parse_envelope(decrypt_package(data, identities))
    signer = verify_envelope(envelope, trusted)
    return OpenedReferral(validate_payload(envelope.payload), signer)


def open_package(
    data: bytes,
    identities: Sequence[pyrage.x25519.Identity],
    trusted: Mapping[str, bytes],
    seen: SeenIds,
    *,
    remember: bool = True,
) -> OpenedReferral:
    """Decrypt, verify against ``trusted`` advisor keys, validate, refuse replays."""
    opened = verify_package(data, identities, trusted)
    content = opened.content
    if content.referral_id in seen:
        raise PackageReplayed(
            _("This referral was already opened at this desk (same id): refused as a replay.")
        )
    if remember:
        seen.add(content.referral_id)
    log.info("package_opened id=%s", content.referral_id)
    return opened
