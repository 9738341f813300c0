"""The referral package format: payload (schema version 3) → signed envelope → age v1 file.

See docs/referral-format.md. Everything here is pure: bytes and dicts in, bytes and typed values
out. Reading a package trusts nothing: every failure becomes a :class:`PackageError` subclass.

A version 2 payload names the desk it is for by the key id of the desk's age recipient
(``desk_age_key_id``), and a desk opens only a package addressed to one of its own keys
(:func:`check_addressed`): a package that one desk decrypts and encrypts again to another is
refused there, although its signature is still good. A version 1 payload names its desk only
by name; it is accepted by the desk of that name (see the format document).

A version 3 payload carries no time finer than the consented period (``created`` and
``consent.given`` at the period's granularity, or not at all) and the languages only with the
``language`` scope; it is padded when sealed, so that the envelope is one of
:data:`PADDING_BUCKETS` bytes long whatever the summary's length (:func:`sign_envelope`), and
the desk checks and drops the padding (:func:`parse_envelope`, :func:`validate_payload`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol import age_file
from advisor_desktop.protocol.errors import (
    PackageBadSignature,
    PackageReplayed,
    PackageSchemaError,
    PackageUndecryptable,
    PackageUnknownSigner,
)
from advisor_desktop.protocol.keys import canonical_json, parse_recipient
from advisor_desktop.protocol.referral_terms import ConsentMethod, Granularity, Scope
from advisor_desktop.protocol.signed_document import build_signed, load_json, verify_ed25519

ENVELOPE_FORMAT = "advisor-desktop-referral"
ENVELOPE_VERSION = 1
PAYLOAD_SCHEMA = "advisor-desktop-referral-payload"
PAYLOAD_VERSION = 3
#: The payload versions a desk still reads: version 1 (before the desk binding) is accepted
#: by the desk its ``desk`` field names (see :func:`check_addressed`); version 2 (before the
#: consented metadata and the padding) as it always was, and what a desk stored of it.
READABLE_PAYLOAD_VERSIONS = (1, 2, 3)
#: The sizes an envelope of payload version 3 is padded to (bytes, before encryption): powers
#: of two from 4 KiB to 512 KiB. An envelope is padded to the smallest that holds it, so the
#: package's size says only which bucket it is in (up to about 2,500 ASCII characters of
#: summary with every other scope all fit in the first one).
PADDING_BUCKETS: tuple[int, ...] = tuple(4096 << k for k in range(8))
PADDING_CHAR = "0"
SIGNATURE_CONTEXT = b"advisor-desktop-referral/v1\x00"
FILE_SUFFIX = ".referral"
MAX_PACKAGE_BYTES = 1024 * 1024
MAX_SUMMARY_CHARS = 20_000
MAX_FIELD_CHARS = 200
MAX_CONTACT_CHARS = 500

ACTION_ASSESS = "assess"
ACTION_SECRETARY_GENERAL = "assess-and-bring-to-secretary-general"
ROLES = ("locally-employed", "seconded", "hq", "external", "other")

_UTC_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_PADDING = re.compile(r"^0*$")
_KEY_ID = re.compile(r"^[0-9a-f]{32}$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_CATEGORY = re.compile(r"^[a-z0-9-]{1,64}$")
_PERIOD_VALUE = {
    Granularity.DAY: re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    Granularity.MONTH: re.compile(r"^\d{4}-\d{2}$"),
    Granularity.QUARTER: re.compile(r"^\d{4}-Q[1-4]$"),
}


class PackageWrongDesk(PackageUndecryptable):
    """The package decrypts here, but its signed content names another desk: it was made for
    another desk and encrypted again to this one (exit 6, as a package for another desk)."""


class PackageWithdrawn(PackageReplayed):
    """The advisor withdrew this referral before its package arrived (exit 9, as a referral
    the desk knows already): nothing of it is stored."""


def recipient_key_id(recipient: str) -> str:
    """The key id of an age recipient (``age1…``): the first 16 bytes of SHA-256 over its text,
    lower-case hex. Grouped in fours it is the recipient's fingerprint
    (:func:`~advisor_desktop.protocol.keys.recipient_fingerprint`), the one ``desk-public.json``
    and ``advisor device-key`` show."""
    return hashlib.sha256(recipient.strip().encode("ascii")).hexdigest()[:32]


def utc_stamp(when: dt.datetime) -> str:
    """``when`` as ``YYYY-MM-DDTHH:MM:SSZ`` (seconds, UTC)."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def period_value(day: dt.date, granularity: Granularity) -> str:
    """``day`` at ``granularity``: ``2026-03-14``, ``2026-03`` or ``2026-Q1`` (the period's
    value, and every time in a version 3 payload)."""
    if granularity is Granularity.DAY:
        return day.isoformat()
    if granularity is Granularity.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def coarse_time(when: dt.datetime, granularity: Granularity | None) -> str | None:
    """``when`` (UTC) at the consented period granularity; None when no period is consented
    (the time is then left out)."""
    if granularity is None:
        return None
    return period_value(when.astimezone(dt.UTC).date(), granularity)


