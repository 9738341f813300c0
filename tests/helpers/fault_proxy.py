"""A fault-injecting proxy between a client and the real intake server, for the outbox tests.

It runs in-process (an asyncio loop on a thread of its own), listens on 127.0.0.1 on a free
port, and forwards to the intake server (``tests/intake/harness.py``: uvicorn over TLS with a
trustme CA). The client is simply given the proxy's address instead of the server's.

Two layers:

- ``layer="http"`` (the default) terminates TLS with a certificate of the same test CA (the
  server's own certificate and key, so an SPKI pin of the server holds for the proxy too),
  reads each HTTP/1.1 request, and decides per request: pass it on, delay it, close the
  connection before or after the server got the request, cut the request body half-way (the
  server sees a truncated upload) or the answer half-way (the client does), answer 500 or 503
  (with or without ``Retry-After``) itself or after the server stored the package, answer bytes
  that are not HTTP, answer a 2xx whose body is not a receipt, or replace the server's receipt by
  a forged one (signed by a stranger's key, altered after signing, or a real receipt for another
  referral), or go down for a while (every connection refused) and come up again.
- ``layer="tcp"`` pipes the TLS bytes unchanged and decides per connection: refuse it at once,
  delay it, cut it after some bytes in either direction, or go down and up.

Which fault hits which request comes from a :class:`Schedule`: a seeded ``random.Random`` drawn
once per request (or connection) in arrival order, so a sequential client sees the same faults
for the same seed. :meth:`FaultProxy.script` queues explicit faults ahead of the schedule, and
:meth:`FaultProxy.down` / :meth:`FaultProxy.up` switch the proxy off and on from a test.
:attr:`FaultProxy.log` records what was done to every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import random
import ssl
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.protocol.keys import canonical_json
from advisor_desktop.protocol.receipt import issue_intake_receipt

MAX_HEAD = 64 * 1024
TCP_CUT_SPAN = 32 * 1024  # a tcp cut stops the stream after up to this many bytes
HOP_BY_HOP = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "content-encoding",
    }
)
REASONS = {200: "OK", 201: "Created", 500: "Internal Server Error", 502: "Bad Gateway"}
REASONS[503] = "Service Unavailable"


class Fault(enum.StrEnum):
    """What the proxy does to one request (``http``) or one connection (``tcp``)."""

    PASS = "pass"
    DELAY = "delay"  # wait, then pass on
    DROP_BEFORE = "drop-before"  # close the connection; the server never sees the request
    DROP_AFTER = "drop-after"  # the server answered; the client gets a closed connection
    CUT_REQUEST = "cut-request"  # half the body reaches the server, then both are closed
    CUT_RESPONSE = "cut-response"  # half the server's answer reaches the client
    ERROR_500 = "500"  # the proxy answers 500; the server never sees the request
    ERROR_503 = "503-retry-after"  # 503 with Retry-After; the server never sees the request
    ERROR_503_BARE = "503"  # 503 without Retry-After
    ERROR_AFTER = "500-after"  # the server stored it; the client gets a 502 or a 500
    GARBAGE = "garbage"  # bytes that are not HTTP, then a closed connection
    GARBAGE_BODY = "garbage-body"  # the server's status, a body that is not a receipt
    FORGED_RECEIPT = "forged-receipt"  # the server's status, a forged receipt
    DOWN = "down"  # connection closed, the proxy refuses everything for a while, then up
    # tcp layer only
    CUT_UP = "cut-up"  # client → server bytes stop after a few, connection closed
    CUT_DOWN = "cut-down"  # server → client bytes stop after a few, connection closed


HTTP_FAULTS = tuple(f for f in Fault if f not in (Fault.CUT_UP, Fault.CUT_DOWN))
TCP_FAULTS = (Fault.PASS, Fault.DELAY, Fault.DROP_BEFORE, Fault.CUT_UP, Fault.CUT_DOWN, Fault.DOWN)
RECEIPT_ONLY = frozenset({Fault.GARBAGE_BODY, Fault.FORGED_RECEIPT})
# Faults after which the server may hold the request although the client saw no success.
SERVER_SAW_IT = frozenset(
    {
        Fault.PASS,
        Fault.DELAY,
        Fault.DROP_AFTER,
        Fault.CUT_RESPONSE,
        Fault.ERROR_AFTER,
        Fault.GARBAGE_BODY,
        Fault.FORGED_RECEIPT,
    }
)


def answers_receipt(method: str, path: str) -> bool:
    """Whether the server's 2xx answer to this request is a receipt."""
    return (method == "POST" and path == "/v1/referrals") or (
        method == "GET" and path.startswith("/v1/receipts/")
    )


