"""The sender against the real intake server on 127.0.0.1 over TLS, with faults passed in:
a receipt that does not verify is not delivery, a lost answer is recovered by asking for the
receipt, a ``sending`` item left by a killed run is resolved before anything is posted,
Retry-After is honoured, plain HTTP goes to loopback only, and a pinned certificate is checked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding

from advisor_desktop.app.outbox import ConnectionOptions, make_sender, sync
from advisor_desktop.desk.server.folder import load_server_folder
from advisor_desktop.protocol.receipt import issue_intake_receipt
from advisor_desktop.referral.outbox import Outbox, OutboxState
from advisor_desktop.referral.sender import RetryPolicy
from advisor_desktop.referral.transport import (
    IntakeTransport,
    TlsOptions,
    TransportConfigError,
    spki_sha256,
)
from tests.intake.harness import LiveServer
from tests.outbox.faults import HookedTransport, posts
from tests.outbox.harness import OutboxWorld

Forward = Callable[[httpx.Request], httpx.Response]


def hooked(
    world: OutboxWorld, hook: Callable[[httpx.Request, Forward], httpx.Response]
) -> HookedTransport:
    return HookedTransport(world.tls.ca, hook)


def item(world: OutboxWorld, ref: str):  # type: ignore[no-untyped-def]
    with world.workspace() as ws:
        return Outbox(ws.vault).get(ref)


def stamp_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_one_sync_delivers_with_verified_receipts(world: OutboxWorld, live: LiveServer) -> None:
    ids = world.seal(5)
    with world.workspace() as ws:
        (report,) = sync(ws, world.options())
        again = sync(ws, world.options())
    assert report.ok
    assert sorted(report.delivered) == sorted(ids)
    assert again[0].delivered == []
    world.assert_exactly_once(ids)
    history = [t.to_state for t in _history(world, ids[0])]
    assert history == [OutboxState.QUEUED, OutboxState.SENDING, OutboxState.DELIVERED]


def _history(world: OutboxWorld, ref: str):  # type: ignore[no-untyped-def]
    with world.workspace() as ws:
        return Outbox(ws.vault).history(ref)


def _forged_receipts(world: OutboxWorld, other_id: str) -> dict[str, Callable[[str], bytes]]:
    folder = load_server_folder(world.desk.server_dir, stamp_now())
    stranger = Ed25519PrivateKey.generate()
    return {
        # Signed by a key the desk never certified.
        "forged": lambda ref: issue_intake_receipt(ref, b"x", stamp_now(), stranger),
        # The server's genuine signature, but for another referral.
        "other id": lambda ref: issue_intake_receipt(
            other_id, b"age-encryption.org/v1\n", stamp_now(), folder.intake_key
        ),
        # The server's genuine signature, for this id, but other bytes.
        "other digest": lambda ref: issue_intake_receipt(
            ref, b"other bytes", stamp_now(), folder.intake_key
        ),
    }


@pytest.mark.parametrize("kind", ["forged", "other id", "other digest"])
def test_a_receipt_that_does_not_match_is_not_delivery(
    world: OutboxWorld, live: LiveServer, kind: str
) -> None:
    ref, other = world.seal(2)
    forge = _forged_receipts(world, other)[kind]

    def hook(request: httpx.Request, forward: Forward) -> httpx.Response:
        answer = forward(request)
        if request.method == "POST" or request.url.path.startswith("/v1/receipts/"):
            return httpx.Response(200, content=forge(ref), request=request)
        return answer

    transport = hooked(world, hook)
    with world.workspace() as ws:
        (report,) = sync(ws, world.options(transport=transport))
        outbox = Outbox(ws.vault)
        lied = outbox.get(ref)
        assert outbox.receipt(ref) is None
    assert report.delivered == []
    assert lied.state is OutboxState.FAILED
    assert not lied.delivered
    assert lied.last_reason is not None
    assert "not a valid receipt" in lied.last_reason
    # The desk's server did store it (the lie was on the way back); an honest run gets its
    # receipt by asking for it, without posting again.
    honest = hooked(world, lambda request, forward: forward(request))
    with world.workspace() as ws:
        sync(ws, world.options(transport=honest))
    assert ("GET", f"/v1/receipts/{ref}") in honest.calls
    world.assert_exactly_once([ref, other])


def test_a_lost_answer_is_recovered_by_asking_for_the_receipt(
    world: OutboxWorld, live: LiveServer
) -> None:
    (ref,) = world.seal(1)

    def hook(request: httpx.Request, forward: Forward) -> httpx.Response:
        answer = forward(request)
        if request.method == "POST":
            raise httpx.ReadError("connection reset after the request was sent")
        return answer

    transport = hooked(world, hook)
    with world.workspace() as ws:
        (report,) = sync(ws, world.options(transport=transport))
    assert report.delivered == [ref]
    sent = [c for c in transport.calls if c[1] != "/v1/status"]
    assert sent[-2:] == [("POST", "/v1/referrals"), ("GET", f"/v1/receipts/{ref}")]
    assert posts(transport.calls) == 1
    world.assert_exactly_once([ref])


def test_a_lost_answer_with_the_server_gone_waits_and_is_not_posted_twice_by_luck(
    world: OutboxWorld, live: LiveServer
) -> None:
    (ref,) = world.seal(1)

    def hook(request: httpx.Request, forward: Forward) -> httpx.Response:
        if request.method == "POST":
            forward(request)
            raise httpx.ReadError("cut")
        if request.url.path.startswith("/v1/receipts/"):
            raise httpx.ConnectError("down now")
        return forward(request)

    with world.workspace() as ws:
        (report,) = sync(ws, world.options(transport=hooked(world, hook)))
    failed = item(world, ref)
    assert report.delivered == []
    assert failed.state is OutboxState.FAILED
    assert failed.attempts == 1
    assert failed.next_attempt_at is not None
    # Next run: the receipt is asked for first; the package is not posted again.
    honest = hooked(world, lambda request, forward: forward(request))
    with world.workspace() as ws:
        (second,) = sync(ws, world.options(transport=honest))
    assert second.delivered == [ref]
    assert posts(honest.calls) == 0
    world.assert_exactly_once([ref])


def test_a_sending_item_left_by_a_killed_run_is_resolved_before_any_post(
    world: OutboxWorld, live: LiveServer
) -> None:
    arrived, lost = world.seal(2)
    with world.workspace() as ws:
        outbox = Outbox(ws.vault)
        # The run was killed after the first package reached the server, and before the
        # second one left.
        outbox.begin_sending(arrived)
        outbox.begin_sending(lost)
        with IntakeTransport(
            live.url,
            ws.referrals.device_keys.signing_key(),
            tls=TlsOptions(ca_file=world.tls.ca),
        ) as direct:
            direct.post_referral(arrived, outbox.package(arrived))
    transport = hooked(world, lambda request, forward: forward(request))
    with world.workspace() as ws:
        (report,) = sync(ws, world.options(transport=transport))
    assert sorted(report.delivered) == sorted([arrived, lost])
    first_post = transport.calls.index(("POST", "/v1/referrals"))
    assert transport.calls.index(("GET", f"/v1/receipts/{arrived}")) < first_post
    assert transport.calls.index(("GET", f"/v1/receipts/{lost}")) < first_post
    assert posts(transport.calls) == 1
    states = [t.to_state for t in _history(world, lost)]
    assert states == [
        OutboxState.QUEUED,
        OutboxState.SENDING,
        OutboxState.QUEUED,
        OutboxState.SENDING,
        OutboxState.DELIVERED,
    ]
    world.assert_exactly_once([arrived, lost])


def test_retry_after_is_honoured_and_ends_the_run(world: OutboxWorld, live: LiveServer) -> None:
    ids = world.seal(3)
    now = dt.datetime(2026, 5, 3, 12, 0, tzinfo=dt.UTC)

    def busy(request: httpx.Request, forward: Forward) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(
                503,
                headers={"Retry-After": "120"},
                json={"error": "unavailable", "reason": "The server is busy."},
                request=request,
            )
        return forward(request)

    transport = hooked(world, busy)
    options = world.options(
        transport=transport, policy=RetryPolicy(base=1.0, cap=10.0, max_retry_after=3600.0)
    )
    with world.workspace() as ws:
        ws.clock = lambda: now
        sender = make_sender(ws, "Central desk", options, rand=lambda: 0.0)
        try:
            report = sender.run()
        finally:
            sender.transport.close()
    assert posts(transport.calls) == 1
    assert report.untried == 2
    assert report.stopped is not None
    assert "busy" in report.stopped
    states = [item(world, i) for i in ids]
    # The one tried and the two the run did not reach: all wait for the time the server gave,
    # each with its reason; only the tried one counts an attempt.
    assert {i.state for i in states} == {OutboxState.FAILED}
    assert {i.next_attempt_at for i in states} == {"2026-05-03T12:02:00+00:00"}
    assert all("503" in (i.last_reason or "") for i in states)
    assert sorted(i.attempts for i in states) == [0, 0, 1]
    with world.workspace() as ws:
        outbox = Outbox(ws.vault)
        assert outbox.due(now + dt.timedelta(seconds=119)) == []
        assert len(outbox.due(now + dt.timedelta(seconds=120))) == 3


def test_a_refusal_waits_long_and_stays_retryable(world: OutboxWorld, live: LiveServer) -> None:
    (ref,) = world.seal(1)

    def conflict(request: httpx.Request, forward: Forward) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(
                409, json={"error": "conflict", "reason": "Other bytes."}, request=request
            )
        return forward(request)

    now = dt.datetime(2026, 5, 3, 12, 0, tzinfo=dt.UTC)
    options = world.options(
        transport=hooked(world, conflict), policy=RetryPolicy(base=1.0, cap=600.0)
    )
    with world.workspace() as ws:
        ws.clock = lambda: now
        (report,) = sync(ws, options)
    failed = item(world, ref)
    assert report.stopped is None
    assert failed.state is OutboxState.FAILED
    assert failed.retryable
    assert failed.next_attempt_at == "2026-05-03T12:10:00+00:00"
    assert "409" in (failed.last_reason or "")


def test_plain_http_only_to_loopback(world: OutboxWorld) -> None:
    key = Ed25519PrivateKey.generate()
    for url in ("http://desk.example.org", "http://10.0.0.5:8080", "http://[2001:db8::1]"):
        with pytest.raises(TransportConfigError, match="only used to this machine"):
            IntakeTransport(url, key)
    with pytest.raises(TransportConfigError):
        IntakeTransport("ftp://127.0.0.1", key)
    # A training server on this machine over plain HTTP works.
    ids = world.seal(1)
    with LiveServer(world.desk.server_dir, None, world.settings) as plain:
        assert plain.url.startswith("http://127.0.0.1:")
        with world.workspace() as ws:
            (report,) = sync(ws, ConnectionOptions(server=plain.url, proxy_resolver=lambda u: None))
    assert report.delivered == ids


def _pin_of(world: OutboxWorld) -> str:
    cert = x509.load_pem_x509_certificate(world.tls.cert.read_bytes())
    return spki_sha256(cert.public_bytes(Encoding.DER))


def test_a_pinned_certificate_is_checked(world: OutboxWorld, live: LiveServer) -> None:
    ids = world.seal(2)
    world.set_desk_url(live.url, pin="ab" * 32)
    # Real TLS, no hook: the certificate is there to compare.
    with world.workspace() as ws:
        (report,) = sync(ws, world.options())
    assert report.stopped_code == 7
    assert report.stopped is not None
    assert "pinned" in report.stopped
    assert report.delivered == []
    assert world.server_rows() == []
    waiting = [item(world, i) for i in ids]
    assert {i.state for i in waiting} == {OutboxState.FAILED}
    assert all("pinned" in (i.last_reason or "") for i in waiting)
    assert {i.attempts for i in waiting} == {0}
    # The right pin: delivered.
    world.set_desk_url(live.url, pin=_pin_of(world))
    with world.workspace() as ws:
        (report,) = sync(ws, world.options())
    assert sorted(report.delivered) == sorted(ids)
    world.assert_exactly_once(ids)


def test_a_pin_mismatch_gets_no_signed_request_even_with_nothing_to_send(
    world: OutboxWorld, live: LiveServer
) -> None:
    """Only status to fetch, or only a withdrawal to hand over: still the unsigned certificate
    first, so a server that is not the pinned one sees no signature of this device."""
    world.set_desk_url(live.url, pin="ab" * 32)
    seen: list[tuple[str, str, bool]] = []

    def spy(request: httpx.Request, forward: Forward) -> httpx.Response:
        seen.append((request.method, request.url.path, "signature" in request.headers))
        return forward(request)

    with world.workspace() as ws:
        (report,) = sync(ws, world.options(transport=hooked(world, spy)))
    # Through the hook the TLS socket is not visible: the pin cannot be confirmed, so it fails.
    assert report.stopped_code == 7
    assert seen == [("GET", "/v1/intake-certificate", False)]