#: The file time of an exported package when no period is consented: the start of the FAT
#: epoch, which every file system can hold, and which dates nothing.
NO_PERIOD_FILE_TIME = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


def period_start(when: dt.datetime, granularity: Granularity | None) -> dt.datetime:
    """The start (UTC midnight) of the consented period that ``when`` falls in: its day,
    month or quarter; :data:`NO_PERIOD_FILE_TIME` when no period is consented. What an
    exported package's file times are set to, so they date nothing more finely than the
    payload does."""
    if granularity is None:
        return NO_PERIOD_FILE_TIME
    day = when.astimezone(dt.UTC).date()
    if granularity is Granularity.MONTH:
        day = day.replace(day=1)
    elif granularity is Granularity.QUARTER:
        day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def padding_bucket(size: int) -> int:
    """The smallest of :data:`PADDING_BUCKETS` that holds ``size`` bytes."""
    for bucket in PADDING_BUCKETS:
        if size <= bucket:
            return bucket
    raise PackageSchemaError(_("The referral is too large to be sealed."))


def signature_message(payload_bytes: bytes) -> bytes:
    """What is signed: a context label, then the canonical payload bytes."""
    return SIGNATURE_CONTEXT + payload_bytes


def sign_envelope(payload: Mapping[str, Any], signing_key: Ed25519PrivateKey) -> bytes:
    """The envelope (canonical JSON bytes) carrying ``payload`` and its detached signature.

    A version 3 payload (without ``padding`` yet) is padded first: its ``padding`` field, a
    run of ``0`` under the signature, makes the envelope exactly one of
    :data:`PADDING_BUCKETS` long. Earlier versions are signed as given.
    """
    doc = dict(payload)
    version = doc.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 3:
        return _signed(doc, signing_key)
    if "padding" in doc:
        raise PackageSchemaError(_("The referral is already padded."))
    unpadded = len(_signed({**doc, "padding": ""}, signing_key))
    bucket = padding_bucket(unpadded)
    envelope = _signed({**doc, "padding": PADDING_CHAR * (bucket - unpadded)}, signing_key)
    if len(envelope) != bucket:  # the padding is ASCII: one character, one byte
        raise PackageSchemaError(_("The referral could not be padded."))
    return envelope


def _signed(payload: dict[str, Any], signing_key: Ed25519PrivateKey) -> bytes:
    return build_signed(
        ENVELOPE_FORMAT, ENVELOPE_VERSION, "payload", payload, SIGNATURE_CONTEXT, signing_key
    )


def encrypt_to(envelope: bytes, recipients: Sequence[str]) -> bytes:
    """``envelope`` as a binary age v1 file readable by every recipient (``age1…``).

    Written by :func:`~advisor_desktop.protocol.age_file.encrypt`, whose header has no
    stanza of random size, so that a padded envelope gives a package of a fixed size.
    """
    if not recipients:
        raise PackageUndecryptable(_("No desk key to encrypt to."))
    for recipient in recipients:
        parse_recipient(recipient)  # the same validation and error as everywhere else
    return age_file.encrypt(envelope, recipients)


