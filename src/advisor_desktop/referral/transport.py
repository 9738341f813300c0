"""The advisor's connection to a desk's intake server: signed HTTP over TLS, through a proxy
when one is set or found (docs/sync-protocol.md).

- **TLS**: the operating system's trust store (``truststore``), or only a given CA file (tests,
  training); optionally the server's certificate pinned by the SHA-256 of its
  SubjectPublicKeyInfo (``tls_pin`` of the desk in the profile), checked on every answer before
  its body is read, and first on an unsigned ``GET /v1/intake-certificate``, so a server that
  fails the pin never receives a signed request of this run.
- **Plain HTTP** only to a loopback address (a training server on the same machine).
- **Proxies**: a resolver (URL → proxy URL or None) decides; the desktop asks Qt's system
  proxy query, the CLI the standard library's ``getproxies()``, and an explicit proxy (Settings,
  ``--proxy``) wins over both. HTTPS through an HTTP proxy tunnels with CONNECT. The
  environment is not read behind the resolver's back (``trust_env=False``).
- **Timeouts** on connect and read; every request is signed with the device key
  (``protocol/http_signature.py``); a refusal is typed, with the server's stable code, its
  sentence and its ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import ssl
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urlencode, urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from advisor_desktop.platform.errors import EXIT_USAGE, AdvisorError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.desk_public import is_loopback_host
from advisor_desktop.protocol.errors import EXIT_SIGNATURE
from advisor_desktop.protocol.http_signature import sign_request
from advisor_desktop.protocol.intake_api import (
    MAX_DOCUMENT_BYTES,
    IntakeFormatError,
    StatusMessage,
    parse_status_listing,
    read_error_doc,
)
from advisor_desktop.protocol.keys import key_id, raw_public

log = logging.getLogger(__name__)

ProxyResolver = Callable[[str], str | None]
"""Which proxy reaches a URL: ``http://host:port`` (or ``https://…``), or None for direct."""

MAX_URL_CHARS = 300
MAX_STATUS_LISTING_BYTES = 16 * 1024 * 1024
_PIN = re.compile(r"^[0-9a-f]{64}$")


class TransportError(AdvisorError):
    """The intake server could not be used (exit 1)."""


class TransportConfigError(TransportError):
    """An address, proxy or pin that cannot be used as given (exit 2)."""

    exit_code = EXIT_USAGE


class IntakeUnreachable(TransportError):
    """No answer: no route, refused, timed out, cut. ``lost`` is True when the request may have
    reached the server (its answer was lost): ask for the receipt before posting again."""

    def __init__(self, message: str, *, lost: bool) -> None:
        super().__init__(message)
        self.lost = lost


class PinMismatch(TransportError):
    """The server's certificate is not the pinned one (exit 7): not the desk's server."""

    exit_code = EXIT_SIGNATURE


class IntakeRefused(TransportError):
    """The server answered with a refusal: HTTP ``status``, its stable ``code``, its sentence
    ``reason`` and the raw ``Retry-After`` header (None when absent)."""

    def __init__(self, status: int, code: str, reason: str, retry_after: str | None) -> None:
        super().__init__(
            _("The desk's server refused ({status} {code}): {reason}").format(
                status=status, code=code, reason=reason
            )
        )
        self.status = status
        self.code = code
        self.reason = reason
        self.retry_after = retry_after


class IntakeAnswerInvalid(TransportError):
    """The server answered something that does not follow the protocol."""


# --- proxies ------------------------------------------------------------------------------------


def no_proxy(url: str) -> None:
    """The resolver that always connects directly."""
    return


def parse_proxy_url(text: str) -> str:
    """A proxy address as the sender takes it: ``http://[user:password@]host:port`` (or
    ``https://``); anything else raises :class:`TransportConfigError`."""
    bad = TransportConfigError(
        _("The proxy must be given as http://host:port (or https://host:port).")
    )
    if not isinstance(text, str) or not 0 < len(text.strip()) <= MAX_URL_CHARS:
        raise bad
    text = text.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise bad from None
    if parts.scheme not in {"http", "https"} or not parts.hostname or port == 0:
        raise bad
    if parts.query or parts.fragment or parts.path not in {"", "/"}:
        raise bad
    return text.rstrip("/")


def fixed_proxy(proxy_url: str) -> ProxyResolver:
    """The resolver of an explicit proxy (Settings, ``--proxy``): every URL goes through it."""
    checked = parse_proxy_url(proxy_url)
    return lambda url: checked


def environment_proxy_resolver() -> ProxyResolver:
    """The CLI's resolver: the proxies the standard library finds (``https_proxy``,
    ``http_proxy``, ``all_proxy`` and ``no_proxy`` on Linux and macOS; the registry on Windows)."""

    def resolve(url: str) -> str | None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if not host or urllib.request.proxy_bypass(host):
            return None
        proxies = urllib.request.getproxies()
        found = proxies.get(parts.scheme) or proxies.get("all")
        if not found:
            return None
        if "://" not in found:
            found = "http://" + found
        try:
            return parse_proxy_url(found)
        except TransportConfigError:
            log.warning("proxy_from_environment_unusable")
            return None

    return resolve