@dataclass(frozen=True)
class Action:
    """One drawn fault with its parameters."""

    fault: Fault
    delay: float = 0.0  # DELAY: seconds; DOWN: how long the proxy stays down
    fraction: float = 0.5  # CUT_*: the share of the bytes that get through
    retry_after: int = 0  # ERROR_503
    variant: str = ""  # FORGED_RECEIPT: stranger | altered | other; ERROR_AFTER: 500 | 502
    on: str = ""  # scripted only: the request it waits for, "METHOD /path-prefix" or "/prefix"

    def matches(self, method: str, path: str) -> bool:
        """Whether a scripted action applies to this request (the tcp layer: always)."""
        if not path:
            return True
        if not self.on:
            return self.fault not in RECEIPT_ONLY or answers_receipt(method, path)
        want_method, _, prefix = self.on.rpartition(" ")
        return (not want_method or want_method == method) and path.startswith(prefix)


@dataclass
class Schedule:
    """Faults drawn from a seeded generator, one per request (or connection), by weight.

    ``weights`` maps faults to relative weights (a missing fault never happens). Faults that
    only make sense on a receipt are not drawn for other requests. Delays, down times, cut
    points, Retry-After values and forgery variants come from the same generator.
    """

    seed: int
    weights: Mapping[Fault, float]
    delay: tuple[float, float] = (0.02, 0.3)
    down: tuple[float, float] = (0.1, 0.6)
    retry_after: tuple[int, int] = (0, 2)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def draw(self, method: str, path: str) -> Action:
        """The next action, for a request to ``path`` (``""`` on the tcp layer)."""
        receipt = answers_receipt(method, path)
        pool = [(f, w) for f, w in self.weights.items() if w > 0]
        if not receipt:
            pool = [(f, w) for f, w in pool if f not in RECEIPT_ONLY]
        if not pool:
            return Action(Fault.PASS)
        # Every value is drawn on every call, so one request's fault never shifts the others'.
        fault = self.rng.choices([f for f, _ in pool], [w for _, w in pool])[0]
        delay = self.rng.uniform(*self.delay)
        down = self.rng.uniform(*self.down)
        fraction = self.rng.uniform(0.2, 0.8)
        retry_after = self.rng.randint(*self.retry_after)
        forgery = self.rng.choice(("stranger", "altered", "other"))
        error = self.rng.choice(("500", "502"))
        if fault is Fault.DOWN:
            return Action(fault, delay=down)
        if fault is Fault.DELAY:
            return Action(fault, delay=delay)
        if fault in (Fault.CUT_REQUEST, Fault.CUT_RESPONSE, Fault.CUT_UP, Fault.CUT_DOWN):
            return Action(fault, fraction=fraction)
        if fault is Fault.ERROR_503:
            return Action(fault, retry_after=retry_after)
        if fault is Fault.FORGED_RECEIPT:
            return Action(fault, variant=forgery)
        if fault is Fault.ERROR_AFTER:
            return Action(fault, variant=error)
        return Action(fault)


@dataclass(frozen=True)
class Entry:
    """What happened to one request (``http``) or connection (``tcp``)."""

    index: int
    method: str
    path: str
    fault: Fault
    upstream_status: int | None  # the server's status, None when it answered nothing


