"""The desk's public file (``desk-public.json``): what advisors import to trust a desk.

Written by ``advisor-desk keygen``, read by the advisor's profile import; both ends use this
module. Fingerprints are included for reading aloud over the phone before trusting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor_desktop.platform.errors import ProfileError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.keys import (
    decode_public_key,
    parse_recipient,
    public_key_fingerprint,
    recipient_fingerprint,
)

PUBLIC_FILE = "desk-public.json"
PUBLIC_FORMAT = "advisor-desktop-desk-public"
PUBLIC_VERSION = 1


def is_desk_public(doc: Any) -> bool:
    """True when ``doc`` claims to be a desk's public file (it may still be invalid)."""
    return isinstance(doc, dict) and doc.get("format") == PUBLIC_FORMAT


@dataclass(frozen=True)
class DeskPublic:
    """What advisors import: the desk's name, age recipient and receipt-signing key."""

    name: str
    age_recipient: str
    signing_key: str

    def to_doc(self) -> dict[str, Any]:
        """The ``desk-public.json`` document (fingerprints included for reading aloud)."""
        return {
            "format": PUBLIC_FORMAT,
            "version": PUBLIC_VERSION,
            "name": self.name,
            "age_recipient": self.age_recipient,
            "signing_key": self.signing_key,
            "fingerprints": {
                "age_recipient": recipient_fingerprint(self.age_recipient),
                "signing_key": public_key_fingerprint(decode_public_key(self.signing_key)),
            },
        }


def parse_desk_public(doc: Any) -> DeskPublic:
    """Validate a ``desk-public.json`` document."""
    bad = ProfileError(_("This is not a desk's public key file."))
    if not isinstance(doc, dict) or doc.get("format") != PUBLIC_FORMAT:
        raise bad
    if doc.get("version") != PUBLIC_VERSION:
        raise bad
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise bad
    parse_recipient(doc.get("age_recipient"))
    decode_public_key(doc.get("signing_key"))
    return DeskPublic(name.strip(), doc["age_recipient"].strip(), doc["signing_key"].strip())
