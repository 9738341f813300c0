"""Opening a referral package at the desk: decrypt → parse → verify → validate → addressed to
this desk → replay check.

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
    check_addressed,
    decrypt_package,
    parse_envelope,
    recipient_key_id,
    validate_payload,
    verify_envelope,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenedReferral:
    """A package that passed every check."""

    content: ReferralContent
    signer_key_id: str


def age_key_ids(identities: Sequence[pyrage.x25519.Identity]) -> frozenset[str]:
    """The key ids a package names its desk by, for each of this desk's age identities."""
    return frozenset(recipient_key_id(str(i.to_public())) for i in identities)


def verify_package(
    data: bytes,
    identities: Sequence[pyrage.x25519.Identity],
    trusted: Mapping[str, bytes],
    *,
    desk_name: str | None = None,
) -> OpenedReferral:
    """Decrypt, verify against ``trusted`` advisor keys (key id → raw key), validate, and
    refuse a package addressed to another desk (:class:`~advisor_desktop.protocol.
    referral_package.PackageWrongDesk`): its payload must name one of ``identities``' keys, or,
    for a version 1 payload, ``desk_name``."""
    envelope = parse_envelope(decrypt_package(data, identities))
    signer = verify_envelope(envelope, trusted)
    content = validate_payload(envelope.payload)
    check_addressed(content, age_key_ids(identities), desk_name)
    return OpenedReferral(content, signer)


def open_package(
    data: bytes,
    identities: Sequence[pyrage.x25519.Identity],
    trusted: Mapping[str, bytes],
    seen: SeenIds,
    *,
    remember: bool = True,
    desk_name: str | None = None,
) -> OpenedReferral:
    """Decrypt, verify against ``trusted`` advisor keys, validate, check that it is addressed
    to this desk, refuse replays."""
    opened = verify_package(data, identities, trusted, desk_name=desk_name)
    content = opened.content
    if content.referral_id in seen:
        raise PackageReplayed(
            _("This referral was already opened at this desk (same id): refused as a replay.")
        )
    if remember:
        seen.add(content.referral_id)
    log.info("package_opened id=%s", content.referral_id)
    return opened
