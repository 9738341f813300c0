"""The desk's receipt (version 1): "this desk received exactly this package, at this time".

The desk writes one for every package it stores (``advisor-desk import``); the advisor's
outbox verifies it against the desk key in its organisation profile and the package it sent.

A receipt file is exactly the canonical JSON (see :func:`~advisor_desktop.protocol.keys.
canonical_json`) of::

    {"format": "advisor-desktop-receipt", "version": 1,
     "receipt": {"referral_id": "<uuid v4>", "package_sha256": "<64 hex>",
                 "received_at": "YYYY-MM-DDTHH:MM:SSZ", "desk_key_id": "<32 hex>"},
     "signature": {"algorithm": "ed25519", "key_id": "<32 hex>", "value": "<base64>"}}

- The signature covers ``b"advisor-desktop-receipt/v1\\x00" + canonical_json(receipt)``,
  made with the desk's Ed25519 key (the ``signing_key`` of ``desk-public.json``).
- ``key_id`` (of that key, as in :func:`~advisor_desktop.protocol.keys.key_id`) equals
  ``receipt.desk_key_id``.
- Readers refuse anything that is not byte for byte that canonical form, so no byte of a
  receipt can change without it failing to verify. Exactly these fields.

The **intake receipt** (version 2) is what the intake server answers a delivery with. The server
never holds the desk's key, so it signs with a key of its own that the desk certified
(``protocol/intake_api.py``: :class:`~advisor_desktop.protocol.intake_api.IntakeCertificate`)::

    {"format": "advisor-desktop-receipt", "version": 2,
     "receipt": {"referral_id": "<uuid v4>", "package_sha256": "<64 hex>",
                 "received_at": "YYYY-MM-DDTHH:MM:SSZ", "intake_key_id": "<32 hex>"},
     "signature": {"algorithm": "ed25519", "key_id": "<32 hex>", "value": "<base64>"}}

signed over ``b"advisor-desktop-receipt/v2\\x00" + canonical_json(receipt)`` with the intake key
(``key_id`` = ``receipt.intake_key_id``). So each receipt names who signed it: the desk itself
(version 1, ``desk_key_id``) or the desk's intake server (version 2, ``intake_key_id``), and a
signature of one kind never verifies as the other.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import EXIT_SCHEMA, EXIT_SIGNATURE
from advisor_desktop.protocol.keys import key_id, raw_public
from advisor_desktop.protocol.signed_document import (
    SignedFormat,
    Wording,
    is_key_id,
    is_referral_id,
    is_utc_stamp,
    signed_message,
    verify_ed25519,
)

RECEIPT_FORMAT = "advisor-desktop-receipt"
RECEIPT_VERSION = 1
SIGNATURE_CONTEXT = b"advisor-desktop-receipt/v1\x00"
INTAKE_RECEIPT_VERSION = 2
INTAKE_SIGNATURE_CONTEXT = b"advisor-desktop-receipt/v2\x00"
RECEIPT_SUFFIX = ".receipt"
MAX_RECEIPT_BYTES = 4096

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_BODY_KEYS = {"referral_id", "package_sha256", "received_at", "desk_key_id"}
_INTAKE_BODY_KEYS = {"referral_id", "package_sha256", "received_at", "intake_key_id"}


class ReceiptError(AdvisorError):
    """A receipt does not follow the receipt format."""

    exit_code = EXIT_SCHEMA


class ReceiptBadSignature(ReceiptError):
    """A receipt's signature does not verify, or it was signed by a key that is not trusted."""

    exit_code = EXIT_SIGNATURE


@dataclass(frozen=True)
class Receipt:
    """What a desk acknowledges: a referral id, the exact package bytes (their SHA-256), when
    it stored them, and which desk key says so."""

    referral_id: str
    package_sha256: str
    received_at: str
    desk_key_id: str

    def to_doc(self) -> dict[str, str]:
        """The signed part of the receipt."""
        return {
            "referral_id": self.referral_id,
            "package_sha256": self.package_sha256,
            "received_at": self.received_at,
            "desk_key_id": self.desk_key_id,
        }

    def matches(self, package: bytes) -> bool:
        """True when this receipt is for exactly the bytes ``package``."""
        return package_sha256(package) == self.package_sha256


def package_sha256(package: bytes) -> str:
    """The SHA-256 of a package file's bytes, lower-case hex (what a receipt names)."""
    return hashlib.sha256(package).hexdigest()


def _bad(what: str) -> ReceiptError:
    return ReceiptError(_("This is not a valid desk receipt ({what}).").format(what=what))


_WORDING = Wording(body="receipt fields")
_DESK_RECEIPT = SignedFormat(
    RECEIPT_FORMAT, RECEIPT_VERSION, "receipt", MAX_RECEIPT_BYTES, _bad, _WORDING
)
_INTAKE_RECEIPT = SignedFormat(
    RECEIPT_FORMAT, INTAKE_RECEIPT_VERSION, "receipt", MAX_RECEIPT_BYTES, _bad, _WORDING
)


def _forged() -> ReceiptBadSignature:
    return ReceiptBadSignature(
        _("The receipt's signature does not match its content: it was altered or forged.")
    )


def _check_body(doc: Any) -> Receipt:
    _check_fields(doc, _BODY_KEYS, "desk_key_id")
    return Receipt(
        referral_id=doc["referral_id"],
        package_sha256=doc["package_sha256"],
        received_at=doc["received_at"],
        desk_key_id=doc["desk_key_id"],
    )


