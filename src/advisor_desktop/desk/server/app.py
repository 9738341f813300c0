"""The intake server's HTTP API (Starlette): what arrives is checked as far as the server can
without the desk's age key, stored durably, answered with a signed receipt, and handed to the
workstation. docs/sync-protocol.md describes every endpoint; ``/v1/openapi.json`` serves the
same as OpenAPI 3.1.

Every request but ``/v1/health``, ``/v1/openapi.json`` and ``/v1/intake-certificate`` carries
an HTTP Message Signature (``protocol/http_signature.py``) by an enrolled device's key or by the
desk key (the workstation). The order of the checks: body size (413) → signature, freshness and
key (401) → the key's role (403) → rate (429) → nonce not seen before (401) → the request itself
(400, 404, 409). Refusals are JSON ``{"error": code, "reason": text}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from advisor_desktop.desk.enrolment import ENROLMENT_FILE, SERIAL_META
from advisor_desktop.desk.server.folder import ServerFolder, ServerFolderError, read_enrolment
from advisor_desktop.desk.server.openapi import openapi_document
from advisor_desktop.desk.server.store import IntakeStore, NewPackage
from advisor_desktop.platform.errors import StorageError
from advisor_desktop.platform.i18n import _
from advisor_desktop.protocol.http_signature import (
    MAX_SKEW_SECONDS,
    SignatureRejected,
    verify_request,
)
from advisor_desktop.protocol.intake_api import (
    MAX_DOCUMENT_BYTES,
    MAX_LISTING,
    MAX_STATUS_BLOB_BYTES,
    IntakeFormatError,
    error_doc,
    is_referral_id,
    looks_like_age,
    parse_status_upload,
    parse_withdrawal,
    status_listing_doc,
    verify_withdrawal,
)
from advisor_desktop.protocol.receipt import issue_intake_receipt, package_sha256
from advisor_desktop.protocol.referral_package import MAX_PACKAGE_BYTES

log = logging.getLogger(__name__)

Role = Literal["device", "desk"]
DAY = 24 * 3600


@dataclass(frozen=True)
class Rate:
    """A token bucket: ``burst`` requests at once, then ``per_second``."""

    burst: float
    per_second: float


@dataclass(frozen=True)
class IntakeSettings:
    """How the server behaves; the defaults are the documented ones."""

    retention_seconds: int = 7 * DAY
    """How long a package's ciphertext stays after the workstation acknowledged it."""
    status_retention_seconds: int = 90 * DAY
    """How long a status message waits for its device."""
    device_rate: Rate = Rate(burst=120, per_second=2.0)
    desk_rate: Rate = Rate(burst=2000, per_second=200.0)
    purge_interval_seconds: float = 600.0
    enrolment_check_seconds: float = 1.0
    clock: Callable[[], float] = time.time


class Refusal(Exception):
    """An answer other than success: status, stable code, a sentence, extra headers."""

    def __init__(
        self, status: int, code: str, reason: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.reason = reason
        self.headers = headers or {}


def _signature_reason(code: str) -> str:
    reasons = {
        "unsigned": _("The request is not signed (Signature-Input, Signature, Content-Digest)."),
        "malformed-signature": _("The request's signature does not follow the profile."),
        "unknown-key": _("The request was signed by a key this server does not know."),
        "digest-mismatch": _("The Content-Digest does not match the body."),
        "bad-signature": _("The request's signature does not verify."),
        "stale": _("The signature was not made within 5 minutes of the server's time."),
        "replayed-nonce": _("This signature's nonce was used before: sign every request anew."),
    }
    return reasons.get(code, _("The request's signature does not verify."))


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class RateLimiter:
    """Token buckets per key (in memory: per server process; see docs/desk.md)."""

    rate: Rate
    buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, key: str, now: float) -> float:
        """0 when a request may go now, else the seconds until one may."""
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _Bucket(self.rate.burst, now)
        bucket.tokens = min(
            self.rate.burst, bucket.tokens + (now - bucket.at) * self.rate.per_second
        )
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate.per_second


