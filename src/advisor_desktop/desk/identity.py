"""The desk's identity: an age X25519 key (to decrypt packages) and an Ed25519 key (to sign
receipts), kept in the desk folder with the private parts under the desk passphrase.

``desk-identity.json`` holds Argon2id parameters, a salt, a nonce and the AES-256-GCM
ciphertext of both private keys; ``desk-public.json`` is the public half for advisors to
import into their organisation profile.

Once the desk has a store (``desk.db``), the ciphertext also holds the store's id: the identity
then opens packages only together with that store, so a store deleted or swapped for another
one makes the desk refuse to work instead of starting again with nothing seen.
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
from advisor_desktop.crypto.secret_text import require_passphrase
from advisor_desktop.desk.errors import DeskError
from advisor_desktop.platform import jsonio
from advisor_desktop.platform.errors import VaultCorrupt, WrongPassphrase
from advisor_desktop.platform.fsutil import atomic_write, private_dir
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import PUBLIC_FILE, DeskPublic
from advisor_desktop.protocol.keys import (
    encode_public_key,
    raw_public,
)

IDENTITY_FILE = "desk-identity.json"
IDENTITY_FORMAT = "advisor-desktop-desk-identity"
FORMAT_VERSION = 1


__all__ = ["IDENTITY_FILE", "DeskError", "DeskIdentity", "bind_identity", "keygen", "unlock"]


@dataclass
class DeskIdentity:
    """An unlocked desk identity (private keys in memory for this run only)."""

    name: str
    age_identity: pyrage.x25519.Identity
    signing_key: Ed25519PrivateKey
    store_id: str | None = None
    """The desk store this identity is bound to (None: made before the desk had a store)."""

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
    folder: Path,
    name: str,
    passphrase: bytearray | bytes,
    params: KdfParams,
    *,
    store_id: str | None = None,
) -> DeskIdentity:
    """Create a new desk identity in ``folder`` (refused when one exists), bound to the store
    ``store_id`` when given."""
    name = name.strip()
    if not name or len(name) > 200:
        raise DeskError(_("The desk needs a name (up to 200 characters)."))
    # The vault's rule for a passphrase being set (at least 8 characters; typed text comes
    # here in its normal form): the desk identity is as valuable as a vault.
    require_passphrase(passphrase)
    identity_path = folder / IDENTITY_FILE
    if identity_path.exists():
        raise DeskError(_("A desk identity already exists in {folder}.").format(folder=folder.name))
    private_dir(folder)
    identity = DeskIdentity(
        name, pyrage.x25519.Identity.generate(), Ed25519PrivateKey.generate(), store_id
    )
    _write(folder, identity, passphrase, params)
    public_doc = json.dumps(identity.public.to_doc(), indent=2, ensure_ascii=False)
    atomic_write(folder / PUBLIC_FILE, public_doc.encode("utf-8"), what=PUBLIC_FILE)
    return identity


def _write(
    folder: Path, identity: DeskIdentity, passphrase: bytearray | bytes, params: KdfParams
) -> None:
    secret_doc: dict[str, str] = {
        "age_identity": str(identity.age_identity),
        "signing_key": _b64(
            identity.signing_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        ),
    }
    if identity.store_id is not None:
        secret_doc["store_id"] = identity.store_id
    secret = json.dumps(secret_doc).encode("utf-8")
    salt, nonce = os.urandom(16), os.urandom(12)
    key = derive_key(passphrase, salt, params)
    doc = {
        "format": IDENTITY_FORMAT,
        "version": FORMAT_VERSION,
        "name": identity.name,
        "kdf": {
            "name": "argon2id",
            "time_cost": params.time_cost,
            "memory_kib": params.memory_kib,
            "lanes": params.lanes,
        },
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "ciphertext": _b64(AESGCM(key).encrypt(nonce, secret, _aad(identity.name))),
        "public": identity.public.to_doc(),
    }
    atomic_write(folder / IDENTITY_FILE, json.dumps(doc, indent=2).encode(), what=IDENTITY_FILE)


def bind_identity(folder: Path, passphrase: bytearray | bytes, store_id: str) -> DeskIdentity:
    """Bind the identity in ``folder`` to the store ``store_id`` (re-encrypted under the same
    passphrase and KDF settings, written atomically). Refused when it is bound to another."""
    identity, params = _unlock(folder, passphrase)
    if identity.store_id is not None and identity.store_id != store_id:
        raise DeskError(_("The desk identity belongs to another desk store."))
    bound = DeskIdentity(identity.name, identity.age_identity, identity.signing_key, store_id)
    _write(folder, bound, passphrase, params)
    return bound


def unlock(folder: Path, passphrase: bytearray | bytes) -> DeskIdentity:
    """Open the desk identity in ``folder`` with the passphrase."""
    return _unlock(folder, passphrase)[0]


def _unlock(folder: Path, passphrase: bytearray | bytes) -> tuple[DeskIdentity, KdfParams]:
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
        doc = jsonio.loads(raw.decode("utf-8"))
        if doc["format"] != IDENTITY_FORMAT or doc["version"] != FORMAT_VERSION:
            raise damaged
        kdf = doc["kdf"]
        params = KdfParams(int(kdf["time_cost"]), int(kdf["memory_kib"]), int(kdf["lanes"]))
        try:
            params.validate()  # bounded before Argon2id runs: a tampered file cannot hang us
        except VaultCorrupt:
            raise damaged from None
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
        store_id = secret.get("store_id")
        if store_id is not None and not (isinstance(store_id, str) and 0 < len(store_id) <= 64):
            raise ValueError("store id")
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        binascii.Error,
        pyrage.IdentityError,
    ):
        raise damaged from None
    return DeskIdentity(name, age_identity, signing, store_id), params
