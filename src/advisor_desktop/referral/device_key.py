"""The advisor device's keys: an Ed25519 key pair (signs referrals and withdrawals) and an age
X25519 identity (the desk encrypts its status messages to it), made on first need and kept
inside the vault.

The public halves and their fingerprints are what the desk enrols (``advisor device-key``);
the private keys never leave the encrypted vault. A vault from before the age key gets one the
first time it is asked for; the Ed25519 key stays the one the desk enrolled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from advisor_desktop.platform.errors import VaultCorrupt
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.keys import (
    encode_public_key,
    key_id,
    public_key_fingerprint,
    recipient_fingerprint,
)
from advisor_desktop.storage.store import Vault


@dataclass(frozen=True)
class DevicePublicKey:
    """The shareable half of the device's keys."""

    raw: bytes
    created_at: str
    age_recipient: str = ""
    """The device's age recipient (``age1…``), to which the desk encrypts status messages."""

    @property
    def key_id(self) -> str:
        """The id packages name their signer by."""
        return key_id(self.raw)

    @property
    def text(self) -> str:
        """``ed25519:BASE64``, as ``advisor-desk enrol`` takes it."""
        return encode_public_key(self.raw)

    @property
    def fingerprint(self) -> str:
        """Grouped hex to compare by phone."""
        return public_key_fingerprint(self.raw)

    @property
    def age_fingerprint(self) -> str:
        """The age recipient's fingerprint, also to compare by phone."""
        return recipient_fingerprint(self.age_recipient) if self.age_recipient else ""


@dataclass(frozen=True)
class _Row:
    private: bytes
    public: bytes
    created_at: str
    age_identity: str


class DeviceKeyStore:
    """Reads (and on first need creates) the device's keys in the vault."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def _read(self) -> tuple[bytes, bytes, str, str | None] | None:
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT private_key, public_key, created_at, age_identity FROM device_key "
                "WHERE id = 1"
            ).fetchone()
        if row is None:
            return None
        return bytes(row[0]), bytes(row[1]), str(row[2]), None if row[3] is None else str(row[3])

    def _ensure(self) -> _Row:
        found = self._read()
        if found is not None and found[3] is not None:
            return _Row(*found[:3], found[3])
        age_identity = str(pyrage.x25519.Identity.generate())
        with self._vault.write() as conn:
            if found is None:
                key = Ed25519PrivateKey.generate()
                private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
                public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
                now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                # Another thread may have made it meanwhile: keep the first one.
                conn.execute(
                    "INSERT OR IGNORE INTO device_key (id, private_key, public_key, created_at, "
                    "age_identity) VALUES (1, ?, ?, ?, ?)",
                    (private, public, now, age_identity),
                )
            else:
                # A vault from before the age key: add one, keep the enrolled Ed25519 key.
                conn.execute(
                    "UPDATE device_key SET age_identity = ? WHERE id = 1 AND age_identity IS NULL",
                    (age_identity,),
                )
        again = self._read()
        if again is None or again[3] is None:  # written in the transaction just above
            raise VaultCorrupt(_("The device key cannot be read from the vault."))
        return _Row(*again[:3], again[3])

    def public_key(self) -> DevicePublicKey:
        """The device's public keys (made now if the vault has none yet)."""
        row = self._ensure()
        recipient = str(pyrage.x25519.Identity.from_str(row.age_identity).to_public())
        return DevicePublicKey(row.public, row.created_at, recipient)

    def signing_key(self) -> Ed25519PrivateKey:
        """The private key, for signing a package (never stored elsewhere)."""
        return Ed25519PrivateKey.from_private_bytes(self._ensure().private)

    def age_identity(self) -> pyrage.x25519.Identity:
        """The device's age identity, for decrypting the desk's status messages."""
        return pyrage.x25519.Identity.from_str(self._ensure().age_identity)