# --- TLS ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TlsOptions:
    """How the server's certificate is checked."""

    ca_file: Path | None = None
    """Trust only this CA (PEM): a test or training server. None: the system's trust store."""
    spki_sha256: str | None = None
    """The pin: 64 lower-case hex digits, the SHA-256 of the server certificate's
    SubjectPublicKeyInfo (DER). None: no pin."""


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait: for a connection, for each read and write, for a pooled connection."""

    connect: float = 10.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0

    def httpx(self) -> httpx.Timeout:
        """As httpx takes them."""
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


def parse_pin(text: str) -> str:
    """A pin as stored: 64 hex digits, colons and case ignored; else
    :class:`TransportConfigError`."""
    pin = text.replace(":", "").strip().lower()
    if not _PIN.match(pin):
        raise TransportConfigError(
            _("The certificate pin must be the 64 hex digits of a SHA-256 (of the server's key).")
        )
    return pin


def ssl_context(tls: TlsOptions) -> ssl.SSLContext:
    """The client context: only ``tls.ca_file``, or the system's trust store."""
    if tls.ca_file is not None:
        try:
            return ssl.create_default_context(cafile=str(tls.ca_file))
        except (OSError, ssl.SSLError):
            raise TransportConfigError(
                _("The CA file {file} cannot be read as PEM certificates.").format(file=tls.ca_file)
            ) from None
    import truststore

    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def spki_sha256(cert_der: bytes) -> str:
    """The SHA-256 (hex) of a DER certificate's SubjectPublicKeyInfo: what a pin names."""
    cert = x509.load_der_x509_certificate(cert_der)
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


# --- the client ---------------------------------------------------------------------------------


def check_base_url(text: str) -> str:
    """An intake address the sender may use: ``https://…``, or ``http://`` to loopback only."""
    try:
        parts = urlsplit(text.strip())
        host = parts.hostname or ""
    except ValueError:
        host, parts = "", urlsplit("")
    if parts.scheme == "http" and host and not is_loopback_host(host):
        raise TransportConfigError(
            _(
                "Plain http:// is only used to this machine (a training server); the desk's "
                "server at {host} must be reached with https://."
            ).format(host=host[:80])
        )
    if parts.scheme not in {"http", "https"} or not host or parts.query or parts.fragment:
        raise TransportConfigError(
            _("The intake address must be https://host[:port] (http:// only on this machine).")
        )
    if parts.username or parts.password or len(text) > MAX_URL_CHARS:
        raise TransportConfigError(
            _("The intake address must be https://host[:port] (http:// only on this machine).")
        )
    return text.strip().rstrip("/")


