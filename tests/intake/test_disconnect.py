"""A client that goes away mid-upload is an everyday event on a bad line: the server stores
nothing and logs one quiet line, no traceback."""

from __future__ import annotations

import logging
import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.intake.harness import LiveServer


def test_a_cut_upload_is_refused_quietly(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert server.tls is not None
    parts = urlsplit(server.url)
    raw = socket.create_connection((parts.hostname, parts.port), timeout=5)
    with server.tls.context().wrap_socket(raw, server_hostname="127.0.0.1") as conn:
        conn.sendall(
            b"POST /v1/referrals HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
            + b"x"
            * 1000
        )
    deadline = time.monotonic() + 10
    while "intake_client_disconnected" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "intake_client_disconnected" in caplog.text
    assert "Traceback" not in caplog.text
    assert "Exception in ASGI application" not in caplog.text
    assert server.store.inbox(10).packages == ()
