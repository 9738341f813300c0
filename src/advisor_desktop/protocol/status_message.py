"""The desk's status message (version 1): "referral R is now at this step", for the advisor.

The desk writes one for each step it records (``advisor-desk status``); it reaches the advisor's
device through the intake server or on a USB stick (``advisor-desk status-export``), and the
advisor's app (``advisor status import``) keeps it with the referral. It is **signed by the
desk** (so the app believes it from the desk, not from whoever carried it) and **encrypted to
the device** (so only the device that sent the referral reads the desk's words about it).

A status file (``.status``) is a binary age v1 file, encrypted to the device's age recipient,
whose plaintext is exactly the canonical JSON (:func:`~advisor_desktop.protocol.keys.
canonical_json`) of::

    {"format": "advisor-desktop-status", "version": 1,
     "status": {"referral_id": "<uuid v4>", "sequence": 3, "state": "closed",
                "outcome": "advice-given", "text": "…" or null,
                "set_at": "YYYY-MM-DDTHH:MM:SSZ",
                "desk_key_id": "<32 hex>", "device_key_id": "<32 hex>"},
     "signature": {"algorithm": "ed25519", "key_id": "<32 hex>", "value": "<base64>"}}

- The signature covers ``b"advisor-desktop-status/v1\\x00" + canonical_json(status)``, by the
  desk's Ed25519 key (``signing_key`` of ``desk-public.json``); ``key_id`` equals
  ``status.desk_key_id``.
- ``sequence`` numbers the steps of one referral at the desk (1 is ``received``); a message
  with a lower sequence than one already kept never replaces it (a replayed older message).
- ``device_key_id`` is the key id of the advisor device the referral came from: a message
  decrypted by one device and encrypted again to another is refused there.
- ``outcome`` is set exactly when ``state`` is ``closed``; ``text`` is null or 1 to
  :data:`MAX_TEXT_CHARS` characters without control characters (newline and tab allowed) or
  text-direction overrides.
- Readers accept only the exact canonical bytes and the one base64 spelling of the signature,
  and exactly these fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.platform.terminal import is_unsafe
from advisor_desktop.protocol.errors import (
    EXIT_SCHEMA,
    EXIT_SIGNATURE,
    EXIT_UNDECRYPTABLE,
    KeyFormatError,
)
from advisor_desktop.protocol.keys import key_id, parse_recipient
from advisor_desktop.protocol.referral_package import AGE_HEADER, age_decrypt
from advisor_desktop.protocol.referral_terms import Outcome, ReferralState
from advisor_desktop.protocol.signed_document import (
    SignedFormat,
    Wording,
    is_key_id,
    is_referral_id,
    is_utc_stamp,
    signed_message,
    verify_ed25519,
)

STATUS_FORMAT = "advisor-desktop-status"
STATUS_VERSION = 1
SIGNATURE_CONTEXT = b"advisor-desktop-status/v1\x00"
STATUS_SUFFIX = ".status"
#: The largest status file (the age file) a reader looks at.
MAX_STATUS_BYTES = 64 * 1024
#: The largest signed document inside it.
MAX_DOCUMENT_BYTES = 32 * 1024
MAX_TEXT_CHARS = 4000
MAX_SEQUENCE = 1_000_000

_BODY_KEYS = frozenset(
    {
        "referral_id",
        "sequence",
        "state",
        "outcome",
        "text",
        "set_at",
        "desk_key_id",
        "device_key_id",
    }
)


class StatusMessageError(AdvisorError):
    """A status message does not follow the status message format (exit 8)."""

    exit_code = EXIT_SCHEMA


class StatusUndecryptable(StatusMessageError):
    """A status file is not an age file for this device, or it is truncated or altered
    (exit 6)."""

    exit_code = EXIT_UNDECRYPTABLE


class StatusBadSignature(StatusMessageError):
    """A status message's signature does not verify with the desk's key, or another key
    signed it (exit 7)."""

    exit_code = EXIT_SIGNATURE


@dataclass(frozen=True)
class StatusMessage:
    """One step of a referral at the desk, as the desk tells the advisor's device."""

    referral_id: str
    sequence: int
    state: ReferralState
    outcome: Outcome | None
    text: str | None
    set_at: str
    desk_key_id: str
    device_key_id: str

    def to_doc(self) -> dict[str, Any]:
        """The signed part of the message."""
        return {
            "referral_id": self.referral_id,
            "sequence": self.sequence,
            "state": self.state.value,
            "outcome": None if self.outcome is None else self.outcome.value,
            "text": self.text,
            "set_at": self.set_at,
            "desk_key_id": self.desk_key_id,
            "device_key_id": self.device_key_id,
        }


@dataclass(frozen=True)
class SignedStatus:
    """A decrypted, parsed status message whose signature is not checked yet."""

    message: StatusMessage
    key_id: str
    signature: bytes
    document: bytes
    """The exact signed document (canonical JSON), as decrypted."""


def _bad(what: str) -> StatusMessageError:
    return StatusMessageError(
        _("This is not a valid status message from the desk ({what}).").format(what=what)
    )