AGE_HEADER = b"age-encryption.org/v1\n"


def age_decrypt(data: bytes, identities: Sequence[pyrage.x25519.Identity]) -> bytes | None:
    """The plaintext of the binary age file ``data``, or None when it is not one, none of
    ``identities`` opens it, or it is truncated or altered. Never raises for hostile input."""
    if not data.startswith(AGE_HEADER) or not identities:
        return None
    try:
        return bytes(pyrage.decrypt(data, list(identities)))
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # pyrage signals some malformed input with Rust panics
        return None


def decrypt_package(data: bytes, identities: Sequence[pyrage.x25519.Identity]) -> bytes:
    """The envelope bytes inside an age file, or :class:`PackageUndecryptable`."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageUndecryptable(_("The file is too large to be a referral package."))
    if not data.startswith(AGE_HEADER):
        raise PackageUndecryptable(_("The file is not an encrypted referral package."))
    plain = age_decrypt(data, identities)
    if plain is None:
        raise PackageUndecryptable(
            _("The package does not decrypt with this desk's key, or it is damaged.")
        )
    return plain


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope: payload (still unvalidated), its canonical bytes and the signature."""

    payload: dict[str, Any]
    payload_bytes: bytes
    key_id: str
    signature: bytes
    size: int | None = None
    """The envelope's length in bytes as it was decrypted (None: not known)."""


def _schema(what: str) -> PackageSchemaError:
    return PackageSchemaError(
        _("The package does not follow the referral format ({what}).").format(what=what)
    )


def parse_envelope(data: bytes) -> Envelope:
    """Parse envelope bytes; anything unexpected is :class:`PackageSchemaError`."""
    # No size limit here: the package file's was checked before it was decrypted.
    doc = load_json(data, _schema)
    if not isinstance(doc, dict) or set(doc) != {"format", "version", "payload", "signature"}:
        raise _schema("envelope fields")
    if doc["format"] != ENVELOPE_FORMAT:
        raise _schema("format")
    if doc["version"] != ENVELOPE_VERSION or isinstance(doc["version"], bool):
        raise _schema("envelope version")
    sig = doc["signature"]
    if not isinstance(sig, dict) or set(sig) != {"algorithm", "key_id", "value"}:
        raise _schema("signature fields")
    if sig["algorithm"] != "ed25519":
        raise _schema("signature algorithm")
    if not isinstance(sig["key_id"], str) or not _KEY_ID.match(sig["key_id"]):
        raise _schema("key id")
    try:
        signature = base64.b64decode(_text(sig["value"], 100), validate=True)
    except (binascii.Error, ValueError):
        raise _schema("signature encoding") from None
    if len(signature) != 64:
        raise _schema("signature length")
    if not isinstance(doc["payload"], dict):
        raise _schema("payload")
    try:
        payload_bytes = canonical_json(doc["payload"])
    except (TypeError, ValueError):
        raise _schema("payload values") from None
    return Envelope(doc["payload"], payload_bytes, sig["key_id"], signature, len(data))


def verify_envelope(envelope: Envelope, trusted: Mapping[str, bytes]) -> str:
    """Check the signature against the enrolled keys (key id → raw key); returns the key id."""
    raw = trusted.get(envelope.key_id)
    if raw is None:
        raise PackageUnknownSigner(
            _("The package was signed by an advisor device this desk has not enrolled.")
        )
    verify_ed25519(
        raw,
        envelope.signature,
        signature_message(envelope.payload_bytes),
        lambda: PackageBadSignature(
            _("The package's signature does not match its content: it was altered or forged.")
        ),
    )
    if envelope.payload.get("advisor_key_id") != envelope.key_id:
        raise PackageBadSignature(_("The package names another signing key than the one used."))
    version = envelope.payload.get("schema_version")
    # Version 3 is padded to a bucket when sealed, the padding signed with the payload (and
    # dropped by validate_payload): an envelope of another size was not made by the app.
    padded = isinstance(version, int) and not isinstance(version, bool) and version >= 3
    if padded and (
        "padding" not in envelope.payload
        or (envelope.size is not None and envelope.size not in PADDING_BUCKETS)
    ):
        raise _schema("padding")
    return envelope.key_id


