"""The advisor device's Ed25519 key pair: made on first need, kept inside the vault.

Its public key and fingerprint are what the desk enrols (``advisor device-key``); the private
key never leaves the encrypted vault.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from advisor_desktop.protocol.keys import encode_public_key, key_id, public_key_fingerprint
from advisor_desktop.storage.store import Vault


@dataclass(frozen=True)
class DevicePublicKey:
    """The shareable half of the device key."""

    raw: bytes
    created_at: str

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


class DeviceKeyStore:
    """Reads (and on first need creates) the device key in the vault."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def _ensure(self) -> tuple[bytes, bytes, str]:
        with self._vault.read() as conn:
            row = conn.execute(
                "SELECT private_key, public_key, created_at FROM device_key WHERE id = 1"
            ).fetchone()
        if row is not None:
            return bytes(row[0]), bytes(row[1]), str(row[2])
        key = Ed25519PrivateKey.generate()
        private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._vault.write() as conn:
            # Another thread may have made it meanwhile: keep the first one.
            conn.execute(
                "INSERT OR IGNORE INTO device_key (id, private_key, public_key, created_at) "
                "VALUES (1, ?, ?, ?)",
                (private, public, now),
            )
        return self._ensure()

    def public_key(self) -> DevicePublicKey:
        """The device's public key (made now if the vault has none yet)."""
        _private, public, created = self._ensure()
        return DevicePublicKey(public, created)

    def signing_key(self) -> Ed25519PrivateKey:
        """The private key, for signing a package (never stored elsewhere)."""
        private, _public, _created = self._ensure()
        return Ed25519PrivateKey.from_private_bytes(private)
