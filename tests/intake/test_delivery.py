"""Delivering packages to the live intake server over TLS: receipts that verify back to the
desk key through the intake certificate, idempotent and conflicting repeats, receipts asked
again, size, format and rate refusals."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest

from advisor_desktop.desk.server.app import IntakeSettings, Rate
from advisor_desktop.desk.sync import IntakeRefused
from advisor_desktop.protocol.desk_public import parse_desk_public
from advisor_desktop.protocol.intake_api import verify_intake_receipt
from advisor_desktop.protocol.keys import canonical_json, decode_public_key, key_id
from advisor_desktop.protocol.receipt import ReceiptBadSignature, package_sha256
from advisor_desktop.protocol.referral_package import MAX_PACKAGE_BYTES
from tests.intake.harness import LiveServer, TestDesk, Tls, random_id


def desk_keys(desk: TestDesk) -> tuple[dict[str, bytes], bytes]:
    """The desk key as an advisor's profile holds it, and the certificate from desk-public."""
    public = parse_desk_public(desk.runner.public())
    raw = decode_public_key(public.signing_key)
    assert public.intake_certificate is not None
    return {key_id(raw): raw}, public.intake_certificate


def stored_rows(server: LiveServer) -> list[tuple[str, str]]:
    with sqlite3.connect(server.folder / "intake.db") as conn:
        return list(conn.execute("SELECT referral_id, sha256 FROM packages ORDER BY seq"))


def test_a_delivery_gets_a_receipt_that_verifies_to_the_desk_key(
    desk: TestDesk, server: LiveServer
) -> None:
    device = desk.devices[0]
    referral_id, package = device.package(desk.recipient)
    trusted, certificate = desk_keys(desk)
    with server.client(device.key) as client:
        delivery = client.deliver(referral_id, package)
        served_certificate = client.request("GET", "/v1/intake-certificate").content
    assert delivery.status == 201
    receipt = verify_intake_receipt(delivery.receipt, certificate, trusted)
    assert receipt.referral_id == referral_id
    assert receipt.matches(package)
    assert served_certificate == certificate
    assert stored_rows(server) == [(referral_id, package_sha256(package))]
    # The receipt does not verify with another desk's key, nor without its certificate.
    with pytest.raises(Exception, match="not trusted"):
        verify_intake_receipt(delivery.receipt, certificate, {"0" * 32: b"\x00" * 32})
    doc = json.loads(delivery.receipt)
    doc["receipt"]["received_at"] = "2020-01-01T00:00:00Z"
    with pytest.raises(ReceiptBadSignature):
        verify_intake_receipt(canonical_json(doc), certificate, trusted)


def test_the_same_package_again_gets_the_same_receipt(desk: TestDesk, server: LiveServer) -> None:
    device = desk.devices[0]
    referral_id, package = device.package(desk.recipient)
    with server.client(device.key) as client:
        first = client.deliver(referral_id, package)
        again = client.deliver(referral_id, package)
        asked = client.receipt(referral_id)
    assert (first.status, again.status) == (201, 200)
    assert again.receipt == first.receipt
    assert asked == first.receipt
    assert len(stored_rows(server)) == 1


def test_the_same_id_with_other_bytes_is_a_conflict(desk: TestDesk, server: LiveServer) -> None:
    device = desk.devices[0]
    referral_id, package = device.package(desk.recipient)
    _other_id, other = device.package(desk.recipient, summary="Another text entirely.")
    with server.client(device.key) as client:
        client.deliver(referral_id, package)
        with pytest.raises(IntakeRefused) as refused:
            client.deliver(referral_id, other)
    assert refused.value.status == 409
    assert refused.value.code == "conflict"
    assert stored_rows(server) == [(referral_id, package_sha256(package))]


def test_another_device_gets_no_receipt_and_cannot_take_the_id(
    desk: TestDesk, server: LiveServer
) -> None:
    first, second = desk.devices
    referral_id, package = first.package(desk.recipient)
    with server.client(first.key) as client:
        client.deliver(referral_id, package)
    with server.client(second.key) as client:
        with pytest.raises(IntakeRefused) as missing:
            client.receipt(referral_id)
        with pytest.raises(IntakeRefused) as taken:
            client.deliver(referral_id, package)
        with pytest.raises(IntakeRefused) as unknown:
            client.receipt(random_id())
    assert missing.value.status == 404
    assert taken.value.status == 409
    assert unknown.value.status == 404


def test_an_oversize_body_is_refused_unread(desk: TestDesk, server: LiveServer) -> None:
    device = desk.devices[0]
    big = b"age-encryption.org/v1\n-> X25519 x\n--- y\n" + b"\x00" * MAX_PACKAGE_BYTES
    with server.client(device.key) as client, pytest.raises(IntakeRefused) as refused:
        client.deliver(random_id(), big)
    assert refused.value.status == 413
    assert refused.value.code == "too-large"
    assert stored_rows(server) == []


@pytest.mark.parametrize(
    ("referral_id", "body", "code"),
    [
        ("not-a-uuid", None, "bad-referral-id"),
        ("3F2A9C1E-0000-4000-8000-000000000000", None, "bad-referral-id"),
        (None, b"plain text, not an age file", "not-age"),
        (None, b"", "not-age"),
    ],
)
def test_malformed_deliveries_are_refused_with_a_reason(
    desk: TestDesk, server: LiveServer, referral_id: str | None, body: bytes | None, code: str
) -> None:
    device = desk.devices[0]
    real_id, package = device.package(desk.recipient)
    with server.client(device.key) as client, pytest.raises(IntakeRefused) as refused:
        client.deliver(referral_id or real_id, package if body is None else body)
    assert refused.value.status == 400
    assert refused.value.code == code
    assert stored_rows(server) == []


def test_a_device_over_its_rate_gets_429_with_retry_after(desk: TestDesk, tls: Tls) -> None:
    settings = IntakeSettings(device_rate=Rate(burst=3, per_second=0.1))
    device, other = desk.devices
    with LiveServer(desk.server_dir, tls, settings) as live:
        with live.client(device.key) as client:
            for _ in range(3):
                referral_id, package = device.package(desk.recipient)
                assert client.deliver(referral_id, package).status == 201
            referral_id, package = device.package(desk.recipient)
            with pytest.raises(IntakeRefused) as limited:
                client.deliver(referral_id, package)
        # The limit is per device key: another device is not held back.
        with live.client(other.key) as client:
            assert client.deliver(*other.package(desk.recipient)).status == 201
    assert limited.value.status == 429
    assert limited.value.code == "rate-limited"
    assert limited.value.retry_after is not None
    assert 1 <= limited.value.retry_after <= 10


def test_health_and_the_api_description_need_no_signature(server: LiveServer, tls: Tls) -> None:
    with httpx.Client(verify=tls.context()) as http:
        assert http.get(server.url + "/v1/health").json() == {"status": "ok"}
        api = http.get(server.url + "/v1/openapi.json").json()
        missing = http.get(server.url + "/v1/nothing")
    assert api["openapi"].startswith("3.1")
    assert "/v1/referrals" in api["paths"]
    assert missing.status_code == 404
    assert missing.json()["error"] == "not-found"


def test_plain_http_is_refused_by_a_tls_server(server: LiveServer) -> None:
    with httpx.Client() as http, pytest.raises(httpx.HTTPError):
        http.get(server.url.replace("https://", "http://") + "/v1/health")