@dataclass(frozen=True)
class ReferralContent:
    """A validated payload, as the desk reads it."""

    referral_id: str
    created: str | None
    """When the draft was made: a UTC stamp (versions 1 and 2), at the consented period's
    granularity (version 3), or None (version 3 without the period scope)."""
    language: str | None
    """The conversation's language; None in version 3 without the language scope."""
    requested_action: str
    advisor_key_id: str
    desk: str
    consent: dict[str, Any]
    content: dict[str, Any]
    raw: dict[str, Any]
    desk_age_key_id: str | None = None
    """The key id of the desk's age recipient the package is for (None: a version 1 payload,
    which names its desk by name only)."""
    version: int = PAYLOAD_VERSION
    """The payload's ``schema_version``."""

    @property
    def period_granularity(self) -> Granularity | None:
        """The consented period's granularity (None: the period is not shared)."""
        for item in self.consent["scopes"]:
            name, _sep, value = item.partition("=")
            if name == Scope.PERIOD.value:
                return Granularity(value)
        return None


_PAYLOAD_KEYS_V1 = frozenset(
    {
        "schema",
        "schema_version",
        "referral_id",
        "created",
        "language",
        "requested_action",
        "advisor_key_id",
        "desk",
        "consent",
        "content",
    }
)
_PAYLOAD_KEYS_V2 = _PAYLOAD_KEYS_V1 | {"desk_age_key_id"}
#: Version 3: ``created`` and ``language`` only with their scopes, ``padding`` when sealed.
_PAYLOAD_KEYS_V3 = _PAYLOAD_KEYS_V2 - {"created", "language"}
_PAYLOAD_OPTIONAL_V3 = frozenset({"created", "language", "padding"})
_PAYLOAD_KEYS = {1: _PAYLOAD_KEYS_V1, 2: _PAYLOAD_KEYS_V2, 3: _PAYLOAD_KEYS_V3}


# What no field of a referral has any business holding: C0 controls (but newline and tab), DEL
# and C1 controls (terminal escapes), and the bidi embeddings and overrides U+202A–U+202E that
# make text display in another order than it is stored ("Trojan source"). The isolates
# U+2066–U+2069 are refused too, except in free text (the summary), where right-to-left writing
# may carry them; the desk shows any that arrive escaped.
_BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")
_BIDI_ISOLATES = frozenset("\u2066\u2067\u2068\u2069")


def _text(
    value: Any, limit: int = MAX_FIELD_CHARS, *, empty: bool = False, free_text: bool = False
) -> str:
    if not isinstance(value, str) or len(value) > limit or (not empty and not value.strip()):
        raise _schema("text field")
    for c in value:
        code = ord(c)
        if (code < 32 and c not in "\n\t") or 0x7F <= code <= 0x9F or c in _BIDI_OVERRIDES:
            raise _schema("control characters")
        if not free_text and c in _BIDI_ISOLATES:
            raise _schema("control characters")
    return value