class IntakeTransport:
    """Signed requests from this device to one intake server."""

    def __init__(
        self,
        base_url: str,
        signing_key: Ed25519PrivateKey,
        *,
        tls: TlsOptions | None = None,
        proxy_resolver: ProxyResolver = no_proxy,
        timeouts: Timeouts | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.tls = tls or TlsOptions()
        self._pin = None if self.tls.spki_sha256 is None else parse_pin(self.tls.spki_sha256)
        self._key = signing_key
        self.key_id = key_id(raw_public(signing_key.public_key()))
        found = proxy_resolver(self.base_url)
        self.proxy = None if found is None else parse_proxy_url(found)
        secure = self.base_url.startswith("https://")
        self._http = httpx.Client(
            verify=ssl_context(self.tls) if secure else False,
            proxy=self.proxy if transport is None else None,
            trust_env=False,
            timeout=(timeouts or Timeouts()).httpx(),
            transport=transport,
            follow_redirects=False,
        )
        self._pinned: set[bytes] = set()

    @property
    def pinned(self) -> bool:
        """True when the server's certificate is pinned (checked on every answer)."""
        return self._pin is not None

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def __enter__(self) -> IntakeTransport:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- one request -------------------------------------------------------------------------

    def _unreachable(self, exc: Exception, *, sent: bool) -> IntakeUnreachable:
        lost = sent and not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
        if isinstance(exc, httpx.ProxyError):
            text = _("The proxy {proxy} refused the connection to the desk's server.").format(
                proxy=self.proxy or ""
            )
            return IntakeUnreachable(text, lost=False)
        if isinstance(exc, httpx.TimeoutException):
            what = _("it did not answer in time")
        elif isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
            what = _("its TLS certificate is not trusted")
            lost = False
        elif isinstance(exc, httpx.ConnectError):
            what = _("no connection could be made")
        else:
            what = _("the connection was cut")
        if self.proxy:
            text = _(
                "The desk's server {url} cannot be reached through the proxy {proxy}: {what}."
            ).format(url=self.base_url, proxy=self.proxy, what=what)
        else:
            text = _("The desk's server {url} cannot be reached: {what}.").format(
                url=self.base_url, what=what
            )
        return IntakeUnreachable(text, lost=lost)

    def _check_pin(self, answer: httpx.Response) -> None:
        if self._pin is None:
            return
        stream = answer.extensions.get("network_stream")
        ssl_object = None if stream is None else stream.get_extra_info("ssl_object")
        der = None if ssl_object is None else ssl_object.getpeercert(True)
        if der is None:
            raise PinMismatch(
                _("The desk's server certificate could not be read to compare with the pin.")
            )
        if der in self._pinned:
            return
        if spki_sha256(der) != self._pin:
            raise PinMismatch(
                _(
                    "The server at {url} presents a certificate other than the desk's pinned "
                    "one; nothing was sent to it. Ask the desk whether its server changed."
                ).format(url=self.base_url)
            )
        self._pinned.add(der)

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        params: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        content_type: str | None = None,
        signed: bool = True,
        limit: int = MAX_DOCUMENT_BYTES,
        ok: tuple[int, ...] = (200, 201),
    ) -> httpx.Response:
        """One request (signed unless ``signed`` is False). Answers in ``ok`` are returned with
        their body read (refused past ``limit`` bytes); others raise :class:`IntakeRefused`."""
        url = self.base_url + path + ("?" + urlencode(params) if params else "")
        headers: dict[str, str] = {}
        if signed:
            headers = sign_request(
                method, url, body, self.key_id, self._key, idempotency_key=idempotency_key
            )
        elif idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        if content_type is not None:
            headers["Content-Type"] = content_type
        request = self._http.build_request(method, url, content=body, headers=headers)
        try:
            answer = self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc, sent=bool(body) or method != "GET") from None
        try:
            self._check_pin(answer)
            data = bytearray()
            try:
                for chunk in answer.iter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise IntakeAnswerInvalid(
                            _("The desk's server sent a longer answer than the protocol allows.")
                        )
            except httpx.HTTPError as exc:
                raise self._unreachable(exc, sent=True) from None
        finally:
            answer.close()
        # The body as read (decoded already): without the headers that described its encoding.
        kept = [
            (k, v)
            for k, v in answer.headers.multi_items()
            if k.lower() not in {"content-encoding", "content-length", "transfer-encoding"}
        ]
        read = httpx.Response(
            answer.status_code, headers=kept, content=bytes(data), request=request
        )
        if read.status_code not in ok:
            raise _refusal(read)
        return read

    # -- the device's requests --------------------------------------------------------------

    def certificate(self) -> bytes:
        """``GET /v1/intake-certificate`` (unsigned): the desk's certificate of the server's
        receipt key, unchecked (the caller verifies it with the desk key)."""
        return self.request("GET", "/v1/intake-certificate", signed=False).content

    def post_referral(self, referral_id: str, package: bytes) -> tuple[int, bytes]:
        """``POST /v1/referrals``: the sealed bytes under their id. Returns 201 (stored now) or
        200 (stored before) and the receipt, unchecked."""
        answer = self.request(
            "POST",
            "/v1/referrals",
            package,
            idempotency_key=referral_id,
            content_type="application/octet-stream",
        )
        return answer.status_code, answer.content

    def get_receipt(self, referral_id: str) -> bytes | None:
        """``GET /v1/receipts/{id}``: the receipt of a package this device delivered, unchecked;
        None when the server holds no such package from this device."""
        answer = self.request("GET", f"/v1/receipts/{referral_id}", ok=(200, 404))
        return None if answer.status_code == 404 else answer.content

    def post_withdrawal(self, referral_id: str, document: bytes) -> int:
        """``POST /v1/withdrawals``: a signed withdrawal; 201 (new) or 200 (held before)."""
        return self.request(
            "POST",
            "/v1/withdrawals",
            document,
            idempotency_key=referral_id,
            content_type="application/json",
        ).status_code

    def get_status(self, since: int) -> tuple[list[StatusMessage], int]:
        """``GET /v1/status?since=N``: this device's status messages after ``since`` and the
        ``since`` of the next call."""
        answer = self.request(
            "GET", "/v1/status", params={"since": str(since)}, limit=MAX_STATUS_LISTING_BYTES
        )
        try:
            return parse_status_listing(answer.content)
        except IntakeFormatError as exc:
            raise IntakeAnswerInvalid(exc.message) from None


def _refusal(answer: httpx.Response) -> IntakeRefused:
    code, reason = read_error_doc(answer.content, answer.reason_phrase or str(answer.status_code))
    retry = answer.headers.get("retry-after")
    return IntakeRefused(answer.status_code, code, reason, None if retry is None else retry[:64])
