"""What crosses the wire to and from the desk's intake server (docs/sync-protocol.md): the
certificate that makes the server's key a signer of receipts for one desk, the advisor's signed
withdrawal, and the JSON bodies of the API. Both ends parse with these functions.

**Intake certificate** — the desk key vouches for the intake server's receipt key::

    {"format": "advisor-desktop-intake-certificate", "version": 1,
     "certificate": {"intake_key": "ed25519:<base64>", "intake_key_id": "<32 hex>",
                     "desk_key_id": "<32 hex>", "issued_at": "<UTC stamp>",
                     "expires_at": "<UTC stamp>"},
     "signature": {"algorithm": "ed25519", "key_id": "<desk key id>", "value": "<base64>"}}

signed with the desk's Ed25519 key over ``b"advisor-desktop-intake-certificate/v1\\x00" +
canonical_json(certificate)``. A receipt of the intake server counts when its certificate
verifies with the desk key the advisor trusts, names the receipt's ``intake_key_id``, and the
receipt's time lies within ``issued_at``..``expires_at``.

**Withdrawal** — an advisor takes back a referral it sent::

    {"format": "advisor-desktop-withdrawal", "version": 1,
     "withdrawal": {"referral_id": "<uuid v4>", "device_key_id": "<32 hex>",
                    "withdrawn_at": "<UTC stamp>"},
     "signature": {"algorithm": "ed25519", "key_id": "<device key id>", "value": "<base64>"}}

signed by the device key over ``b"advisor-desktop-withdrawal/v1\\x00"`` followed by
``canonical_json(withdrawal)``, so the desk believes it from the device, not from the server
that relays it.

Every signed document here is read only in its exact canonical form (as receipts are).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.platform import jsonio
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.errors import EXIT_SCHEMA, EXIT_SIGNATURE, KeyFormatError
from advisor_desktop.protocol.keys import (
    canonical_json,
    decode_public_key,
    encode_public_key,
    key_id,
    raw_public,
)
from advisor_desktop.protocol.receipt import (
    IntakeReceipt,
    ReceiptBadSignature,
    verify_intake_receipt_signature,
)
from advisor_desktop.protocol.signed_document import (
    SignedFormat,
    Wording,
    load_json,
    signed_message,
    verify_ed25519,
)

# The field checks of the signed documents, read from here by the desk and its server.
from advisor_desktop.protocol.signed_document import is_key_id as is_key_id
from advisor_desktop.protocol.signed_document import is_referral_id as is_referral_id
from advisor_desktop.protocol.signed_document import is_utc_stamp as is_utc_stamp

CERTIFICATE_FORMAT = "advisor-desktop-intake-certificate"
CERTIFICATE_CONTEXT = b"advisor-desktop-intake-certificate/v1\x00"
WITHDRAWAL_FORMAT = "advisor-desktop-withdrawal"
WITHDRAWAL_CONTEXT = b"advisor-desktop-withdrawal/v1\x00"
MAX_DOCUMENT_BYTES = 4096
MAX_STATUS_BLOB_BYTES = 64 * 1024
MAX_LISTING = 100
AGE_MAGIC = b"age-encryption.org/v1\n"

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class IntakeFormatError(AdvisorError):
    """A document or answer of the intake API does not follow its format."""

    exit_code = EXIT_SCHEMA


class IntakeSignatureError(IntakeFormatError):
    """A certificate or withdrawal is not signed by the key it must be signed by."""

    exit_code = EXIT_SIGNATURE


def _bad(what: str) -> IntakeFormatError:
    return IntakeFormatError(
        _("This does not follow the intake format ({what}).").format(what=what)
    )


def looks_like_age(data: bytes) -> bool:
    """What the server can check of a package without the desk's key: the age v1 header, a
    recipient stanza and the header's MAC line."""
    head = data[:65536]
    return data.startswith(AGE_MAGIC) and b"\n-> " in head and b"\n--- " in head


def _load(data: bytes, limit: int = MAX_DOCUMENT_BYTES) -> Any:
    return load_json(data, _bad, limit)


