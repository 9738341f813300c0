"""The signed document that the desk, its intake server and the advisor's device exchange.

Receipts, status messages, intake certificates, withdrawals and the enrolled device list are
each exactly the canonical JSON (:func:`~advisor_desktop.protocol.keys.canonical_json`) of::

    {"format": "<name>", "version": <n>,
     "<body name>": {…the format's own fields…},
     "signature": {"algorithm": "ed25519", "key_id": "<32 hex>", "value": "<base64>"}}

where the signature covers ``<context label> + canonical_json(body)``: a label of each format
and version (``b"advisor-desktop-receipt/v1\\x00"``…), so that a signature made for one kind of
document never verifies as another. This module holds that mechanism once; each format module
keeps its own fields, context label, size limit and errors. The mechanism never words an error
itself: a format passes its error factory (``what`` → its typed error with its own sentence and
exit code) and the words naming each step (:class:`Wording`), so every format keeps its messages.

Readers accept only the exact canonical bytes, exactly these envelope fields and the one base64
spelling of the signature, so no byte of a document can change without it failing.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from advisor_desktop.protocol.keys import canonical_json, key_id, raw_public

ALGORITHM = "ed25519"
#: Longer than any base64 spelling of a 64-byte signature (88 characters).
MAX_SIGNATURE_CHARS = 100

Refuse = Callable[[str], Exception]
"""A format's error factory: what is wrong (a few English words) → the exception to raise."""

_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_ENVELOPE_SIGNATURE_KEYS = frozenset({"algorithm", "key_id", "value"})


def is_referral_id(text: Any) -> bool:
    """True for a referral id: a UUID version 4 in its lower-case spelling."""
    if not isinstance(text, str) or len(text) != 36:
        return False
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        return False
    return str(parsed) == text and parsed.version == 4


def is_key_id(text: Any) -> bool:
    """True for a key id (32 lower-case hex digits)."""
    return isinstance(text, str) and bool(_HEX32.match(text))


def is_utc_stamp(text: Any) -> bool:
    """True for ``YYYY-MM-DDTHH:MM:SSZ``."""
    return isinstance(text, str) and bool(_UTC_STAMP.match(text))


def _no_float(value: str) -> Any:
    raise ValueError("floats are not part of the format")


def load_json(data: bytes, refuse: Refuse, limit: int | None = None) -> Any:
    """``data`` as JSON without floats (``NaN``, ``1.5``: none is part of any format), or
    ``refuse("size")`` above ``limit`` bytes and ``refuse("not JSON")``."""
    if limit is not None and len(data) > limit:
        raise refuse("size")
    try:
        return json.loads(data.decode("utf-8"), parse_float=_no_float, parse_constant=_no_float)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise refuse("not JSON") from None


def signed_message(context: bytes, body: Any) -> bytes:
    """What is signed: the format's context label, then the canonical body."""
    return context + canonical_json(body)


def signature_doc(signer: str, signature: bytes) -> dict[str, str]:
    """The ``signature`` member of a document signed by the key ``signer`` (its key id)."""
    return {
        "algorithm": ALGORITHM,
        "key_id": signer,
        "value": base64.b64encode(signature).decode("ascii"),
    }


def build_signed(
    fmt: str,
    version: int,
    body_name: str,
    body: dict[str, Any],
    context: bytes,
    signing_key: Ed25519PrivateKey,
) -> bytes:
    """The document's canonical bytes: ``body`` signed by ``signing_key`` over ``context`` and
    its canonical form (checking the body is the caller's, before)."""
    signature = signing_key.sign(signed_message(context, body))
    return canonical_json(
        {
            "format": fmt,
            "version": version,
            body_name: body,
            "signature": signature_doc(key_id(raw_public(signing_key.public_key())), signature),
        }
    )


