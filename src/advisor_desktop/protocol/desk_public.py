"""The desk's public file (``desk-public.json``): what advisors import to trust a desk.

Written by ``advisor-desk keygen``, read by the advisor's profile import; both ends use this
module. Fingerprints are included for reading aloud over the phone before trusting.

Two optional fields say where and how the desk's intake server is reached (docs/sync-protocol.md):
``intake_url`` (``https://…``; ``http://`` only for a loopback address) and
``intake_certificate`` (the desk key's certificate of the server's receipt key, as a JSON object;
it must verify with this file's ``signing_key``). A file without them is a desk reached by files.
``intake_spki_sha256`` (optional, 64 lower-case hex digits) pins the server's TLS certificate:
the SHA-256 of its SubjectPublicKeyInfo, which advisors' apps compare after the handshake.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from advisor_desktop.platform.errors import ProfileError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.intake_api import (
    IntakeFormatError,
    certificate_bytes,
    verify_certificate,
)
from advisor_desktop.protocol.keys import (
    decode_public_key,
    key_id,
    parse_recipient,
    public_key_fingerprint,
    recipient_fingerprint,
)

PUBLIC_FILE = "desk-public.json"
PUBLIC_FORMAT = "advisor-desktop-desk-public"
PUBLIC_VERSION = 1
MAX_URL_CHARS = 300
_SPKI_PIN = re.compile(r"^[0-9a-f]{64}$")
_URL_CHARS = re.compile(r"^[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+$")


def is_desk_public(doc: Any) -> bool:
    """True when ``doc`` claims to be a desk's public file (it may still be invalid)."""
    return isinstance(doc, dict) and doc.get("format") == PUBLIC_FORMAT


@dataclass(frozen=True)
class DeskPublic:
    """What advisors import: the desk's name, age recipient and receipt-signing key."""

    name: str
    age_recipient: str
    signing_key: str
    intake_url: str | None = None
    """Where the desk's intake server listens, if it has one."""
    intake_certificate: bytes | None = None
    """The certificate of the intake server's receipt key (canonical bytes), if any."""
    intake_spki_sha256: str | None = None
    """The pin of the intake server's TLS key (SHA-256 of its SPKI, hex), if any."""

    def to_doc(self) -> dict[str, Any]:
        """The ``desk-public.json`` document (fingerprints included for reading aloud)."""
        doc = self._keys_doc()
        if self.intake_url is not None:
            doc["intake_url"] = self.intake_url
        if self.intake_certificate is not None:
            doc["intake_certificate"] = json.loads(self.intake_certificate)
        if self.intake_spki_sha256 is not None:
            doc["intake_spki_sha256"] = self.intake_spki_sha256
        return doc

    def _keys_doc(self) -> dict[str, Any]:
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
    signing = decode_public_key(doc.get("signing_key"))
    url = doc.get("intake_url")
    if url is not None:
        url = parse_intake_url(url)
    certificate = doc.get("intake_certificate")
    if certificate is not None:
        try:
            certificate = certificate_bytes(certificate)
            verify_certificate(certificate, {key_id(signing): signing})
        except IntakeFormatError:
            raise ProfileError(
                _("The desk's intake certificate is damaged or not signed by this desk.")
            ) from None
    pin = doc.get("intake_spki_sha256")
    if pin is not None and (not isinstance(pin, str) or not _SPKI_PIN.match(pin)):
        raise ProfileError(
            _("The desk's certificate pin must be 64 lower-case hex digits (a SHA-256).")
        )
    return DeskPublic(
        name.strip(),
        doc["age_recipient"].strip(),
        doc["signing_key"].strip(),
        url,
        certificate,
        pin,
    )


def parse_intake_url(text: Any) -> str:
    """An intake server's address: ``https://host[:port][/path]``, or ``http://`` to a loopback
    address only (a test or a tunnel on the same machine); no credentials, query or fragment."""
    bad = ProfileError(
        _("The intake address must be https://host[:port] (http:// only on this machine).")
    )
    if not isinstance(text, str) or not 0 < len(text) <= MAX_URL_CHARS:
        raise bad
    if not _URL_CHARS.match(text):
        raise bad
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise bad from None
    host = parts.hostname
    if not host or parts.username or parts.password or parts.query or parts.fragment:
        raise bad
    if port == 0:
        raise bad
    if parts.scheme == "http" and not is_loopback_host(host):
        raise bad
    if parts.scheme not in {"https", "http"}:
        raise bad
    return text.rstrip("/")


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and the loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
