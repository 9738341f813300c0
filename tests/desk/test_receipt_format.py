"""protocol/receipt.py: a desk receipt is built, verified, and refused when any byte of it
changes or another key signed it."""

from __future__ import annotations

import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.protocol.keys import canonical_json, key_id, raw_public
from advisor_desktop.protocol.receipt import (
    Receipt,
    ReceiptBadSignature,
    ReceiptError,
    build_receipt,
    issue_receipt,
    package_sha256,
    parse_receipt,
    verify_receipt,
)

PACKAGE = b"age-encryption.org/v1\n" + bytes(range(256))


def desk_key() -> tuple[Ed25519PrivateKey, dict[str, bytes]]:
    key = Ed25519PrivateKey.generate()
    raw = raw_public(key.public_key())
    return key, {key_id(raw): raw}


def test_build_and_verify() -> None:
    key, trusted = desk_key()
    ref = str(uuid.uuid4())
    data = issue_receipt(ref, PACKAGE, "2026-04-02T09:30:00Z", key)
    receipt = verify_receipt(data, trusted)
    assert receipt == Receipt(ref, package_sha256(PACKAGE), "2026-04-02T09:30:00Z", *trusted)
    assert receipt.matches(PACKAGE)
    assert not receipt.matches(PACKAGE + b"\x00")
    doc = json.loads(data)
    assert set(doc) == {"format", "version", "receipt", "signature"}
    assert doc["format"] == "advisor-desktop-receipt"
    assert doc["signature"]["key_id"] == doc["receipt"]["desk_key_id"]
    assert data == canonical_json(doc)


def test_every_changed_byte_fails() -> None:
    key, trusted = desk_key()
    data = issue_receipt(str(uuid.uuid4()), PACKAGE, "2026-04-02T09:30:00Z", key)
    for index in range(len(data)):
        for flip in (0x01, 0x20):
            changed = bytearray(data)
            changed[index] ^= flip
            with pytest.raises(ReceiptError):
                verify_receipt(bytes(changed), trusted)
    with pytest.raises(ReceiptError):
        verify_receipt(data + b"\n", trusted)
    with pytest.raises(ReceiptError):
        verify_receipt(data[:-1], trusted)


def test_another_desk_key_is_not_trusted() -> None:
    key, _trusted = desk_key()
    _other, other_trusted = desk_key()
    data = issue_receipt(str(uuid.uuid4()), PACKAGE, "2026-04-02T09:30:00Z", key)
    with pytest.raises(ReceiptBadSignature):
        verify_receipt(data, other_trusted)


def test_a_forged_signature_fails() -> None:
    key, trusted = desk_key()
    forger = Ed25519PrivateKey.generate()
    receipt = Receipt(str(uuid.uuid4()), "0" * 64, "2026-04-02T09:30:00Z", *trusted)
    genuine = json.loads(build_receipt(receipt, key))
    genuine["signature"]["value"] = json.loads(
        build_receipt(
            Receipt(
                receipt.referral_id,
                receipt.package_sha256,
                receipt.received_at,
                key_id(raw_public(forger.public_key())),
            ),
            forger,
        )
    )["signature"]["value"]
    with pytest.raises(ReceiptBadSignature):
        verify_receipt(canonical_json(genuine), trusted)
    with pytest.raises(ValueError, match="another desk key"):
        build_receipt(receipt, forger)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"null",
        b"[]",
        b'{"format":"advisor-desktop-receipt"}',
        b"\xff\xfe",
        b'{"format":"advisor-desktop-receipt","version":1.0,"receipt":{},"signature":{}}',
        b"{" * 5000,
    ],
)
def test_malformed_receipts(data: bytes) -> None:
    with pytest.raises(ReceiptError):
        parse_receipt(data)