def validate_payload(payload: Any) -> ReferralContent:
    """Strictly validate a payload: exact fields, types, lengths and consistency with consent.

    Versions 1, 2 and 3 are read (version 2 adds ``desk_age_key_id``; version 3 holds
    ``created`` and ``consent.given`` at the consented period's granularity and only with the
    period scope, ``language`` and ``consent.language`` only with the language scope, and
    may hold its ``padding``, which :attr:`ReferralContent.raw` leaves out); any other is
    refused.
    """
    if not isinstance(payload, dict):
        raise _schema("payload fields")
    version = payload.get("schema_version")
    if isinstance(version, bool) or version not in READABLE_PAYLOAD_VERSIONS:
        raise _schema("schema version")
    keys = set(payload)
    if version >= 3:
        keys -= _PAYLOAD_OPTIONAL_V3
    if keys != _PAYLOAD_KEYS[version]:
        raise _schema("payload fields")
    if payload["schema"] != PAYLOAD_SCHEMA:
        raise _schema("schema")
    desk_age_key_id: str | None = None
    if version >= 2:
        desk_age_key_id = payload["desk_age_key_id"]
        if not isinstance(desk_age_key_id, str) or not _KEY_ID.match(desk_age_key_id):
            raise _schema("desk key id")
    ref_id = _text(payload["referral_id"], 36)
    try:
        parsed = uuid.UUID(ref_id)
    except ValueError:
        raise _schema("referral id") from None
    if str(parsed) != ref_id or parsed.version != 4:
        raise _schema("referral id")
    scopes = _validate_consent(payload["consent"], version)
    granularity = scopes.get(Scope.PERIOD)
    created = _check_time(payload.get("created", _ABSENT), version, granularity, "created")
    language: str | None = None
    if version < 3 or Scope.LANGUAGE in scopes:
        language = _text(payload.get("language"), 35)
        if not _LANG.match(language):
            raise _schema("language")
    elif "language" in payload:
        raise _schema("language outside the consented scopes")
    if version >= 3 and "padding" in payload:
        padding = payload["padding"]
        if not isinstance(padding, str) or len(padding) > MAX_PACKAGE_BYTES:
            raise _schema("padding")
        if not _PADDING.match(padding):
            raise _schema("padding")
    if payload["requested_action"] not in (ACTION_ASSESS, ACTION_SECRETARY_GENERAL):
        raise _schema("requested action")
    if not isinstance(payload["advisor_key_id"], str) or not _KEY_ID.match(
        payload["advisor_key_id"]
    ):
        raise _schema("advisor key id")
    _text(payload["desk"])
    _validate_content(payload["content"], scopes)
    wants_sg = payload["requested_action"] == ACTION_SECRETARY_GENERAL
    if wants_sg != (Scope.SECRETARY_GENERAL in scopes):
        raise _schema("requested action and consent differ")
    raw = {k: v for k, v in payload.items() if k != "padding"}
    return ReferralContent(
        referral_id=ref_id,
        created=created,
        language=language,
        requested_action=payload["requested_action"],
        advisor_key_id=payload["advisor_key_id"],
        desk=payload["desk"],
        consent=payload["consent"],
        content=payload["content"],
        raw=raw,
        desk_age_key_id=desk_age_key_id,
        version=version,
    )


_ABSENT = object()


def _check_time(value: Any, version: int, granularity: Granularity | None, what: str) -> str | None:
    """A time of the payload: a UTC stamp before version 3; from version 3 the consented
    period's granularity (``2026-03-14``, ``2026-03``, ``2026-Q1``), absent without it."""
    if version < 3:
        stamp = _text(value, 20)
        if not _UTC_STAMP.match(stamp):
            raise _schema(what)
        return stamp
    if granularity is None:
        if value is not _ABSENT:
            raise _schema(f"{what} without the period scope")
        return None
    if value is _ABSENT:
        raise _schema(what)
    coarse = _text(value, 20)
    if not _PERIOD_VALUE[granularity].match(coarse):
        raise _schema(f"{what} finer or coarser than the consented period")
    return coarse


def check_addressed(
    content: ReferralContent, age_key_ids: Collection[str], desk_name: str | None = None
) -> None:
    """Refuse (:class:`PackageWrongDesk`) a referral not addressed to this desk.

    ``age_key_ids`` are the key ids (:func:`recipient_key_id`) of this desk's age identities;
    a version 2 payload must name one of them. A version 1 payload names no key: it is
    accepted only when its ``desk`` is ``desk_name``, this desk's own name.
    """
    if content.desk_age_key_id is not None:
        if content.desk_age_key_id in age_key_ids:
            return
    elif desk_name is not None and content.desk == desk_name:
        return
    raise PackageWrongDesk(
        _(
            "This package was made for another desk (its signed content names another desk "
            "key) and was encrypted again to this one: refused."
        )
    )