_STATUS = SignedFormat(
    STATUS_FORMAT,
    STATUS_VERSION,
    "status",
    MAX_DOCUMENT_BYTES,
    _bad,
    Wording(body="status fields"),
)


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be a status message's text (None: it can): too long, empty, or with
    control characters other than newline and tab, or text-direction overrides."""
    if not text:
        return "empty text"
    if len(text) > MAX_TEXT_CHARS:
        return "text too long"
    if any(is_unsafe(c) and c not in "\n\t" for c in text):
        return "control characters"
    return None


def _check_body(doc: Any) -> StatusMessage:
    if not isinstance(doc, dict) or set(doc) != _BODY_KEYS:
        raise _bad("status fields")
    if not is_referral_id(doc["referral_id"]):
        raise _bad("referral id")
    sequence = doc["sequence"]
    if not isinstance(sequence, int) or isinstance(sequence, bool):
        raise _bad("sequence")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise _bad("sequence")
    try:
        state = ReferralState(doc["state"])
        outcome = None if doc["outcome"] is None else Outcome(doc["outcome"])
    except ValueError:
        raise _bad("state or outcome") from None
    if (state is ReferralState.CLOSED) != (outcome is not None):
        raise _bad("outcome")
    text = doc["text"]
    if text is not None:
        if not isinstance(text, str):
            raise _bad("text")
        problem = text_problem(text)
        if problem is not None:
            raise _bad(problem)
    if not is_utc_stamp(doc["set_at"]):
        raise _bad("time")
    for name in ("desk_key_id", "device_key_id"):
        if not is_key_id(doc[name]):
            raise _bad(name.replace("_", " "))
    return StatusMessage(
        referral_id=doc["referral_id"],
        sequence=sequence,
        state=state,
        outcome=outcome,
        text=text,
        set_at=doc["set_at"],
        desk_key_id=doc["desk_key_id"],
        device_key_id=doc["device_key_id"],
    )


def signature_message(message: StatusMessage) -> bytes:
    """What is signed: a context label, then the canonical status body."""
    return signed_message(SIGNATURE_CONTEXT, message.to_doc())


def sign_status_message(message: StatusMessage, signing_key: Ed25519PrivateKey) -> bytes:
    """The signed document (canonical JSON) of ``message``, by the desk's ``signing_key``."""
    _check_body(message.to_doc())
    return _STATUS.build(
        message.to_doc(), SIGNATURE_CONTEXT, signing_key, desk_key_id=message.desk_key_id
    )


def build_status_message(
    message: StatusMessage, signing_key: Ed25519PrivateKey, device_recipient: str
) -> bytes:
    """The status file's bytes: ``message`` signed with the desk's ``signing_key``, then
    encrypted to the device's age recipient ``device_recipient`` (``age1…``)."""
    document = sign_status_message(message, signing_key)
    try:
        recipient = parse_recipient(device_recipient)
    except KeyFormatError:
        raise ValueError("not an age recipient") from None
    return bytes(pyrage.encrypt(document, [recipient]))


def parse_status_document(data: bytes) -> SignedStatus:
    """Parse a signed status document strictly (exact canonical bytes); the signature is not
    checked."""
    # The body is checked before the signature, so that its errors are the ones named first.
    signed = _STATUS.parse(data, check_first=_check_body)
    message = _check_body(signed.body)
    if signed.key_id != message.desk_key_id:
        raise _bad("signature key id")
    return SignedStatus(message, signed.key_id, signed.signature, bytes(data))


def read_status_message(
    data: bytes, device_age_identity: pyrage.x25519.Identity | Sequence[pyrage.x25519.Identity]
) -> SignedStatus:
    """Decrypt a status file with the device's age identity and parse it (signature not checked
    yet: see :func:`verify_status_message`)."""
    if len(data) > MAX_STATUS_BYTES:
        raise StatusUndecryptable(_("The file is too large to be a status message."))
    if not data.startswith(AGE_HEADER):
        raise StatusUndecryptable(_("The file is not an encrypted status message."))
    identities = (
        [device_age_identity]
        if isinstance(device_age_identity, pyrage.x25519.Identity)
        else list(device_age_identity)
    )
    plain = age_decrypt(data, identities)
    if plain is None:
        raise StatusUndecryptable(
            _(
                "The status message does not decrypt with this device's key: it is for another "
                "device, or it is damaged."
            )
        )
    return parse_status_document(plain)


def verify_status_message(signed: SignedStatus, desk_signing_public_key: bytes) -> StatusMessage:
    """Check ``signed`` against the desk's Ed25519 key (32 raw bytes, from the organisation
    profile); returns the message."""
    if len(desk_signing_public_key) != 32 or key_id(desk_signing_public_key) != signed.key_id:
        raise StatusBadSignature(
            _("The status message was signed by another key than the desk's in your profile.")
        )
    verify_ed25519(
        desk_signing_public_key,
        signed.signature,
        signature_message(signed.message),
        lambda: StatusBadSignature(
            _("The status message's signature does not match its content: altered or forged.")
        ),
    )
    return signed.message


def open_status_message(
    data: bytes,
    device_age_identity: pyrage.x25519.Identity,
    desk_signing_public_key: bytes,
) -> StatusMessage:
    """Decrypt, parse and verify a status file: the message, or a typed error
    (:class:`StatusUndecryptable`, :class:`StatusMessageError`, :class:`StatusBadSignature`).
    Checking that it is for this device's referral is the reader's (``device_key_id``)."""
    return verify_status_message(
        read_status_message(data, device_age_identity), desk_signing_public_key
    )
