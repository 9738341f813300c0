"""Writing age v1 files to X25519 recipients, with a header whose size depends only on the
number of recipients.

Any conforming age implementation (``age``, ``rage``, ``pyrage``) reads these files; the desk
decrypts them with pyrage. They are written here rather than by pyrage because pyrage (rage)
adds a "grease" stanza of random size to every header, so that two files of the same plaintext
size differ in size by up to about 150 bytes: a referral package is padded to a fixed size
(see ``referral_package.PADDING_BUCKETS``) and must stay that size once encrypted.

The format, from the age v1 specification (age-encryption.org/v1):

- a random 16-byte file key;
- per recipient an ``X25519`` stanza: an ephemeral X25519 share, and the file key wrapped with
  ChaCha20-Poly1305 (zero nonce) under HKDF-SHA-256(shared secret, salt = share ‖ recipient,
  info ``age-encryption.org/v1/X25519``);
- the header MAC: HMAC-SHA-256 under HKDF-SHA-256(file key, info ``header``) over the header
  up to and including ``---``;
- the payload: a random 16-byte nonce, then the plaintext in 64 KiB chunks, each sealed with
  ChaCha20-Poly1305 under HKDF-SHA-256(file key, salt = nonce, info ``payload``), the chunk
  nonce being an 11-byte big-endian counter and a last-chunk flag byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import KeyFormatError

VERSION_LINE = b"age-encryption.org/v1\n"
CHUNK = 64 * 1024
_X25519_INFO = b"age-encryption.org/v1/X25519"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _b64(data: bytes) -> bytes:
    """Canonical age base64: standard alphabet, no padding."""
    return base64.b64encode(data).rstrip(b"=")


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def _bech32_polymod(values: Sequence[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            check ^= generator[i] if (top >> i) & 1 else 0
    return check


def recipient_bytes(recipient: str) -> bytes:
    """The 32-byte X25519 public key of an age recipient ``age1…`` (Bech32, checksum
    checked); :class:`KeyFormatError` for anything else."""
    bad = KeyFormatError(_("This is not an age recipient (age1…)."))
    text = recipient.strip()
    if text.lower() != text or not text.startswith("age1") or len(text) > 100:
        raise bad
    hrp, data_part = "age", text[4:]
    try:
        data = [_BECH32.index(c) for c in data_part]
    except ValueError:
        raise bad from None
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    if len(data) < 6 or _bech32_polymod(expanded + data) != 1:
        raise bad
    acc, bits, out = 0, 0, bytearray()
    for value in data[:-6]:
        acc = (acc << 5) | value
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or (acc & ((1 << bits) - 1)) or len(out) != 32:
        raise bad
    return bytes(out)


def _wrapped_lines(body: bytes) -> bytes:
    """A stanza body: base64 in lines of 64 columns, the last one shorter (empty when the
    encoding is a multiple of 64 long)."""
    encoded = _b64(body)
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    if not lines or len(lines[-1]) == 64:
        lines.append(b"")
    return b"".join(line + b"\n" for line in lines)


def _x25519_stanza(file_key: bytes, recipient: bytes) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    share = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    if not any(shared):  # a low-order point: refused by the specification
        raise KeyFormatError(_("This is not an age recipient (age1…)."))
    wrap_key = _hkdf(shared, share + recipient, _X25519_INFO)
    body = ChaCha20Poly1305(wrap_key).encrypt(bytes(12), file_key, None)
    return b"-> X25519 " + _b64(share) + b"\n" + _wrapped_lines(body)


def encrypt(plaintext: bytes, recipients: Sequence[str]) -> bytes:
    """``plaintext`` as a binary age v1 file for the X25519 ``recipients`` (``age1…``). The
    file's size is a function of the plaintext's size and the number of recipients only."""
    if not recipients:
        raise KeyFormatError(_("No desk key to encrypt to."))
    keys = [recipient_bytes(r) for r in recipients]
    file_key = os.urandom(16)
    header = VERSION_LINE + b"".join(_x25519_stanza(file_key, k) for k in keys) + b"---"
    mac = hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()
    nonce = os.urandom(16)
    aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    chunks = [plaintext[i : i + CHUNK] for i in range(0, len(plaintext), CHUNK)] or [b""]
    sealed = bytearray()
    for counter, chunk in enumerate(chunks):
        last = counter == len(chunks) - 1
        chunk_nonce = counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
        sealed += aead.encrypt(chunk_nonce, chunk, None)
    return header + b" " + _b64(mac) + b"\n" + nonce + bytes(sealed)
