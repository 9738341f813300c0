"""The desk's identity: an age X25519 key (to decrypt packages) and an Ed25519 key (to sign
receipts), kept in the desk folder with the private parts under the desk passphrase.

``desk-identity.json`` holds Argon2id parameters, a salt, a nonce and the AES-256-GCM
ciphertext of both private keys; ``desk-public.json`` is the public half for advisors to
import into their organisation profile.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyrage
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from advisor_desktop.crypto.keyslots import KdfParams, derive_key
from advisor_desktop.platform.errors import AdvisorError, VaultCorrupt, WrongPassphrase
from advisor_desktop.platform.fsutil import atomic_write
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import PUBLIC_FILE, DeskPublic
from advisor_desktop.protocol.keys import (
    encode_public_key,
    raw_public,
)

IDENTITY_FILE = "desk-identity.json"
IDENTITY_FORMAT = "advisor-desktop-desk-identity"
FORMAT_VERSION = 1


class DeskError(AdvisorError):
    """The desk folder is missing, damaged, or already set up."""

    exit_code = 4


@dataclass
class DeskIdentity:
    """An unlocked desk identity (private keys in memory for this run only)."""

    name: str
    age_identity: pyrage.x25519.Identity
    signing_key: Ed25519PrivateKey

    @property
    def public(self) -> DeskPublic:
        """The shareable half."""
        return DeskPublic(
            self.name,
            str(self.age_identity.to_public()),
            encode_public_key(raw_public(self.signing_key.public_key())),
        )


def _aad(name: str) -> bytes:
    return f"{IDENTITY_FORMAT}/{FORMAT_VERSION}/{name}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def keygen(
    folder: Path, name: str, passphrase: bytearray | bytes, params: KdfParams
) -> DeskIdentity:
    """Create a new desk identity in ``folder`` (refused when one exists)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise DeskError(_("The desk needs a name (up to 200 characters)."))
    if not passphrase:
        raise DeskError(_("The desk passphrase must not be empty."))
    identity_path = folder / IDENTITY_FILE
    if identity_path.exists():
        raise DeskError(_("A desk identity already exists in {folder}.").format(folder=folder.name))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    identity = DeskIdentity(name, pyrage.x25519.Identity.generate(), Ed25519PrivateKey.generate())
    secret = json.dumps(
        {
            "age_identity": str(identity.age_identity),
            "signing_key": _b64(
                identity.signing_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
            ),
        }
    ).encode("utf-8")
    salt, nonce = os.urandom(16), os.urandom(12)
    key = derive_key(passphrase, salt, params)
    doc = {
        "format": IDENTITY_FORMAT,
        "version": FORMAT_VERSION,
        "name": name,
        "kdf": {
            "name": "argon2id",
            "time_cost": params.time_cost,
            "memory_kib": params.memory_kib,
            "lanes": params.lanes,
        },
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "ciphertext": _b64(AESGCM(key).encrypt(nonce, secret, _aad(name))),
        "public": identity.public.to_doc(),
    }
    atomic_write(identity_path, json.dumps(doc, indent=2).encode(), what=IDENTITY_FILE)
    public_doc = json.dumps(identity.public.to_doc(), indent=2, ensure_ascii=False)
    atomic_write(folder / PUBLIC_FILE, public_doc.encode("utf-8"), what=PUBLIC_FILE, mode=0o644)
    return identity


def unlock(folder: Path, passphrase: bytearray | bytes) -> DeskIdentity:
    """Open the desk identity in ``folder`` with the passphrase."""
    path = folder / IDENTITY_FILE
    damaged = VaultCorrupt(_("The desk identity file is damaged or not ours."))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DeskError(
            _("No desk identity in {folder}; run advisor-desk keygen first.").format(folder=folder)
        ) from None
    except OSError:
        raise damaged from None
    try:
        doc = json.loads(raw.decode("utf-8"))
        if doc["format"] != IDENTITY_FORMAT or doc["version"] != FORMAT_VERSION:
            raise damaged
        kdf = doc["kdf"]
        params = KdfParams(int(kdf["time_cost"]), int(kdf["memory_kib"]), int(kdf["lanes"]))
        params.validate()
        salt, nonce, ciphertext = (
            base64.b64decode(doc[k], validate=True) for k in ("salt", "nonce", "ciphertext")
        )
        name = str(doc["name"])
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, binascii.Error):
        raise damaged from None
    if len(salt) != 16 or len(nonce) != 12:
        raise damaged
    try:
        plain = AESGCM(derive_key(passphrase, salt, params)).decrypt(nonce, ciphertext, _aad(name))
    except InvalidTag:
        raise WrongPassphrase(_("The desk passphrase is wrong.")) from None
    try:
        secret = json.loads(plain)
        age_identity = pyrage.x25519.Identity.from_str(secret["age_identity"])
        signing = Ed25519PrivateKey.from_private_bytes(
            base64.b64decode(secret["signing_key"], validate=True)
        )
    except (KeyError, TypeError, ValueError, binascii.Error, pyrage.IdentityError):
        raise damaged from None
    return DeskIdentity(name, age_identity, signing)
