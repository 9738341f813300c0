"""Network faults passed in as an httpx transport: the real server behind, and a hook that may
drop an answer, answer for the server, or change what it said. For the outbox's own tests (the
fault-injecting proxy of the fault tests works on the wire instead)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import httpx

Hook = Callable[[httpx.Request, Callable[[httpx.Request], httpx.Response]], httpx.Response]


class HookedTransport(httpx.BaseTransport):
    """Every request goes to ``hook(request, forward)``; ``forward`` reaches the real server
    (trusting only ``ca``) and returns its answer read in full. ``calls`` logs (method, path)."""

    def __init__(self, ca: Path, hook: Hook) -> None:
        self._inner = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=str(ca)))
        self._hook = hook
        self.calls: list[tuple[str, str]] = []

    def _forward(self, request: httpx.Request) -> httpx.Response:
        answer = self._inner.handle_request(request)
        body = answer.read()
        answer.close()
        return httpx.Response(
            answer.status_code, headers=answer.headers, content=body, request=request
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path))
        return self._hook(request, self._forward)

    def close(self) -> None:
        self._inner.close()


def posts(calls: list[tuple[str, str]]) -> int:
    """How many deliveries were posted."""
    return sum(1 for c in calls if c == ("POST", "/v1/referrals"))
