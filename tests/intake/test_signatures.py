"""Every way a request's signature can be wrong is a 401 with its reason (and nothing is
stored); a valid key on an endpoint of the other role is a 403."""

from __future__ import annotations

import datetime as dt
import sqlite3

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from advisor_desktop.desk.identity import unlock
from advisor_desktop.desk.sync import IntakeRefused
from advisor_desktop.protocol.http_signature import sign_request
from tests.desk.conftest import DESK_PASS
from tests.intake.harness import Device, LiveServer, TestDesk, Tls


def post(
    server: LiveServer, tls: Tls, path: str, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    with httpx.Client(verify=tls.context()) as http:
        return http.post(server.url + path, content=body, headers=headers)


def signed(
    server: LiveServer,
    device: Device,
    referral_id: str,
    body: bytes,
    *,
    path: str = "/v1/referrals",
    created: dt.datetime | None = None,
    key: Ed25519PrivateKey | None = None,
) -> dict[str, str]:
    return sign_request(
        "POST",
        server.url + path,
        body,
        device.key_id,
        key or device.key,
        idempotency_key=referral_id,
        created=created,
    )


def count(server: LiveServer) -> int:
    with sqlite3.connect(server.folder / "intake.db") as conn:
        return int(conn.execute("SELECT count(*) FROM packages").fetchone()[0])


def _unknown_key(server: LiveServer, device: Device, rid: str, body: bytes) -> dict[str, str]:
    stranger = Device("stranger")
    return sign_request(
        "POST",
        server.url + "/v1/referrals",
        body,
        stranger.key_id,
        stranger.key,
        idempotency_key=rid,
    )


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("unsigned", "unsigned"),
        ("unknown key", "unknown-key"),
        ("forged by another key under this key id", "bad-signature"),
        ("tampered body", "digest-mismatch"),
        ("tampered body with a new digest", "bad-signature"),
        ("stale created", "stale"),
        ("created in the future", "stale"),
        ("signed for another path", "bad-signature"),
        ("another id than signed", "bad-signature"),
        ("no idempotency key covered", "unsigned"),
    ],
)
def test_bad_signatures_are_401_with_a_reason(
    desk: TestDesk, server: LiveServer, tls: Tls, case: str, code: str
) -> None:
    device = desk.devices[0]
    rid, body = device.package(desk.recipient)
    path = "/v1/referrals"
    now = dt.datetime.now(dt.UTC)
    headers = signed(server, device, rid, body)
    if case == "unsigned":
        headers = {"Idempotency-Key": rid}
    elif case == "unknown key":
        headers = _unknown_key(server, device, rid, body)
    elif case == "forged by another key under this key id":
        headers = signed(server, device, rid, body, key=Ed25519PrivateKey.generate())
    elif case == "tampered body":
        body = body[:-1] + bytes([body[-1] ^ 1])
    elif case == "tampered body with a new digest":
        other = body + b"x"
        headers["Content-Digest"] = signed(server, device, rid, other)["Content-Digest"]
        body = other
    elif case == "stale created":
        headers = signed(server, device, rid, body, created=now - dt.timedelta(minutes=6))
    elif case == "created in the future":
        headers = signed(server, device, rid, body, created=now + dt.timedelta(minutes=6))
    elif case == "signed for another path":
        headers = signed(server, device, rid, body, path="/v1/withdrawals")
    elif case == "another id than signed":
        headers["Idempotency-Key"] = Device.package(device, desk.recipient)[0]
    elif case == "no idempotency key covered":
        headers = sign_request("POST", server.url + path, body, device.key_id, device.key)
        headers["Idempotency-Key"] = rid
        answer = post(server, tls, path, body, headers)
        assert answer.status_code == 401
        assert answer.json()["error"] == "bad-signature"
        return
    answer = post(server, tls, path, body, headers)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == code
    assert answer.json()["reason"]
    assert count(server) == 0


def test_a_replayed_nonce_is_refused(desk: TestDesk, server: LiveServer, tls: Tls) -> None:
    device = desk.devices[0]
    rid, body = device.package(desk.recipient)
    headers = signed(server, device, rid, body)
    first = post(server, tls, "/v1/referrals", body, headers)
    replay = post(server, tls, "/v1/referrals", body, headers)
    assert first.status_code == 201
    assert replay.status_code == 401
    assert replay.json()["error"] == "replayed-nonce"
    # Signed anew, the same delivery is the idempotent repeat.
    again = post(server, tls, "/v1/referrals", body, signed(server, device, rid, body))
    assert again.status_code == 200
    assert again.content == first.content


def test_the_nonce_is_remembered_across_a_restart(desk: TestDesk, tls: Tls) -> None:
    device = desk.devices[0]
    rid, body = device.package(desk.recipient)
    with LiveServer(desk.server_dir, tls) as live:
        headers = signed(live, device, rid, body)
        assert post(live, tls, "/v1/referrals", body, headers).status_code == 201
    with LiveServer(desk.server_dir, tls) as live:
        replay = post(live, tls, "/v1/referrals", body, headers)
    assert replay.status_code == 401
    assert replay.json()["error"] == "replayed-nonce"


def test_keys_are_held_to_their_role(desk: TestDesk, server: LiveServer, tls: Tls) -> None:
    device = desk.devices[0]
    desk_key = unlock(desk.runner.folder, DESK_PASS.encode()).signing_key
    with server.client(device.key) as as_device:
        inbox = as_device._http.get(server.url + "/v1/inbox")
        assert inbox.status_code == 401  # unsigned
        with pytest.raises(IntakeRefused) as refused:
            as_device.inbox()
    assert refused.value.status == 403
    assert refused.value.code == "forbidden"
    with server.client(desk_key) as as_desk, pytest.raises(IntakeRefused) as refused:
        as_desk.deliver(*device.package(desk.recipient))
    assert refused.value.status == 403