#: The words this module's format errors name the parts of a signed document with.
_WORDING = Wording(
    format="format or version",
    version="format or version",
    signature_object="fields",
    algorithm="signature fields",
    key_id="signature fields",
    value="signature fields",
)


def _object(body: Any) -> None:
    if not isinstance(body, dict):
        raise _bad("fields")


def _form(fmt: str, body_name: str, limit: int = MAX_DOCUMENT_BYTES) -> SignedFormat:
    return SignedFormat(fmt, 1, body_name, limit, _bad, _WORDING)


_CERTIFICATE = _form(CERTIFICATE_FORMAT, "certificate")
_WITHDRAWAL = _form(WITHDRAWAL_FORMAT, "withdrawal")


def parse_signed(
    data: bytes, fmt: str, body_name: str, limit: int = MAX_DOCUMENT_BYTES
) -> tuple[dict[str, Any], str, bytes]:
    """A signed document of this module's shape (format, version 1, a body, an Ed25519
    signature) in its exact canonical form: its body, signing key id and signature (unchecked).
    """
    signed = _form(fmt, body_name, limit).parse(data, check_first=_object)
    return signed.body, signed.key_id, signed.signature


def check_signature(raw: bytes, signature: bytes, message: bytes, what: str) -> None:
    """Raise :class:`IntakeSignatureError` unless ``signature`` by ``raw`` covers ``message``."""
    verify_ed25519(
        raw,
        signature,
        message,
        lambda: IntakeSignatureError(
            _("The signature of the {what} does not match its content.").format(what=what)
        ),
    )


# --- the intake certificate -------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeCertificate:
    """The desk's word that ``intake_key`` signs receipts for it between two times."""

    intake_key: bytes
    desk_key_id: str
    issued_at: str
    expires_at: str

    @property
    def intake_key_id(self) -> str:
        """The intake key's id."""
        return key_id(self.intake_key)

    def to_doc(self) -> dict[str, str]:
        """The signed part."""
        return {
            "intake_key": encode_public_key(self.intake_key),
            "intake_key_id": self.intake_key_id,
            "desk_key_id": self.desk_key_id,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
        }

    def covers(self, stamp: str) -> bool:
        """True when ``stamp`` (a UTC stamp) lies within the certificate's validity."""
        return self.issued_at <= stamp <= self.expires_at


def issue_certificate(
    intake_key: bytes, desk_key: Ed25519PrivateKey, issued_at: str, expires_at: str
) -> bytes:
    """The certificate (canonical bytes) of the intake key ``intake_key`` (32 raw bytes)."""
    desk_id = key_id(raw_public(desk_key.public_key()))
    cert = IntakeCertificate(intake_key, desk_id, issued_at, expires_at)
    _check_certificate(cert.to_doc())
    return _CERTIFICATE.build(cert.to_doc(), CERTIFICATE_CONTEXT, desk_key)


def _check_certificate(doc: dict[str, Any]) -> IntakeCertificate:
    keys = {"intake_key", "intake_key_id", "desk_key_id", "issued_at", "expires_at"}
    if set(doc) != keys or not all(isinstance(doc[k], str) for k in keys):
        raise _bad("certificate fields")
    try:
        raw = decode_public_key(doc["intake_key"])
    except KeyFormatError:
        raise _bad("intake key") from None
    if encode_public_key(raw) != doc["intake_key"] or key_id(raw) != doc["intake_key_id"]:
        raise _bad("intake key id")
    if not is_key_id(doc["desk_key_id"]):
        raise _bad("desk key id")
    if not is_utc_stamp(doc["issued_at"]) or not is_utc_stamp(doc["expires_at"]):
        raise _bad("time")
    if doc["expires_at"] <= doc["issued_at"]:
        raise _bad("validity")
    return IntakeCertificate(raw, doc["desk_key_id"], doc["issued_at"], doc["expires_at"])