def _validate_consent(consent: Any, version: int) -> dict[Scope, Granularity | None]:
    if not isinstance(consent, dict):
        raise _schema("consent fields")
    keys = set(consent)
    if version >= 3:
        keys -= {"language", "given"}
    if keys != {"scopes", "statement_version", "method"} | (
        {"language", "given"} if version < 3 else set()
    ):
        raise _schema("consent fields")
    raw_scopes = consent["scopes"]
    if not isinstance(raw_scopes, list) or not raw_scopes or len(raw_scopes) > len(Scope):
        raise _schema("consent scopes")
    scopes: dict[Scope, Granularity | None] = {}
    for item in raw_scopes:
        name, _sep, value = _text(item, 40).partition("=")
        try:
            scope = Scope(name)
            granularity = Granularity(value) if value else None
        except ValueError:
            raise _schema("consent scope") from None
        if scope in scopes or (scope is Scope.PERIOD) != (granularity is not None):
            raise _schema("consent scope")
        if scope is Scope.LANGUAGE and version < 3:
            raise _schema("consent scope")
        scopes[scope] = granularity
    if version < 3 or Scope.LANGUAGE in scopes:
        if not _LANG.match(_text(consent.get("language"), 35)):
            raise _schema("consent language")
    elif "language" in consent:
        raise _schema("consent language outside the consented scopes")
    _text(consent["statement_version"], 20)
    if consent["method"] not in {m.value for m in ConsentMethod}:
        raise _schema("consent method")
    given = consent.get("given", _ABSENT)
    _check_time(given, version, scopes.get(Scope.PERIOD), "consent time")
    return scopes


def _validate_content(content: Any, scopes: dict[Scope, Granularity | None]) -> None:
    if not isinstance(content, dict):
        raise _schema("content")
    for key in content:
        try:
            scope = Scope(key)
        except ValueError:
            raise _schema("content field") from None
        if scope not in scopes or scope is Scope.LANGUAGE:
            raise _schema("content outside the consented scopes")
    checks: dict[Scope, Callable[[Any, Granularity | None], object]] = {
        Scope.CATEGORY: _check_category,
        Scope.ROLE: lambda v, _g: v in ROLES or _fail("role"),
        Scope.POST: lambda v, _g: _text(v),
        Scope.REGION: lambda v, _g: _text(v),
        Scope.PERIOD: _check_period,
        Scope.SUMMARY: lambda v, _g: _text(v, MAX_SUMMARY_CHARS, empty=True, free_text=True),
        Scope.CONTACT: _check_contact,
        Scope.SECRETARY_GENERAL: lambda v, _g: v is True or _fail("secretary-general"),
    }
    for key, value in content.items():
        scope = Scope(key)
        checks[scope](value, scopes[scope])


def _fail(what: str) -> Any:
    raise _schema(what)


def _check_category(value: Any, _g: Granularity | None) -> None:
    if not isinstance(value, list) or len(value) > 20:
        raise _schema("category")
    for item in value:
        if not isinstance(item, str) or not _CATEGORY.match(item):
            raise _schema("category")


def _check_period(value: Any, granularity: Granularity | None) -> None:
    if not isinstance(value, dict) or set(value) != {"granularity", "value"}:
        raise _schema("period")
    if granularity is None or value["granularity"] != granularity.value:
        raise _schema("period granularity")
    if not isinstance(value["value"], str) or not _PERIOD_VALUE[granularity].match(value["value"]):
        raise _schema("period value")


def _check_contact(value: Any, _g: Granularity | None) -> None:
    if not isinstance(value, dict) or value.get("via") not in ("advisor", "visitor"):
        raise _schema("contact")
    if value["via"] == "advisor" and set(value) != {"via"}:
        raise _schema("contact")
    if value["via"] == "visitor" and (set(value) != {"via", "text"}):
        raise _schema("contact")
    if value["via"] == "visitor":
        _text(value["text"], MAX_CONTACT_CHARS)


def check_typed_field(scope: Scope, text: str) -> None:
    """The rule :func:`validate_payload` applies to what the advisor types for ``scope``
    (``post``, ``region``, or the visitor's ``contact``): raise :class:`PackageSchemaError` for
    text that could not be sealed (control characters, bidi controls, too long). Checked when
    the draft is made, so a draft is never refused later at ``confirm`` for the same reason."""
    if scope is Scope.CONTACT:
        _check_contact({"via": "visitor", "text": text}, None)
    else:
        _text(text)