@dataclass
class _Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    def head(self) -> bytes:
        lines = [f"{self.method} {self.target} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _BadRequest(Exception):
    pass


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    """One HTTP/1.1 request with a Content-Length body; None when the client closed."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError:
        raise _BadRequest("head too long") from None
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError:
        raise _BadRequest("request line") from None
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    names = {k.lower(): v for k, v in headers}
    if "chunked" in names.get("transfer-encoding", "").lower():
        raise _BadRequest("chunked bodies are not supported by the fault proxy")
    length = int(names.get("content-length", "0") or "0")
    body = await reader.readexactly(length) if length else b""
    return _Request(method, target, headers, body)


def _response_bytes(status: int, headers: Sequence[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in HOP_BY_HOP]
    lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _error_bytes(status: int, code: str, retry_after: int | None = None) -> bytes:
    headers = [("content-type", "application/json")]
    if retry_after is not None:
        headers.append(("retry-after", str(retry_after)))
    body = json.dumps({"error": code, "reason": "fault proxy"}).encode()
    return _response_bytes(status, headers, body)


class FaultProxy:
    """The proxy; a context manager. ``upstream`` is the intake server's ``https://`` URL."""

    def __init__(
        self,
        upstream: str,
        *,
        cert: Path,
        key: Path,
        ca: Path,
        layer: str = "http",
        schedule: Schedule | None = None,
    ) -> None:
        if layer not in ("http", "tcp"):
            raise ValueError(layer)
        parts = urlsplit(upstream)
        self.upstream = upstream.rstrip("/")
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = int(parts.port or 443)
        self.layer = layer
        self.schedule = schedule
        self.log: list[Entry] = []
        self.port = 0
        self._cert, self._key, self._ca = cert, key, ca
        self._scripted: list[Action] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy")
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._http: httpx.AsyncClient | None = None
        self._last_receipt: bytes | None = None
        self._stranger = Ed25519PrivateKey.generate()
        self._index = 0
        self._tasks: set[asyncio.Future[Any]] = set()

    # --- control, from the test's thread ----------------------------------------------------

    @property
    def url(self) -> str:
        """The address to give the client instead of the server's."""
        return f"https://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._call(self._start())
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(Exception):
            self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def script(self, *actions: Action | Fault) -> None:
        """Faults for the next requests (connections), ahead of the schedule: each for the
        first request its ``on`` matches (any request; a receipt fault: the next answer that
        is a receipt)."""
        with self._lock:
            self._scripted.extend(a if isinstance(a, Action) else Action(a) for a in actions)

    def down(self) -> None:
        """Stop listening and cut every open connection: the desk is unreachable."""
        self._call(self._down())

    def up(self) -> None:
        """Listen again on the same port."""
        self._call(self._listen())

    def counts(self) -> Counter[Fault]:
        """How often each fault was applied."""
        with self._lock:
            return Counter(entry.fault for entry in self.log)

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self.log)

    def _call(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=30)

    # --- the loop's side --------------------------------------------------------------------

    def _client_tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self._cert), str(self._key))
        return context

    def _upstream_tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self._ca))

    async def _start(self) -> None:
        self._http = httpx.AsyncClient(verify=self._upstream_tls(), timeout=60.0)
        await self._listen()

    async def _listen(self) -> None:
        if self._server is not None:
            return
        handler = self._serve_http if self.layer == "http" else self._serve_tcp
        tls = self._client_tls() if self.layer == "http" else None
        self._server = await asyncio.start_server(
            handler, "127.0.0.1", self.port, ssl=tls, reuse_address=True, limit=MAX_HEAD
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _down(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _down_for(self, seconds: float) -> None:
        await self._down()
        await asyncio.sleep(seconds)
        await self._listen()

    async def _stop(self) -> None:
        await self._down()
        if self._http is not None:
            await self._http.aclose()

    def _next(self, method: str, path: str) -> tuple[int, Action]:
        with self._lock:
            index = self._index
            self._index += 1
            for position, action in enumerate(self._scripted):
                if action.matches(method, path):
                    del self._scripted[position]
                    return index, action
        if self.schedule is None:
            return index, Action(Fault.PASS)
        return index, self.schedule.draw(method, path)

    def _record(self, entry: Entry) -> None:
        with self._lock:
            self.log.append(entry)

    def _later(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _close(writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            writer.transport.abort()

    # --- http layer -------------------------------------------------------------------------

    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    request = await _read_request(reader)
                except (_BadRequest, ValueError):
                    writer.write(_error_bytes(400, "bad-request"))
                    await writer.drain()
                    return
                if request is None:
                    return
                if not await self._one(request, writer):
                    return
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError, OSError):
            return
        finally:
            self._writers.discard(writer)
            self._close(writer)

    async def _one(self, request: _Request, writer: asyncio.StreamWriter) -> bool:
        """Handle one request; False when the connection is to be closed."""
        index, action = self._next(request.method, request.path)
        fault = action.fault
        if fault is Fault.DROP_BEFORE:
            self._record(Entry(index, request.method, request.path, fault, None))
            return False
        if fault is Fault.DOWN:
            self._record(Entry(index, request.method, request.path, fault, None))
            self._later(self._down_for(action.delay))
            return False
        if fault in (Fault.ERROR_500, Fault.ERROR_503, Fault.ERROR_503_BARE):
            self._record(Entry(index, request.method, request.path, fault, None))
            code = 500 if fault is Fault.ERROR_500 else 503
            retry = action.retry_after if fault is Fault.ERROR_503 else None
            writer.write(_error_bytes(code, "proxy-fault", retry))
            await writer.drain()
            return True
        if fault is Fault.GARBAGE:
            self._record(Entry(index, request.method, request.path, fault, None))
            writer.write(random.Random(index).randbytes(97) + b"\r\n\r\n")
            await writer.drain()
            return False
        if fault is Fault.CUT_REQUEST:
            await self._cut_request(request, action.fraction)
            self._record(Entry(index, request.method, request.path, fault, None))
            return False
        if fault is Fault.DELAY:
            await asyncio.sleep(action.delay)
        status, headers, body = await self._forward(request)
        self._record(Entry(index, request.method, request.path, fault, status))
        if status is None:  # the server is not there: what a gateway says
            writer.write(_error_bytes(502, "bad-gateway"))
            await writer.drain()
            return True
        if fault is Fault.DROP_AFTER:
            return False
        if fault is Fault.ERROR_AFTER:
            writer.write(_error_bytes(int(action.variant or 500), "proxy-fault"))
            await writer.drain()
            return True
        if fault is Fault.GARBAGE_BODY and 200 <= status < 300:
            body = b'{"stored": true, "receipt": "trust me"}'
        if fault is Fault.FORGED_RECEIPT and 200 <= status < 300:
            body = self._forge(request, body, action.variant)
        elif 200 <= status < 300 and answers_receipt(request.method, request.path):
            self._last_receipt = body
        raw = _response_bytes(status, headers, body)
        if fault is Fault.CUT_RESPONSE:
            writer.write(raw[: max(1, int(len(raw) * action.fraction))])
            await writer.drain()
            return False
        writer.write(raw)
        await writer.drain()
        return True

    async def _forward(self, request: _Request) -> tuple[int | None, list[tuple[str, str]], bytes]:
        assert self._http is not None
        headers = [(k, v) for k, v in request.headers if k.lower() not in HOP_BY_HOP]
        headers.append(("accept-encoding", "identity"))
        try:
            answer = await self._http.request(
                request.method,
                self.upstream + request.target,
                headers=headers,
                content=request.body,
            )
        except httpx.HTTPError:
            return None, [], b""
        return answer.status_code, list(answer.headers.multi_items()), answer.content

    async def _cut_request(self, request: _Request, fraction: float) -> None:
        """Send the head and part of the body to the server, then hang up."""
        try:
            _reader, upstream = await asyncio.open_connection(
                self.upstream_host,
                self.upstream_port,
                ssl=self._upstream_tls(),
                server_hostname=self.upstream_host,
            )
        except OSError:
            return
        try:
            upstream.write(request.head())
            upstream.write(request.body[: int(len(request.body) * fraction)])
            await upstream.drain()
            await asyncio.sleep(0.01)
        except (ConnectionError, OSError):
            pass
        finally:
            self._close(upstream)

    def _forge(self, request: _Request, body: bytes, variant: str) -> bytes:
        """A receipt that must not count as delivery."""
        try:
            doc = json.loads(body)
            inner = next(v for v in doc.values() if isinstance(v, dict) and "referral_id" in v)
        except (ValueError, StopIteration, AttributeError):
            return body + b" "
        if variant == "other" and self._last_receipt not in (None, body):
            assert self._last_receipt is not None
            return self._last_receipt  # genuine, but for another referral
        if variant == "stranger" and request.body:
            return issue_intake_receipt(
                inner["referral_id"], request.body, inner["received_at"], self._stranger
            )
        sha = inner["package_sha256"]
        inner["package_sha256"] = ("0" if sha[0] != "0" else "1") + sha[1:]
        return bytes(canonical_json(doc))

    # --- tcp layer --------------------------------------------------------------------------

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index, action = self._next("", "")
        self._record(Entry(index, "", "", action.fault, None))
        self._writers.add(writer)
        try:
            if action.fault is Fault.DROP_BEFORE:
                return
            if action.fault is Fault.DOWN:
                self._later(self._down_for(action.delay))
                return
            if action.fault is Fault.DELAY:
                await asyncio.sleep(action.delay)
            try:
                up_reader, up_writer = await asyncio.open_connection(
                    self.upstream_host, self.upstream_port
                )
            except OSError:
                return
            self._writers.add(up_writer)
            limit_up = limit_down = None
            # From inside the TLS handshake (a few hundred bytes up, a few KiB down) to a
            # request or answer some packages into a kept-alive connection.
            limit = max(1, int(TCP_CUT_SPAN * action.fraction**2))
            if action.fault is Fault.CUT_UP:
                limit_up = limit
            if action.fault is Fault.CUT_DOWN:
                limit_down = limit
            await asyncio.gather(
                self._pipe(reader, up_writer, limit_up, writer),
                self._pipe(up_reader, writer, limit_down, up_writer),
                return_exceptions=True,
            )
            self._writers.discard(up_writer)
        finally:
            self._writers.discard(writer)
            self._close(writer)

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        limit: int | None,
        other: asyncio.StreamWriter,
    ) -> None:
        sent = 0
        try:
            while True:
                chunk = await source.read(16384)
                if not chunk:
                    break
                if limit is not None and sent + len(chunk) >= limit:
                    sink.write(chunk[: limit - sent])
                    await sink.drain()
                    break
                sink.write(chunk)
                sent += len(chunk)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._close(sink)
            self._close(other)