def verify_certificate(data: bytes, trusted: Mapping[str, bytes]) -> IntakeCertificate:
    """Parse a certificate and check it was signed by one of the ``trusted`` desk keys
    (key id → 32 raw bytes)."""
    body, signer, signature = parse_signed(data, CERTIFICATE_FORMAT, "certificate")
    cert = _check_certificate(body)
    if signer != cert.desk_key_id:
        raise _bad("signature key id")
    raw = trusted.get(signer)
    if raw is None or key_id(raw) != signer:
        raise IntakeSignatureError(
            _("The intake certificate was signed by a desk key that is not trusted.")
        )
    check_signature(
        raw, signature, signed_message(CERTIFICATE_CONTEXT, body), _("intake certificate")
    )
    return cert


def certificate_bytes(doc: Any) -> bytes:
    """A certificate given as a JSON value (inside ``desk-public.json``) as its exact bytes."""
    try:
        return canonical_json(doc)
    except (TypeError, ValueError):
        raise _bad("certificate") from None


def verify_intake_receipt(
    receipt: bytes, certificate: bytes, trusted: Mapping[str, bytes]
) -> IntakeReceipt:
    """Check an intake server's receipt the whole way: the certificate verifies with a trusted
    desk key, names the key that signed the receipt, and was valid when the receipt was made."""
    cert = verify_certificate(certificate, trusted)
    checked = verify_intake_receipt_signature(receipt, cert.intake_key)
    if not cert.covers(checked.received_at):
        raise ReceiptBadSignature(
            _("The receipt was signed outside the validity of its intake certificate.")
        )
    return checked


# --- withdrawals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Withdrawal:
    """An advisor device takes back one of its referrals."""

    referral_id: str
    device_key_id: str
    withdrawn_at: str

    def to_doc(self) -> dict[str, str]:
        """The signed part."""
        return {
            "referral_id": self.referral_id,
            "device_key_id": self.device_key_id,
            "withdrawn_at": self.withdrawn_at,
        }


def build_withdrawal(referral_id: str, withdrawn_at: str, device_key: Ed25519PrivateKey) -> bytes:
    """The signed withdrawal (canonical bytes) of ``referral_id`` by the device ``device_key``."""
    device = key_id(raw_public(device_key.public_key()))
    withdrawal = Withdrawal(referral_id, device, withdrawn_at)
    _check_withdrawal(withdrawal.to_doc())
    return _WITHDRAWAL.build(withdrawal.to_doc(), WITHDRAWAL_CONTEXT, device_key)


def _check_withdrawal(doc: dict[str, Any]) -> Withdrawal:
    if set(doc) != {"referral_id", "device_key_id", "withdrawn_at"}:
        raise _bad("withdrawal fields")
    if not is_referral_id(doc["referral_id"]):
        raise _bad("referral id")
    if not is_key_id(doc["device_key_id"]):
        raise _bad("device key id")
    if not is_utc_stamp(doc["withdrawn_at"]):
        raise _bad("time")
    return Withdrawal(doc["referral_id"], doc["device_key_id"], doc["withdrawn_at"])


def parse_withdrawal(data: bytes) -> tuple[Withdrawal, bytes]:
    """Parse a withdrawal strictly; returns it and its (unchecked) signature."""
    body, signer, signature = parse_signed(data, WITHDRAWAL_FORMAT, "withdrawal")
    withdrawal = _check_withdrawal(body)
    if signer != withdrawal.device_key_id:
        raise _bad("signature key id")
    return withdrawal, signature


def verify_withdrawal(data: bytes, trusted: Mapping[str, bytes]) -> Withdrawal:
    """Parse a withdrawal and check it was signed by one of the ``trusted`` device keys."""
    withdrawal, signature = parse_withdrawal(data)
    raw = trusted.get(withdrawal.device_key_id)
    if raw is None or key_id(raw) != withdrawal.device_key_id:
        raise IntakeSignatureError(_("The withdrawal was signed by a device that is not trusted."))
    check_signature(
        raw, signature, signed_message(WITHDRAWAL_CONTEXT, withdrawal.to_doc()), _("withdrawal")
    )
    return withdrawal


