"""The intake API's request signatures: HTTP Message Signatures (RFC 9421) with Ed25519, the
body bound by a ``Content-Digest`` (RFC 9530, sha-256). Both ends use this module: the advisor's
outbox and the desk workstation sign with :func:`sign_request`, the intake server checks with
:func:`verify_request`.

The profile (docs/sync-protocol.md):

- one signature, label ``adv``, ``tag="advisor-desktop-intake/v1"``, ``alg="ed25519"``;
- covered components, in this order: ``"@method" "@path" "@query" "content-digest"``, then
  ``"idempotency-key"`` when the request has that header (``POST /v1/referrals``,
  ``POST /v1/status``, ``POST /v1/withdrawals``): which id a body is filed under is signed too;
- parameters ``created`` (Unix seconds; the server accepts ±5 minutes of its own clock),
  ``nonce`` (22 to 64 characters of base64url; the server accepts each (key, nonce) once),
  ``keyid`` (the signing key's id: the first 16 bytes of the SHA-256 of its 32 raw bytes, lower
  hex, as everywhere in the product: :func:`~advisor_desktop.protocol.keys.key_id`);
- ``Content-Digest: sha-256=:<base64>:`` of the exact body bytes, also of an empty body.

``@authority`` and the scheme are not covered: a server behind a balancer or a proxy sees
another host name than the client used; the path, the query and the body are what matter.
The canonicalisation is the maintained ``http-message-signatures`` library's, not ours.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    MappingKeyResolver,
    algorithms,
)

LABEL = "adv"
TAG = "advisor-desktop-intake/v1"
ALGORITHM = "ed25519"
COVERED = ("@method", "@path", "@query", "content-digest")
IDEMPOTENCY_KEY = "idempotency-key"
MAX_SKEW_SECONDS = 300
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
_KEY_ID = re.compile(r"^[0-9a-f]{32}$")


class SignatureRejected(Exception):
    """A request's signature was refused. ``code`` is the stable reason of the API's 401 answer
    (``unsigned``, ``malformed-signature``, ``unknown-key``, ``digest-mismatch``,
    ``bad-signature``, ``stale``); the nonce check is the server's (``replayed-nonce``)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class VerifiedRequest:
    """What a valid signature says: who signed, when, and the nonce to check for a replay."""

    key_id: str
    created: int
    nonce: str


@dataclass
class _Fields:
    """Header field lines as the library reads them (order and repeated lines kept)."""

    lines: list[tuple[str, str]] = field(default_factory=list)

    def items(self) -> Iterable[tuple[str, str]]:
        return list(self.lines)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self.lines))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(n.lower() == name.lower() for n, _ in self.lines)

    def __setitem__(self, name: str, value: str) -> None:
        del self[name]
        self.lines.append((name, value))

    def __delitem__(self, name: str) -> None:
        self.lines = [(n, v) for n, v in self.lines if n.lower() != name.lower()]

    def get(self, name: str) -> str | None:
        values = [v for n, v in self.lines if n.lower() == name.lower()]
        return ", ".join(values) if values else None


@dataclass
class _Request:
    """The request view the library's component resolver reads."""

    method: str
    url: str
    headers: _Fields


def covered_components(*, idempotency_key: bool) -> tuple[str, ...]:
    """The components a request's signature must cover."""
    return (*COVERED, IDEMPOTENCY_KEY) if idempotency_key else COVERED


def new_nonce() -> str:
    """A fresh nonce (16 random bytes, base64url)."""
    return secrets.token_urlsafe(16)