def _check_fields(doc: Any, keys: set[str], signer_field: str) -> None:
    if not isinstance(doc, dict) or set(doc) != keys:
        raise _bad("receipt fields")
    if not all(isinstance(doc[k], str) for k in keys):
        raise _bad("receipt fields")
    if not is_referral_id(doc["referral_id"]):
        raise _bad("referral id")
    if not _HEX64.match(doc["package_sha256"]):
        raise _bad("package digest")
    if not is_utc_stamp(doc["received_at"]):
        raise _bad("time")
    if not is_key_id(doc[signer_field]):
        raise _bad("signer key id")


def signature_message(receipt: Receipt) -> bytes:
    """What is signed: a context label, then the canonical receipt body."""
    return signed_message(SIGNATURE_CONTEXT, receipt.to_doc())


def build_receipt(receipt: Receipt, signing_key: Ed25519PrivateKey) -> bytes:
    """The receipt file's bytes: ``receipt`` signed with the desk's ``signing_key``."""
    _check_body(receipt.to_doc())
    return _DESK_RECEIPT.build(
        receipt.to_doc(), SIGNATURE_CONTEXT, signing_key, desk_key_id=receipt.desk_key_id
    )


def issue_receipt(
    referral_id: str, package: bytes, received_at: str, signing_key: Ed25519PrivateKey
) -> bytes:
    """A signed receipt for ``package`` (its exact bytes), received at ``received_at``."""
    receipt = Receipt(
        referral_id=referral_id,
        package_sha256=package_sha256(package),
        received_at=received_at,
        desk_key_id=key_id(raw_public(signing_key.public_key())),
    )
    return build_receipt(receipt, signing_key)


@dataclass(frozen=True)
class SignedReceipt:
    """A parsed receipt whose signature is not checked yet."""

    receipt: Receipt
    key_id: str
    signature: bytes


def parse_receipt(data: bytes) -> SignedReceipt:
    """Parse a receipt file strictly (exact canonical bytes); the signature is not checked."""
    signed = _DESK_RECEIPT.parse(data)
    receipt = _check_body(signed.body)
    if signed.key_id != receipt.desk_key_id:
        raise _bad("signature key id")
    return SignedReceipt(receipt, signed.key_id, signed.signature)


def verify_receipt(data: bytes, trusted: Mapping[str, bytes]) -> Receipt:
    """Parse ``data`` and check its signature against the trusted desk keys (key id → raw
    32-byte Ed25519 public key, e.g. from the organisation profile's desks)."""
    signed = parse_receipt(data)
    raw = trusted.get(signed.key_id)
    if raw is None or key_id(raw) != signed.key_id:
        raise ReceiptBadSignature(_("The receipt was signed by a desk key that is not trusted."))
    verify_ed25519(raw, signed.signature, signature_message(signed.receipt), _forged)
    return signed.receipt


@dataclass(frozen=True)
class IntakeReceipt:
    """What the desk's intake server acknowledges: a referral id, the exact package bytes (their
    SHA-256), when it stored them durably, and which intake key says so."""

    referral_id: str
    package_sha256: str
    received_at: str
    intake_key_id: str

    def to_doc(self) -> dict[str, str]:
        """The signed part of the receipt."""
        return {
            "referral_id": self.referral_id,
            "package_sha256": self.package_sha256,
            "received_at": self.received_at,
            "intake_key_id": self.intake_key_id,
        }

    def matches(self, package: bytes) -> bool:
        """True when this receipt is for exactly the bytes ``package``."""
        return package_sha256(package) == self.package_sha256


def _check_intake_body(doc: Any) -> IntakeReceipt:
    _check_fields(doc, _INTAKE_BODY_KEYS, "intake_key_id")
    return IntakeReceipt(
        referral_id=doc["referral_id"],
        package_sha256=doc["package_sha256"],
        received_at=doc["received_at"],
        intake_key_id=doc["intake_key_id"],
    )


def intake_signature_message(receipt: IntakeReceipt) -> bytes:
    """What an intake key signs: its own context label, then the canonical receipt body."""
    return signed_message(INTAKE_SIGNATURE_CONTEXT, receipt.to_doc())


def issue_intake_receipt(
    referral_id: str, package: bytes, received_at: str, intake_key: Ed25519PrivateKey
) -> bytes:
    """The intake server's signed receipt for ``package`` (its exact bytes)."""
    signer = key_id(raw_public(intake_key.public_key()))
    receipt = IntakeReceipt(referral_id, package_sha256(package), received_at, signer)
    _check_intake_body(receipt.to_doc())
    return _INTAKE_RECEIPT.build(receipt.to_doc(), INTAKE_SIGNATURE_CONTEXT, intake_key)


def parse_intake_receipt(data: bytes) -> tuple[IntakeReceipt, bytes]:
    """Parse an intake receipt strictly; returns it and its (unchecked) signature."""
    signed = _INTAKE_RECEIPT.parse(data)
    receipt = _check_intake_body(signed.body)
    if signed.key_id != receipt.intake_key_id:
        raise _bad("signature key id")
    return receipt, signed.signature


def verify_intake_receipt_signature(data: bytes, intake_public_key: bytes) -> IntakeReceipt:
    """Parse ``data`` and check its signature with the intake key (32 raw bytes). Whether that
    key may sign for a desk is its certificate's question
    (:func:`~advisor_desktop.protocol.intake_api.verify_intake_receipt`)."""
    receipt, signature = parse_intake_receipt(data)
    if key_id(intake_public_key) != receipt.intake_key_id:
        raise ReceiptBadSignature(_("The receipt was signed by another intake key."))
    verify_ed25519(intake_public_key, signature, intake_signature_message(receipt), _forged)
    return receipt