# --- answers of the API -----------------------------------------------------------------------


def error_doc(code: str, reason: str) -> dict[str, str]:
    """The body of every refusal: a stable code and a sentence for a person."""
    return {"error": code, "reason": reason}


def read_error_doc(body: bytes, fallback: str) -> tuple[str, str]:
    """(code, reason) of a refusal's body as :func:`error_doc` writes it, bounded; ``unknown``
    and ``fallback`` (the HTTP reason phrase) when the body is not such a document."""
    try:
        doc = jsonio.loads(body)  # a hostile server's answer: nesting bounded too
    except ValueError:
        return "unknown", fallback
    if not isinstance(doc, dict) or not isinstance(doc.get("error"), str):
        return "unknown", fallback
    return doc["error"][:64], str(doc.get("reason", ""))[:300]


@dataclass(frozen=True)
class InboxPackage:
    """A package waiting at the server for the workstation."""

    referral_id: str
    size: int
    package_sha256: str
    received_at: str

    def to_doc(self) -> dict[str, Any]:
        """As listed by ``GET /v1/inbox``."""
        return {
            "referral_id": self.referral_id,
            "size": self.size,
            "package_sha256": self.package_sha256,
            "received_at": self.received_at,
        }


@dataclass(frozen=True)
class InboxWithdrawal:
    """A withdrawal waiting at the server (the signed document itself)."""

    referral_id: str
    received_at: str
    document: bytes

    def to_doc(self) -> dict[str, Any]:
        """As listed by ``GET /v1/inbox`` (the document in base64)."""
        return {
            "referral_id": self.referral_id,
            "received_at": self.received_at,
            "withdrawal": base64.b64encode(self.document).decode("ascii"),
        }


@dataclass(frozen=True)
class Inbox:
    """``GET /v1/inbox``: what the workstation has not acknowledged yet (oldest first)."""

    packages: tuple[InboxPackage, ...]
    withdrawals: tuple[InboxWithdrawal, ...]
    more: bool

    def to_doc(self) -> dict[str, Any]:
        """The answer's body."""
        return {
            "packages": [p.to_doc() for p in self.packages],
            "withdrawals": [w.to_doc() for w in self.withdrawals],
            "more": self.more,
        }