def utc_stamp(seconds: float) -> str:
    """Unix seconds as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class IntakeApp:
    """The server: its folder (keys, certificate, device list), its store, its settings."""

    def __init__(self, folder: ServerFolder, store: IntakeStore, settings: IntakeSettings) -> None:
        self.folder = folder
        self.store = store
        self.settings = settings
        self.devices = dict(folder.enrolment.devices)
        self._enrolment_checked = 0.0
        self._enrolment_mtime = self._mtime()
        self._limits = {
            "device": RateLimiter(settings.device_rate),
            "desk": RateLimiter(settings.desk_rate),
        }
        self._check_serial(folder.enrolment.serial)

    # --- the device list --------------------------------------------------------------------

    def _mtime(self) -> float:
        try:
            return (self.folder.path / ENROLMENT_FILE).stat().st_mtime
        except OSError:
            return 0.0

    def _check_serial(self, serial: int) -> None:
        known = self.store.meta(SERIAL_META)
        if known is not None and serial < int(known):
            raise ServerFolderError(
                _(
                    "{file} is older (serial {serial}) than a list this server accepted before "
                    "(serial {known}): export a new one on the workstation."
                ).format(file=ENROLMENT_FILE, serial=serial, known=known)
            )
        if known is None or serial > int(known):
            self.store.set_meta(SERIAL_META, str(serial))

    def _refresh_enrolment(self, now: float) -> None:
        """Take a new ``enrolment.json`` when one was copied in; a list that does not verify,
        or is older than the one in use, is logged and ignored."""
        if now - self._enrolment_checked < self.settings.enrolment_check_seconds:
            return
        self._enrolment_checked = now
        mtime = self._mtime()
        if mtime == self._enrolment_mtime:
            return
        self._enrolment_mtime = mtime
        try:
            enrolment = read_enrolment(self.folder.path, self.folder.desk_key)
            self._check_serial(enrolment.serial)
        except (ServerFolderError, StorageError):
            log.warning("enrolment_refused")
            return
        self.devices = dict(enrolment.devices)
        log.info("enrolment_loaded serial=%s devices=%s", enrolment.serial, len(self.devices))

    def key_for(self, key_id: str) -> bytes | None:
        """The public key of an enrolled device or of the desk."""
        if key_id == self.folder.desk_key_id:
            return self.folder.desk_key
        return self.devices.get(key_id)

    # --- the checks every request goes through ----------------------------------------------

    @staticmethod
    async def body(request: Request, limit: int) -> bytes:
        """The body, refused (413) past ``limit`` bytes without reading on."""
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise Refusal(400, "bad-request", _("The Content-Length is not a number."))
            if int(length) > limit:
                raise Refusal(
                    413,
                    "too-large",
                    _("The body is larger than {n} bytes.").format(n=limit),
                )
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise Refusal(
                        413, "too-large", _("The body is larger than {n} bytes.").format(n=limit)
                    )
                chunks.append(chunk)
        except ClientDisconnect:
            # A client on a bad line went away mid-upload: nothing was stored, and it asks
            # for its receipt or posts again next time. An everyday event, not a fault.
            log.info("intake_client_disconnected bytes=%d", size)
            raise Refusal(
                400, "bad-request", _("The connection closed before the body arrived.")
            ) from None
        return b"".join(chunks)

    async def caller(
        self, request: Request, body: bytes, roles: tuple[Role, ...], *, idempotency: bool = False
    ) -> tuple[str, Role]:
        """Who signed the request (key id and role), or a refusal."""
        now = self.settings.clock()
        self._refresh_enrolment(now)
        raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
        query = request.scope.get("query_string", b"")
        try:
            url = "https://intake" + raw_path.decode("ascii")
            if query:
                url += "?" + query.decode("ascii")
        except UnicodeDecodeError:
            raise Refusal(400, "bad-request", _("The request's path is not ASCII.")) from None
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        try:
            verified = verify_request(
                request.method,
                url,
                headers,
                body,
                self.key_for,
                now=now,
                idempotency_key=idempotency,
            )
        except SignatureRejected as exc:
            log.info("request_refused reason=%s", exc.code)
            raise Refusal(401, exc.code, _signature_reason(exc.code)) from None
        role: Role = "desk" if verified.key_id == self.folder.desk_key_id else "device"
        if role not in roles:
            raise Refusal(403, "forbidden", _("This key may not use this endpoint."))
        wait = self._limits[role].take(verified.key_id, now)
        if wait > 0:
            raise Refusal(
                429,
                "rate-limited",
                _("Too many requests from this key: try again later."),
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )
        fresh = await run_in_threadpool(
            self.store.claim_nonce, verified.key_id, verified.nonce, int(now)
        )
        if not fresh:
            raise Refusal(401, "replayed-nonce", _signature_reason("replayed-nonce"))
        return verified.key_id, role

    # --- the endpoints ----------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document())

    async def certificate(self, request: Request) -> Response:
        return Response(self.folder.certificate, media_type="application/json")

    async def post_referral(self, request: Request) -> Response:
        body = await self.body(request, MAX_PACKAGE_BYTES)
        device, _role = await self.caller(request, body, ("device",), idempotency=True)
        referral_id = request.headers["idempotency-key"]
        if not is_referral_id(referral_id):
            raise Refusal(
                400, "bad-referral-id", _("The Idempotency-Key must be the referral's id.")
            )
        if not looks_like_age(body):
            raise Refusal(400, "not-age", _("The body is not an age-encrypted package."))
        received_at = utc_stamp(self.settings.clock())
        receipt = issue_intake_receipt(referral_id, body, received_at, self.folder.intake_key)
        item = NewPackage(referral_id, device, package_sha256(body), body, receipt, received_at)
        result = await run_in_threadpool(self.store.put_package, item)
        if result.outcome == "conflict" or result.receipt is None:
            raise Refusal(
                409,
                "conflict",
                _("A different package was delivered under this referral id; nothing was stored."),
            )
        if result.outcome == "stored":
            log.info("package_stored id=%s", referral_id)
        return Response(
            result.receipt,
            status_code=201 if result.outcome == "stored" else 200,
            media_type="application/json",
        )

    def _path_id(self, request: Request) -> str:
        referral_id = str(request.path_params["referral_id"])
        if not is_referral_id(referral_id):
            raise Refusal(400, "bad-referral-id", _("The referral id must be a UUID (version 4)."))
        return referral_id

    async def get_receipt(self, request: Request) -> Response:
        body = await self.body(request, MAX_DOCUMENT_BYTES)
        device, _role = await self.caller(request, body, ("device",))
        referral_id = self._path_id(request)
        receipt = await run_in_threadpool(self.store.receipt, referral_id, device)
        if receipt is None:
            raise Refusal(404, "not-found", _("This device delivered no package with this id."))
        return Response(receipt, media_type="application/json")

    async def post_withdrawal(self, request: Request) -> Response:
        body = await self.body(request, MAX_DOCUMENT_BYTES)
        device, _role = await self.caller(request, body, ("device",), idempotency=True)
        try:
            withdrawal, _signature = parse_withdrawal(body)
        except IntakeFormatError as exc:
            raise Refusal(400, "bad-withdrawal", exc.message) from None
        if withdrawal.device_key_id != device:
            raise Refusal(
                400, "bad-withdrawal", _("The withdrawal is not signed by the requesting device.")
            )
        if request.headers["idempotency-key"] != withdrawal.referral_id:
            raise Refusal(
                400, "bad-referral-id", _("The Idempotency-Key must be the referral's id.")
            )
        try:
            verify_withdrawal(body, {device: self.devices[device]})
        except (IntakeFormatError, KeyError):
            raise Refusal(
                400, "bad-withdrawal", _("The withdrawal's signature does not verify.")
            ) from None
        now = utc_stamp(self.settings.clock())
        result = await run_in_threadpool(
            self.store.put_withdrawal, withdrawal.referral_id, device, body, now
        )
        if result.outcome == "conflict":
            raise Refusal(409, "conflict", _("This referral was delivered by another device."))
        return JSONResponse(
            {"referral_id": withdrawal.referral_id, "received_at": result.received_at},
            status_code=201 if result.outcome == "stored" else 200,
        )

    async def get_status(self, request: Request) -> Response:
        body = await self.body(request, MAX_DOCUMENT_BYTES)
        device, _role = await self.caller(request, body, ("device",))
        since_text = request.query_params.get("since", "0")
        if not since_text.isdigit() or len(since_text) > 18:
            raise Refusal(400, "bad-request", _("since must be a whole number (a seq)."))
        messages = await run_in_threadpool(
            self.store.statuses, device, int(since_text), MAX_LISTING
        )
        return JSONResponse(status_listing_doc(messages, int(since_text)))

    async def post_status(self, request: Request) -> Response:
        body = await self.body(request, MAX_STATUS_BLOB_BYTES * 2)
        _desk, _role = await self.caller(request, body, ("desk",), idempotency=True)
        try:
            upload = parse_status_upload(body)
        except IntakeFormatError as exc:
            raise Refusal(400, "bad-status", exc.message) from None
        if request.headers["idempotency-key"] != upload.message_id:
            raise Refusal(
                400, "bad-request", _("The Idempotency-Key must be the status message's id.")
            )
        if upload.device_key_id not in self.devices:
            raise Refusal(400, "unknown-device", _("No device with this key id is enrolled."))
        result = await run_in_threadpool(
            self.store.put_status, upload, utc_stamp(self.settings.clock())
        )
        if result.outcome == "conflict":
            raise Refusal(409, "conflict", _("Another status message has this id."))
        return JSONResponse(
            {"message_id": upload.message_id, "seq": result.seq},
            status_code=201 if result.outcome == "stored" else 200,
        )

    async def get_inbox(self, request: Request) -> Response:
        body = await self.body(request, MAX_DOCUMENT_BYTES)
        await self.caller(request, body, ("desk",))
        limit_text = request.query_params.get("limit", str(MAX_LISTING))
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LISTING:
            raise Refusal(400, "bad-request", _("limit must be 1 to {n}.").format(n=MAX_LISTING))
        inbox = await run_in_threadpool(self.store.inbox, int(limit_text))
        return JSONResponse(inbox.to_doc())

    async def get_package(self, request: Request) -> Response:
        body = await self.body(request, MAX_DOCUMENT_BYTES)
        await self.caller(request, body, ("desk",))
        referral_id = self._path_id(request)
        data = await run_in_threadpool(self.store.package, referral_id)
        if data is None:
            raise Refusal(404, "not-found", _("No package with this id is held here (any more)."))
        return Response(data, media_type="application/octet-stream")

    async def post_ack(self, request: Request) -> Response:
        body = await self.body(request, MAX_DOCUMENT_BYTES)
        await self.caller(request, body, ("desk",))
        referral_id = self._path_id(request)
        kind = request.query_params.get("kind", "package")
        if kind not in {"package", "withdrawal"}:
            raise Refusal(400, "bad-request", _("kind must be package or withdrawal."))
        found = await run_in_threadpool(
            self.store.ack,
            "package" if kind == "package" else "withdrawal",
            referral_id,
            utc_stamp(self.settings.clock()),
        )
        if not found:
            raise Refusal(404, "not-found", _("Nothing with this id is held here."))
        return JSONResponse({"referral_id": referral_id, "kind": kind, "acked": True})

    # --- housekeeping -----------------------------------------------------------------------

    def purge_once(self) -> None:
        """Delete what the retention times allow (ciphertext after acknowledgement, old status
        messages, nonces that can no longer be replayed)."""
        now = self.settings.clock()
        purged = self.store.purge(
            acked_before=utc_stamp(now - self.settings.retention_seconds),
            status_before=utc_stamp(now - self.settings.status_retention_seconds),
            nonces_before=int(now) - 3 * MAX_SKEW_SECONDS,
        )
        log.info(
            "intake_purged packages=%s withdrawals=%s status=%s nonces=%s",
            purged.packages,
            purged.withdrawals,
            purged.status_messages,
            purged.nonces,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(self._purge_loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.store.close()

    async def _purge_loop(self) -> None:
        while True:
            try:
                await run_in_threadpool(self.purge_once)
            except StorageError:
                log.warning("intake_purge_failed")
            await asyncio.sleep(self.settings.purge_interval_seconds)


def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refusal)
    return JSONResponse(error_doc(exc.code, exc.reason), exc.status, headers=exc.headers)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "bad-request")
    reason = {
        404: _("There is no such endpoint."),
        405: _("This endpoint does not take this method."),
    }.get(exc.status_code, _("The request is not valid."))
    return JSONResponse(error_doc(code, reason), exc.status_code, headers=exc.headers)


def _storage_error(request: Request, exc: Exception) -> Response:
    log.error("intake_storage_error")
    return JSONResponse(
        error_doc("unavailable", _("The server cannot store or read right now; try again.")),
        503,
        headers={"Retry-After": "30"},
    )


def build_app(
    folder: ServerFolder, store: IntakeStore, settings: IntakeSettings | None = None
) -> Starlette:
    """The ASGI application over a checked server folder and its store."""
    server = IntakeApp(folder, store, settings or IntakeSettings())
    rid = "{referral_id}"
    routes = [
        Route("/v1/health", server.health, methods=["GET"]),
        Route("/v1/openapi.json", server.openapi, methods=["GET"]),
        Route("/v1/intake-certificate", server.certificate, methods=["GET"]),
        Route("/v1/referrals", server.post_referral, methods=["POST"]),
        Route(f"/v1/receipts/{rid}", server.get_receipt, methods=["GET"]),
        Route("/v1/withdrawals", server.post_withdrawal, methods=["POST"]),
        Route("/v1/status", server.get_status, methods=["GET"]),
        Route("/v1/status", server.post_status, methods=["POST"]),
        Route("/v1/inbox", server.get_inbox, methods=["GET"]),
        Route(f"/v1/inbox/{rid}", server.get_package, methods=["GET"]),
        Route(f"/v1/inbox/{rid}/ack", server.post_ack, methods=["POST"]),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Response]] = {
        Refusal: _refused,
        HTTPException: _http_error,
        StorageError: _storage_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=server.lifespan)
    app.state.intake = server
    return app
