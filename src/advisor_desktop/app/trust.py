"""What the advisor trusts: importing a profile or a desk's public keys, and fingerprints.

Shared by ``advisor profile import`` and the Settings page. A file is either a whole
organisation profile or a ``desk-public.json`` written by ``advisor-desk keygen`` (added to the
current profile as a desk). The fingerprints are read out over the phone before trusting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from advisor_desktop.app.workspace import Workspace
from advisor_desktop.platform import jsonio
from advisor_desktop.platform.errors import ProfileError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import is_desk_public, parse_desk_public
from advisor_desktop.protocol.keys import (
    decode_public_key,
    public_key_fingerprint,
    recipient_fingerprint,
)
from advisor_desktop.protocol.profile import Desk, OrgProfile, parse_profile, with_desk

MAX_PROFILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ImportedTrust:
    """The profile to store, and whether the file was a single desk's keys."""

    profile: OrgProfile
    desk_only: bool


def desk_fingerprints(desk: Desk) -> dict[str, str]:
    """The fingerprints of a desk's keys, to read out over the phone."""
    return {
        "age_recipient": recipient_fingerprint(desk.age_recipient),
        "signing_key": public_key_fingerprint(decode_public_key(desk.signing_key)),
    }


def import_trust_file(data: bytes, current: OrgProfile) -> ImportedTrust:
    """Validate a profile or desk key file; returns the profile that would replace ``current``.

    Raises :class:`ProfileError` (or the desk module's error) with a clear message; nothing is
    stored here.
    """
    if len(data) > MAX_PROFILE_BYTES:
        raise ProfileError(_("The file is too large to be a profile or a desk key file."))
    try:
        text = data.decode("utf-8")
        doc = jsonio.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ProfileError(_("The file is neither a profile nor a desk key file.")) from None
    if is_desk_public(doc):
        public = parse_desk_public(doc)
        desk = Desk(
            public.name,
            public.age_recipient,
            public.signing_key,
            url=public.intake_url or "",
            tls_pin=public.intake_spki_sha256 or "",
        )
        return ImportedTrust(with_desk(current, desk), desk_only=True)
    return ImportedTrust(parse_profile(text), desk_only=False)


def changed_desks(current: OrgProfile, imported: ImportedTrust) -> list[Desk]:
    """The desks of ``imported`` that ``current`` does not already trust with the same keys:
    what the advisor must compare by phone before trusting the file."""
    known = {(d.name, d.age_recipient, d.signing_key) for d in current.desks}
    return [
        d for d in imported.profile.desks if (d.name, d.age_recipient, d.signing_key) not in known
    ]


def preview_trust(workspace: Workspace, data: bytes) -> ImportedTrust:
    """Validate ``data`` against the workspace's profile without storing anything; the Keys and
    updates page shows its fingerprints and asks before :func:`apply_trust`."""
    return import_trust_file(data, workspace.profile)


def apply_trust(workspace: Workspace, imported: ImportedTrust) -> None:
    """Make a validated, confirmed import the workspace's profile."""
    workspace.set_profile(imported.profile)


def import_trust(workspace: Workspace, data: bytes) -> ImportedTrust:
    """Validate the profile or desk key file ``data`` and make it the workspace's profile.

    The one flow behind ``advisor profile import`` (which prints the fingerprints); the Keys
    and updates page uses :func:`preview_trust` and asks first. Nothing is stored when the file
    is refused.
    """
    imported = preview_trust(workspace, data)
    apply_trust(workspace, imported)
    return imported