def _b64(value: Any, limit: int) -> bytes:
    if not isinstance(value, str) or len(value) > limit * 4 // 3 + 4:
        raise _bad("base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad("base64") from None


def _list(doc: Any, name: str) -> list[Any]:
    value = doc.get(name) if isinstance(doc, dict) else None
    if not isinstance(value, list) or len(value) > MAX_LISTING:
        raise _bad(name)
    return value


def parse_inbox(data: bytes) -> Inbox:
    """The body of ``GET /v1/inbox``, checked."""
    doc = _load(data, 4 * 1024 * 1024)
    if not isinstance(doc, dict) or set(doc) != {"packages", "withdrawals", "more"}:
        raise _bad("inbox fields")
    if not isinstance(doc["more"], bool):
        raise _bad("more")
    packages = []
    for item in _list(doc, "packages"):
        if not isinstance(item, dict) or set(item) != {
            "referral_id",
            "size",
            "package_sha256",
            "received_at",
        }:
            raise _bad("inbox package")
        size = item["size"]
        if (
            not is_referral_id(item["referral_id"])
            or not isinstance(size, int)
            or isinstance(size, bool)
            or not 0 < size <= 64 * 1024 * 1024
            or not isinstance(item["package_sha256"], str)
            or not _HEX64.match(item["package_sha256"])
            or not is_utc_stamp(item["received_at"])
        ):
            raise _bad("inbox package")
        packages.append(
            InboxPackage(item["referral_id"], size, item["package_sha256"], item["received_at"])
        )
    withdrawals = []
    for item in _list(doc, "withdrawals"):
        if not isinstance(item, dict) or set(item) != {"referral_id", "received_at", "withdrawal"}:
            raise _bad("inbox withdrawal")
        if not is_referral_id(item["referral_id"]) or not is_utc_stamp(item["received_at"]):
            raise _bad("inbox withdrawal")
        document = _b64(item["withdrawal"], MAX_DOCUMENT_BYTES)
        withdrawals.append(InboxWithdrawal(item["referral_id"], item["received_at"], document))
    return Inbox(tuple(packages), tuple(withdrawals), doc["more"])


@dataclass(frozen=True)
class StatusUpload:
    """``POST /v1/status``: one opaque status message for a device, about one referral.

    The blob is the status message format's (signed and encrypted for the device); the server
    and this module treat it as bytes."""

    message_id: str
    device_key_id: str
    referral_id: str
    blob: bytes

    def to_doc(self) -> dict[str, str]:
        """The request's body."""
        return {
            "message_id": self.message_id,
            "device_key_id": self.device_key_id,
            "referral_id": self.referral_id,
            "blob": base64.b64encode(self.blob).decode("ascii"),
        }


def parse_status_upload(data: bytes) -> StatusUpload:
    """The body of ``POST /v1/status``, checked."""
    doc = _load(data, MAX_STATUS_BLOB_BYTES * 2)
    if not isinstance(doc, dict) or set(doc) != {
        "message_id",
        "device_key_id",
        "referral_id",
        "blob",
    }:
        raise _bad("status fields")
    if not is_referral_id(doc["message_id"]) or not is_referral_id(doc["referral_id"]):
        raise _bad("status ids")
    if not is_key_id(doc["device_key_id"]):
        raise _bad("device key id")
    blob = _b64(doc["blob"], MAX_STATUS_BLOB_BYTES)
    if not 0 < len(blob) <= MAX_STATUS_BLOB_BYTES:
        raise _bad("status size")
    return StatusUpload(doc["message_id"], doc["device_key_id"], doc["referral_id"], blob)


@dataclass(frozen=True)
class StatusMessage:
    """A status message as the server holds it for a device (``seq``: its place in the order
    the server stored them; ``GET /v1/status?since=seq`` lists the ones after it)."""

    seq: int
    message_id: str
    referral_id: str
    stored_at: str
    blob: bytes

    def to_doc(self) -> dict[str, Any]:
        """As listed by ``GET /v1/status``."""
        return {
            "seq": self.seq,
            "message_id": self.message_id,
            "referral_id": self.referral_id,
            "stored_at": self.stored_at,
            "blob": base64.b64encode(self.blob).decode("ascii"),
        }


def status_listing_doc(messages: list[StatusMessage], since: int) -> dict[str, Any]:
    """The body of ``GET /v1/status``: the messages, and the ``since`` for the next call."""
    return {
        "messages": [m.to_doc() for m in messages],
        "next": max((m.seq for m in messages), default=since),
    }


def parse_status_listing(data: bytes) -> tuple[list[StatusMessage], int]:
    """The body of ``GET /v1/status``, checked: the messages and the next ``since``."""
    doc = _load(data, 16 * 1024 * 1024)
    if not isinstance(doc, dict) or set(doc) != {"messages", "next"}:
        raise _bad("status listing fields")
    following = doc["next"]
    if not isinstance(following, int) or isinstance(following, bool) or following < 0:
        raise _bad("next")
    messages = []
    for item in _list(doc, "messages"):
        keys = {"seq", "message_id", "referral_id", "stored_at", "blob"}
        if not isinstance(item, dict) or set(item) != keys:
            raise _bad("status message")
        seq = item["seq"]
        if (
            not isinstance(seq, int)
            or isinstance(seq, bool)
            or seq < 1
            or not is_referral_id(item["message_id"])
            or not is_referral_id(item["referral_id"])
            or not is_utc_stamp(item["stored_at"])
        ):
            raise _bad("status message")
        blob = _b64(item["blob"], MAX_STATUS_BLOB_BYTES)
        messages.append(
            StatusMessage(seq, item["message_id"], item["referral_id"], item["stored_at"], blob)
        )
    return messages, following