def sign_request(
    method: str,
    url: str,
    body: bytes,
    key_id: str,
    private_key: Ed25519PrivateKey,
    *,
    idempotency_key: str | None = None,
    created: dt.datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that authenticate a request (``url`` absolute, as sent; ``body`` its exact
    bytes): ``Content-Digest``, ``Signature-Input`` and ``Signature``, and ``Idempotency-Key``
    when one is given (it is then covered). Sign again for every attempt: a nonce is used once.
    """
    fields = _Fields()
    if idempotency_key is not None:
        fields["Idempotency-Key"] = idempotency_key
    message = _Request(method.upper(), url, fields)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: private_key}),
    )
    signer.sign(
        message,
        key_id=key_id,
        created=created or dt.datetime.now(dt.UTC),
        nonce=nonce or new_nonce(),
        label=LABEL,
        tag=TAG,
        covered_component_ids=covered_components(idempotency_key=idempotency_key is not None),
        body=body,
    )
    return dict(fields.lines)


class _Keys(HTTPSignatureKeyResolver):
    """Looks a key id up and remembers whether it was known (for the ``unknown-key`` reason)."""

    def __init__(self, lookup: Callable[[str], bytes | None]) -> None:
        self._lookup = lookup
        self.unknown = False

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        raw = self._lookup(key_id) if _KEY_ID.match(key_id) else None
        if raw is None:
            self.unknown = True
            return None
        return Ed25519PublicKey.from_public_bytes(raw)

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        raise HTTPMessageSignaturesException("verification only")


class _Verifier(HTTPMessageVerifier):
    # The library checks "created" against the real clock; this module checks it (±5 minutes)
    # against the clock it is given, so the library's own check only refuses absurd values.
    max_clock_skew = dt.timedelta(days=1)


def verify_request(
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    public_key_for: Callable[[str], bytes | None],
    *,
    now: float,
    idempotency_key: bool = False,
) -> VerifiedRequest:
    """Check a request's signature against the profile; raises :class:`SignatureRejected`.

    ``public_key_for`` maps a key id to the 32 raw bytes of an Ed25519 key the caller trusts
    (None: unknown). ``now`` is the verifier's clock (Unix seconds). With ``idempotency_key``
    the request must carry that header and the signature must cover it.
    """
    fields = _Fields(list(headers))
    if fields.get("signature-input") is None or fields.get("signature") is None:
        raise SignatureRejected("unsigned", "the request has no Signature-Input and Signature")
    digest = fields.get("content-digest")
    if digest is None:
        raise SignatureRejected("unsigned", "the request has no Content-Digest")
    try:
        ContentDigest.verify(digest, body)
    except InvalidSignature:
        raise SignatureRejected(
            "digest-mismatch", "the Content-Digest does not match the body"
        ) from None
    if idempotency_key and fields.get(IDEMPOTENCY_KEY) is None:
        raise SignatureRejected("unsigned", "the request has no Idempotency-Key")
    keys = _Keys(public_key_for)
    verifier = _Verifier(signature_algorithm=algorithms.ED25519, key_resolver=keys)
    try:
        results = verifier.verify(
            _Request(method.upper(), url, fields),
            max_age=None,
            expect_tag=TAG,
            expect_label=LABEL,
            require_components=covered_components(idempotency_key=idempotency_key),
            body=body,
        )
    except (InvalidSignature, HTTPMessageSignaturesException) as exc:
        if keys.unknown:
            raise SignatureRejected("unknown-key", "the signing key is not known here") from None
        raise SignatureRejected("bad-signature", _short(exc)) from None
    if len(results) != 1:
        raise SignatureRejected("malformed-signature", "exactly one signature is expected")
    params = results[0].parameters
    key_id, created, nonce = params.get("keyid"), params.get("created"), results[0].nonce
    if not isinstance(key_id, str) or not isinstance(created, int) or isinstance(created, bool):
        raise SignatureRejected("malformed-signature", "keyid and created are required")
    if params.get("alg") != ALGORITHM:
        raise SignatureRejected("malformed-signature", "alg must be ed25519")
    if nonce is None or not NONCE_PATTERN.match(nonce):
        raise SignatureRejected("malformed-signature", "a nonce of 22 to 64 base64url characters")
    if abs(now - created) > MAX_SKEW_SECONDS:
        raise SignatureRejected("stale", "the signature was not created within 5 minutes of now")
    return VerifiedRequest(key_id, created, nonce)


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def header_lines(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """A mapping of headers as field lines (for :func:`verify_request`)."""
    return list(headers.items())
