"""Key encodings shared by the advisor and the desk: Ed25519 public keys, age recipients,
key ids and fingerprints to compare by phone, and the canonical JSON that gets signed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import KeyFormatError

ED25519_PREFIX = "ed25519:"


def canonical_json(doc: Any) -> bytes:
    """The one byte form of ``doc`` that is signed: sorted keys, no spaces, UTF-8.

    Only objects, arrays, strings, integers, booleans and null are allowed (no floats), so
    every implementation serialises a value to the same bytes.
    """
    _check_canonical(doc)
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _check_canonical(doc: Any, depth: int = 0) -> None:
    if depth > 16:
        raise ValueError("too deep")
    if isinstance(doc, dict):
        for key, value in doc.items():
            if not isinstance(key, str):
                raise TypeError("key")
            _check_canonical(value, depth + 1)
    elif isinstance(doc, list):
        for value in doc:
            _check_canonical(value, depth + 1)
    elif isinstance(doc, float):
        raise TypeError("float")
    elif doc is not None and not isinstance(doc, str | int | bool):
        raise TypeError(type(doc).__name__)


def key_id(raw_public: bytes) -> str:
    """A short, stable id of an Ed25519 public key: SHA-256, first 16 bytes, hex."""
    return hashlib.sha256(raw_public).hexdigest()[:32]


def group_fingerprint(hex_digest: str) -> str:
    """``abcd1234…`` → ``ABCD 1234 …`` (easy to read out over the phone)."""
    text = hex_digest.upper()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def public_key_fingerprint(raw_public: bytes) -> str:
    """The fingerprint of an Ed25519 public key (its key id, grouped)."""
    return group_fingerprint(key_id(raw_public))


def recipient_fingerprint(recipient: str) -> str:
    """The fingerprint of an age recipient string (SHA-256 of it, first 16 bytes, grouped)."""
    return group_fingerprint(hashlib.sha256(recipient.encode("ascii")).hexdigest()[:32])


def encode_public_key(raw_public: bytes) -> str:
    """An Ed25519 public key as text: ``ed25519:`` + base64 of the 32 raw bytes."""
    return ED25519_PREFIX + base64.b64encode(raw_public).decode("ascii")


def decode_public_key(text: Any) -> bytes:
    """The 32 raw bytes of an Ed25519 public key given as ``ed25519:BASE64`` (or bare base64)."""
    bad = KeyFormatError(_("This is not an Ed25519 public key."))
    if not isinstance(text, str) or len(text) > 100:
        raise bad
    body = text.strip()
    if body.startswith(ED25519_PREFIX):
        body = body[len(ED25519_PREFIX) :]
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise bad from None
    if len(raw) != 32:
        raise bad
    try:
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise bad from None
    return raw


def raw_public(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of ``key``."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def parse_recipient(text: Any) -> pyrage.x25519.Recipient:
    """An age X25519 recipient (``age1…``), validated."""
    if not isinstance(text, str) or not text.startswith("age1") or len(text) > 200:
        raise KeyFormatError(_("This is not an age recipient (age1…)."))
    try:
        return pyrage.x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError:
        raise KeyFormatError(_("This is not an age recipient (age1…).")) from None
