"""The fault proxy (tests/helpers/fault_proxy.py) does what each fault says, against the real
intake server over TLS, seen by a plain signed client: what the client gets, and what the server
stored. The outbox tests rely on these faults being real."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.server.app import IntakeSettings, Rate
from advisor_desktop.desk.sync import IntakeClient, IntakeRefused, IntakeUnreachable
from advisor_desktop.platform.errors import AdvisorError
from advisor_desktop.protocol.desk_public import parse_desk_public
from advisor_desktop.protocol.intake_api import verify_intake_receipt
from advisor_desktop.protocol.keys import decode_public_key, key_id
from advisor_desktop.protocol.receipt import ReceiptError
from tests.helpers.fault_proxy import Action, Fault, FaultProxy, Schedule
from tests.intake.harness import LiveServer, TestDesk, Tls, make_tls

# Many deliveries and retries from one device in a second: rate limits have their own tests.
FAST = IntakeSettings(device_rate=Rate(burst=100_000, per_second=10_000.0))


@pytest.fixture
def desk(tmp_path: Path, policy: KdfPolicy) -> TestDesk:
    return TestDesk(tmp_path, policy, devices=1)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def server(desk: TestDesk, tls: Tls) -> Iterator[LiveServer]:
    with LiveServer(desk.server_dir, tls, FAST) as live:
        yield live


def stored(server: LiveServer) -> list[str]:
    with sqlite3.connect(server.folder / "intake.db") as conn:
        return [row[0] for row in conn.execute("SELECT referral_id FROM packages")]


def verify(desk: TestDesk, receipt: bytes) -> str:
    public = parse_desk_public(desk.runner.public())
    raw = decode_public_key(public.signing_key)
    assert public.intake_certificate is not None
    return verify_intake_receipt(receipt, public.intake_certificate, {key_id(raw): raw}).referral_id


@pytest.fixture
def proxy(server: LiveServer, tls: Tls) -> Iterator[FaultProxy]:
    with FaultProxy(server.url, cert=tls.cert, key=tls.key, ca=tls.ca) as running:
        yield running


def client(proxy: FaultProxy, desk: TestDesk, tls: Tls) -> IntakeClient:
    return IntakeClient(proxy.url, desk.devices[0].key, verify=tls.context(), timeout=5)


def test_passes_requests_through_unchanged(
    desk: TestDesk, server: LiveServer, proxy: FaultProxy, tls: Tls
) -> None:
    referral_id, package = desk.devices[0].package(desk.recipient)
    with client(proxy, desk, tls) as http:
        delivery = http.deliver(referral_id, package)
        again = http.receipt(referral_id)
    assert delivery.status == 201
    assert verify(desk, delivery.receipt) == referral_id
    assert again == delivery.receipt
    assert stored(server) == [referral_id]
    assert [(e.method, e.path, e.fault, e.upstream_status) for e in proxy.entries()] == [
        ("POST", "/v1/referrals", Fault.PASS, 201),
        ("GET", f"/v1/receipts/{referral_id}", Fault.PASS, 200),
    ]


@pytest.mark.parametrize(
    ("fault", "error", "server_has_it"),
    [
        (Fault.DROP_BEFORE, IntakeUnreachable, False),
        (Fault.DROP_AFTER, IntakeUnreachable, True),
        (Fault.CUT_REQUEST, IntakeUnreachable, False),
        (Fault.CUT_RESPONSE, IntakeUnreachable, True),
        (Fault.ERROR_500, IntakeRefused, False),
        (Fault.ERROR_503_BARE, IntakeRefused, False),
        (Fault.ERROR_AFTER, IntakeRefused, True),
        (Fault.GARBAGE, IntakeUnreachable, False),
    ],
)
def test_a_fault_fails_the_request_and_the_server_holds_what_it_got(
    desk: TestDesk,
    server: LiveServer,
    proxy: FaultProxy,
    tls: Tls,
    fault: Fault,
    error: type[Exception],
    server_has_it: bool,
) -> None:
    referral_id, package = desk.devices[0].package(desk.recipient)
    proxy.script(fault)
    with client(proxy, desk, tls) as http:
        with pytest.raises(error):
            http.deliver(referral_id, package)
        assert stored(server) == ([referral_id] if server_has_it else [])
        # The next request passes: the lost answer is recovered by asking for the receipt.
        if server_has_it:
            assert verify(desk, http.receipt(referral_id)) == referral_id
        else:
            assert http.deliver(referral_id, package).status == 201
    assert proxy.counts()[fault] == 1


def test_503_carries_retry_after(
    desk: TestDesk, server: LiveServer, proxy: FaultProxy, tls: Tls
) -> None:
    referral_id, package = desk.devices[0].package(desk.recipient)
    proxy.script(Action(Fault.ERROR_503, retry_after=7))
    with client(proxy, desk, tls) as http, pytest.raises(IntakeRefused) as refused:
        http.deliver(referral_id, package)
    assert (refused.value.status, refused.value.retry_after) == (503, 7)
    assert stored(server) == []


@pytest.mark.parametrize("variant", ["stranger", "altered", "other", "garbage"])
def test_a_forged_or_garbage_receipt_comes_with_a_2xx_and_does_not_verify(
    desk: TestDesk, server: LiveServer, proxy: FaultProxy, tls: Tls, variant: str
) -> None:
    first_id, first = desk.devices[0].package(desk.recipient)
    referral_id, package = desk.devices[0].package(desk.recipient)
    with client(proxy, desk, tls) as http:
        genuine = http.deliver(first_id, first).receipt  # what "other" replays
        if variant == "garbage":
            proxy.script(Fault.GARBAGE_BODY)
        else:
            proxy.script(Action(Fault.FORGED_RECEIPT, variant=variant))
        delivery = http.deliver(referral_id, package)
        assert delivery.status == 201  # a 2xx is not delivery
        assert delivery.receipt != genuine or variant == "other"
        if variant == "other":
            assert delivery.receipt == genuine
            assert verify(desk, delivery.receipt) == first_id  # valid, but not this referral's
        else:
            with pytest.raises((AdvisorError, ReceiptError)):
                verify(desk, delivery.receipt)
        assert verify(desk, http.receipt(referral_id)) == referral_id
    assert sorted(stored(server)) == sorted([first_id, referral_id])


def test_down_refuses_connections_until_up(
    desk: TestDesk, server: LiveServer, proxy: FaultProxy, tls: Tls
) -> None:
    referral_id, package = desk.devices[0].package(desk.recipient)
    port = proxy.port
    with client(proxy, desk, tls) as http:
        http.request("GET", "/v1/health")
        proxy.down()
        with pytest.raises(IntakeUnreachable):
            http.deliver(referral_id, package)
        with pytest.raises(httpx.ConnectError):
            httpx.get(proxy.url + "/v1/health", verify=tls.context())
        proxy.up()
        assert proxy.port == port
        assert http.deliver(referral_id, package).status == 201


def test_a_scheduled_down_comes_back_by_itself(
    desk: TestDesk, server: LiveServer, proxy: FaultProxy, tls: Tls
) -> None:
    proxy.script(Action(Fault.DOWN, delay=0.3))
    with client(proxy, desk, tls) as http:
        with pytest.raises(IntakeUnreachable):
            http.request("GET", "/v1/health")
        with pytest.raises(IntakeUnreachable):
            http.request("GET", "/v1/health")  # still down: refused at connect
        for _ in range(100):
            try:
                assert http.request("GET", "/v1/health").status_code == 200
                break
            except IntakeUnreachable:
                time.sleep(0.05)
        else:
            pytest.fail("the proxy did not come up again")


def test_a_delay_passes_late(
    desk: TestDesk, server: LiveServer, proxy: FaultProxy, tls: Tls
) -> None:
    proxy.script(Action(Fault.DELAY, delay=1.5))
    with (
        IntakeClient(proxy.url, desk.devices[0].key, verify=tls.context(), timeout=0.5) as http,
        pytest.raises(IntakeUnreachable),  # the client's read timeout
    ):
        http.request("GET", "/v1/health")


@pytest.mark.parametrize("fault", [Fault.DROP_BEFORE, Fault.CUT_UP, Fault.CUT_DOWN])
def test_the_tcp_layer_cuts_tls_connections(
    desk: TestDesk, server: LiveServer, tls: Tls, fault: Fault
) -> None:
    referral_id, package = desk.devices[0].package(desk.recipient)
    with FaultProxy(server.url, cert=tls.cert, key=tls.key, ca=tls.ca, layer="tcp") as proxy:
        proxy.script(Action(fault, fraction=0.1))  # a cut within the TLS handshake
        with client(proxy, desk, tls) as http, pytest.raises(IntakeUnreachable):
            http.deliver(referral_id, package)
        with client(proxy, desk, tls) as http:  # a new connection passes: TLS end to end
            delivery = http.deliver(referral_id, package)
        assert delivery.status in (200, 201)
        assert verify(desk, delivery.receipt) == referral_id
    assert stored(server) == [referral_id]


def test_a_schedule_is_the_same_for_the_same_seed() -> None:
    weights = dict.fromkeys(Fault, 1.0)
    paths = [("POST", "/v1/referrals"), ("GET", "/v1/status"), ("GET", "/v1/receipts/x")] * 50
    first = [Schedule(11, weights).draw(m, p) for m, p in paths[:1]]
    one, two, other = Schedule(11, weights), Schedule(11, weights), Schedule(12, weights)
    drawn = [one.draw(m, p) for m, p in paths]
    assert drawn == [two.draw(m, p) for m, p in paths]
    assert drawn != [other.draw(m, p) for m, p in paths]
    assert drawn[:1] == first
    # Faults that only make sense on a receipt never hit another request.
    assert all(
        a.fault not in (Fault.FORGED_RECEIPT, Fault.GARBAGE_BODY)
        for a, (_m, p) in zip(drawn, paths, strict=True)
        if p == "/v1/status"
    )
    assert len({a.fault for a in drawn}) > 8
    assert json.dumps([a.fault for a in drawn])  # plain strings, for the test's statistics