def verify_ed25519(
    public_key: bytes, signature: bytes, message: bytes, forged: Callable[[], Exception]
) -> None:
    """Raise ``forged()`` unless ``signature`` by ``public_key`` (32 raw bytes) covers
    ``message``; a key that is not 32 bytes verifies nothing."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise forged() from None


@dataclass(frozen=True)
class Wording:
    """The words a format names each refused part of the envelope with (inside its own,
    translated sentence). The defaults are the receipt's and the status message's."""

    format: str = "format"
    version: str = "version"
    signature_object: str = "signature fields"
    """``signature`` is not an object."""
    signature_fields: str = "signature fields"
    algorithm: str = "signature algorithm"
    key_id: str = "signature key id"
    value: str = "signature encoding"
    """``value`` is not a string of at most :data:`MAX_SIGNATURE_CHARS` characters."""
    body: str = "fields"
    """The body is not an object."""


@dataclass(frozen=True)
class SignedDocument:
    """A parsed document in its exact canonical form, whose signature is not checked yet."""

    body: dict[str, Any]
    key_id: str
    signature: bytes


@dataclass(frozen=True)
class SignedFormat:
    """One format and version of signed document: its name, body member, size limit, error
    factory and wording."""

    format: str
    version: int
    body_name: str
    limit: int
    refuse: Refuse
    wording: Wording = field(default_factory=Wording)

    def build(
        self,
        body: dict[str, Any],
        context: bytes,
        signing_key: Ed25519PrivateKey,
        *,
        desk_key_id: str | None = None,
    ) -> bytes:
        """A document of this format (see :func:`build_signed`). ``desk_key_id``: the key id
        that a body the desk signs names as its signer; another signing key is the caller's
        mistake (:class:`ValueError`), never a document that could not verify."""
        if desk_key_id is not None and key_id(raw_public(signing_key.public_key())) != desk_key_id:
            raise ValueError(f"the {self.body_name} names another desk key than the one signing it")
        return build_signed(self.format, self.version, self.body_name, body, context, signing_key)

    def parse(
        self, data: bytes, check_first: Callable[[Any], object] | None = None
    ) -> SignedDocument:
        """Parse ``data`` strictly: exactly the envelope fields, this format and version, one
        Ed25519 signature in its one base64 spelling, the exact canonical bytes. The body is
        returned unchecked, unless ``check_first`` checks it before the signature is looked at
        (so that a format whose body errors came first keeps that order)."""
        bad, words = self.refuse, self.wording
        doc = load_json(data, bad, self.limit)
        if not isinstance(doc, dict) or set(doc) != {
            "format",
            "version",
            self.body_name,
            "signature",
        }:
            raise bad("fields")
        if doc["format"] != self.format:
            raise bad(words.format)
        if doc["version"] != self.version or isinstance(doc["version"], bool):
            raise bad(words.version)
        body = doc[self.body_name]
        if check_first is not None:
            check_first(body)
        sig = doc["signature"]
        if not isinstance(sig, dict):
            raise bad(words.signature_object)
        if set(sig) != _ENVELOPE_SIGNATURE_KEYS:
            raise bad(words.signature_fields)
        if sig["algorithm"] != ALGORITHM:
            raise bad(words.algorithm)
        if not is_key_id(sig["key_id"]):
            raise bad(words.key_id)
        value = sig["value"]
        if not isinstance(value, str) or len(value) > MAX_SIGNATURE_CHARS:
            raise bad(words.value)
        try:
            signature = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise bad("signature encoding") from None
        # Base64 leaves spare bits in its last character: only the one spelling of the signature
        # is accepted, so a changed character can never decode to the same signature.
        if len(signature) != 64 or base64.b64encode(signature).decode("ascii") != value:
            raise bad("signature encoding")
        if not isinstance(body, dict):
            raise bad(words.body)
        try:
            canonical = canonical_json(doc)
        except (TypeError, ValueError):
            raise bad("not in canonical form") from None
        if canonical != data:
            raise bad("not in canonical form")
        return SignedDocument(body, str(sig["key_id"]), signature)
