"""Exactly once over a bad network: 200 sealed referrals go to the real intake server (TLS on
127.0.0.1) through the fault proxy, which drops connections before and after the server got a
request, delays, cuts bodies half-way in both directions, answers 500, 503 with and without
Retry-After, garbage, 2xx answers that are not receipts and forged receipts, and goes down and
up, on a seeded schedule. The advisor syncs again and again until nothing is left: each
referral is then in the server's store exactly once with its sealed bytes, none lost, none
duplicated, and every item is delivered with a stored receipt that verifies (and is the one the
server issued). No answer the proxy forged ever counts as delivery."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor_desktop.app.outbox import outbox_of, sync
from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.server.app import IntakeSettings, Rate
from advisor_desktop.referral.outbox import OutboxState, stamp
from advisor_desktop.referral.sender import RetryPolicy
from advisor_desktop.referral.transport import Timeouts
from tests.helpers.fault_proxy import Action, Fault, FaultProxy, Schedule
from tests.helpers.records import FakeClock
from tests.intake.harness import LiveServer, Tls
from tests.outbox.delivery_checks import assert_exactly_once, server_rows
from tests.outbox.harness import OutboxWorld

SEED = 20261202
ITEMS = 200
# Relative weights per request: about one request in three meets a fault.
WEIGHTS = {
    Fault.PASS: 64,
    Fault.DELAY: 6,
    Fault.DROP_BEFORE: 3,
    Fault.DROP_AFTER: 4,
    Fault.CUT_REQUEST: 3,
    Fault.CUT_RESPONSE: 3,
    Fault.ERROR_500: 2,
    Fault.ERROR_503: 2,
    Fault.ERROR_503_BARE: 2,
    Fault.ERROR_AFTER: 3,
    Fault.GARBAGE: 2,
    Fault.GARBAGE_BODY: 2,
    Fault.FORGED_RECEIPT: 4,
    Fault.DOWN: 1,
}
# Hundreds of deliveries and retries from one device within seconds; the server's rate limits
# have their own tests (tests/intake/test_delivery.py).
UNLIMITED = IntakeSettings(
    device_rate=Rate(burst=100_000, per_second=10_000.0), enrolment_check_seconds=0.0
)
MAX_ROUNDS = 600


@pytest.fixture
def world_live(world: OutboxWorld) -> Iterator[tuple[OutboxWorld, LiveServer]]:
    with world.server(UNLIMITED) as live:
        yield world, live


def sync_until_done(
    world: OutboxWorld, url: str, ids: list[str], timeouts: Timeouts | None = None
) -> int:
    """Sync through ``url`` until every item is delivered; the number of syncs."""
    options = world.options(server=url, timeouts=timeouts or Timeouts(connect=2.0, read=3.0))
    with world.workspace() as ws:
        for rounds in range(1, MAX_ROUNDS + 1):
            sync(ws, options)
            left = [i for i in outbox_of(ws).items() if not i.delivered]
            if not left:
                return rounds
            if all(i.state is OutboxState.DELIVERED for i in outbox_of(ws).items()):
                pytest.fail("an item is in state delivered without counting as delivered")
            time.sleep(0.01)
    pytest.fail(f"not delivered after {MAX_ROUNDS} syncs: {len(left)} items left")


@pytest.mark.slow
def test_200_referrals_through_a_faulty_network_arrive_exactly_once(
    world_live: tuple[OutboxWorld, LiveServer], tls: Tls
) -> None:
    world, live = world_live
    ids = world.seal(ITEMS)
    started = time.monotonic()
    schedule = Schedule(SEED, WEIGHTS, delay=(0.01, 0.15), down=(0.05, 0.3))
    with FaultProxy(live.url, cert=tls.cert, key=tls.key, ca=tls.ca, schedule=schedule) as proxy:
        rounds = sync_until_done(world, proxy.url, ids)
        log = proxy.entries()
    elapsed = time.monotonic() - started

    with world.workspace() as ws:
        assert_exactly_once(ws, ids, world.desk.server_dir)
        outbox = outbox_of(ws)
        # Every referral that met a forged receipt or garbage is delivered by its genuine one.
        fooled = {
            e.path
            for e in log
            if e.fault in (Fault.FORGED_RECEIPT, Fault.GARBAGE_BODY) and e.upstream_status
        }
        assert fooled, "the schedule forged no receipt: the seed tests less than it claims"
        attempts = sum(outbox.get(i).attempts for i in ids)
        histories = [outbox.history(i) for i in ids]
    world.assert_exactly_once(ids)

    counts = Counter(e.fault for e in log)
    faults = sum(n for f, n in counts.items() if f is not Fault.PASS)
    posts = sum(1 for e in log if e.method == "POST" and e.path == "/v1/referrals")
    asked = sum(1 for e in log if e.path.startswith("/v1/receipts/"))
    # Attempts that failed (sent, then failed), and items that waited because a run stopped.
    failures = sum(
        1
        for h in histories
        for t in h
        if t.from_state is OutboxState.SENDING and t.to_state is OutboxState.FAILED
    )
    waited = sum(
        1
        for h in histories
        for t in h
        if t.from_state is not OutboxState.SENDING and t.to_state is OutboxState.FAILED
    )
    # The schedule really did hit every kind of fault, and the advisor needed retries.
    assert {f for f in WEIGHTS if counts[f] == 0} == set(), counts
    assert posts > ITEMS
    assert failures > 0
    print(
        f"\nfaults: {ITEMS} items, {rounds} syncs, {len(log)} requests ({posts} POST, "
        f"{asked} receipt GETs), {faults} faults injected "
        f"{dict(sorted((str(f), n) for f, n in counts.items()))}, "
        f"{attempts} attempts, {failures} failed attempts retried, {waited} waits for a "
        f"stopped run, longest history {max(len(h) for h in histories)} rows, {elapsed:.1f} s"
    )


def test_a_forged_receipt_is_not_delivery_and_the_item_shows_why(
    world_live: tuple[OutboxWorld, LiveServer], tls: Tls
) -> None:
    world, live = world_live
    [referral_id] = world.seal(1)
    with FaultProxy(live.url, cert=tls.cert, key=tls.key, ca=tls.ca) as proxy:
        for variant in ("stranger", "altered"):
            proxy.script(Action(Fault.FORGED_RECEIPT, variant=variant))
            with world.workspace() as ws:
                # The first attempt posts; a later one asks for the receipt first.
                report = sync(ws, world.options(server=proxy.url))[0]
                item = outbox_of(ws).get(referral_id)
                assert report.delivered == []
                assert not item.delivered
                assert item.state is OutboxState.FAILED
                assert item.last_reason
                assert "not a valid receipt" in item.last_reason
                assert outbox_of(ws).receipt(referral_id) is None
        # The server has it; the next sync asks for the genuine receipt and is done.
        assert [r.referral_id for r in server_rows(world.desk.server_dir)] == [referral_id]
        with world.workspace() as ws:
            assert sync(ws, world.options(server=proxy.url))[0].delivered == [referral_id]
            assert_exactly_once(ws, [referral_id], world.desk.server_dir)
        assert proxy.counts()[Fault.FORGED_RECEIPT] == 2


def test_a_lost_answer_is_recovered_by_asking_for_the_receipt(
    world_live: tuple[OutboxWorld, LiveServer], tls: Tls
) -> None:
    world, live = world_live
    [referral_id] = world.seal(1)
    with FaultProxy(live.url, cert=tls.cert, key=tls.key, ca=tls.ca) as proxy:
        proxy.script(Action(Fault.DROP_AFTER, on="POST /v1/referrals"))
        with world.workspace() as ws:
            report = sync(ws, world.options(server=proxy.url))[0]
            assert report.delivered == [referral_id]
            assert_exactly_once(ws, [referral_id], world.desk.server_dir)
        calls = [(e.method, e.path.split("/")[2], e.fault) for e in proxy.entries()]
    assert calls[:3] == [
        ("GET", "intake-certificate", Fault.PASS),
        ("POST", "referrals", Fault.DROP_AFTER),
        ("GET", "receipts", Fault.PASS),
    ]


def test_retry_after_is_kept_as_the_next_attempt_and_honoured(world: OutboxWorld, tls: Tls) -> None:
    with world.server(UNLIMITED) as live:
        [referral_id] = world.seal(1)
        with FaultProxy(live.url, cert=tls.cert, key=tls.key, ca=tls.ca) as proxy:
            proxy.script(Action(Fault.ERROR_503, retry_after=120, on="POST /v1/referrals"))
            options = world.options(server=proxy.url, policy=RetryPolicy(base=1.0, cap=2.0))
            with world.workspace() as ws:
                report = sync(ws, options, force=False)[0]
                item = outbox_of(ws).get(referral_id)
                assert report.stopped is not None  # a 503 ends the run for this desk
                assert item.state is OutboxState.FAILED
                assert item.next_attempt_at is not None
                due_in = (
                    dt.datetime.fromisoformat(item.next_attempt_at) - ws.clock()
                ).total_seconds()
                assert 110 <= due_in <= 121, due_in
                seen = len(proxy.entries())
                # Not due yet: an automatic sync neither posts it nor asks for its receipt.
                sync(ws, options, force=False)
                about_it = [e for e in proxy.entries()[seen:] if referral_id in e.path]
                posted = [e for e in proxy.entries()[seen:] if e.method == "POST"]
                assert about_it == []
                assert posted == []
                assert not outbox_of(ws).get(referral_id).delivered
                # "Send now" does not wait.
                assert sync(ws, options, force=True)[0].delivered == [referral_id]


def test_connections_cut_at_the_tcp_level_through_end_to_end_tls(
    world_live: tuple[OutboxWorld, LiveServer], tls: Tls
) -> None:
    """The proxy below TLS: connections closed at once, cut after some bytes either way
    (inside the handshake or a request), and the proxy down and up; the advisor's TLS goes to
    the server itself."""
    world, live = world_live
    ids = world.seal(40)
    # No connection passes whole: each is closed at once or cut after up to 32 KiB, so a
    # sync gets a few deliveries through before its connection breaks.
    weights = {
        Fault.DROP_BEFORE: 1,
        Fault.CUT_UP: 3,
        Fault.CUT_DOWN: 3,
        Fault.DOWN: 1,
    }
    schedule = Schedule(SEED, weights, delay=(0.01, 0.1), down=(0.05, 0.2))
    with FaultProxy(
        live.url, cert=tls.cert, key=tls.key, ca=tls.ca, layer="tcp", schedule=schedule
    ) as proxy:
        sync_until_done(world, proxy.url, ids)
        counts = proxy.counts()
    assert counts[Fault.PASS] == 0
    assert counts[Fault.CUT_UP] >= 2, counts
    assert counts[Fault.CUT_DOWN] >= 2, counts
    with world.workspace() as ws:
        assert_exactly_once(ws, ids, world.desk.server_dir)


def test_automatic_syncs_under_faults_wait_for_each_items_next_attempt(
    tmp_path: Path, policy: KdfPolicy, tls: Tls
) -> None:
    """The app's own syncs (not "Send now"): a failed item is tried again only once its next
    attempt has come (back-off with jitter, or the server's Retry-After when longer), and yet
    every referral arrives exactly once. The advisor's clock jumps to the next due time between
    syncs; the server keeps real time."""
    clock = FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    world = OutboxWorld(tmp_path, policy, tls, clock=clock)
    policy_ = RetryPolicy(base=30.0, cap=600.0, max_retry_after=3600.0)
    weights = dict(WEIGHTS)
    weights[Fault.ERROR_503] = 4
    schedule = Schedule(SEED + 1, weights, delay=(0.01, 0.05), down=(0.05, 0.2))
    schedule.retry_after = (60, 300)
    early: list[tuple[str, str, str]] = []
    with (
        world.server(UNLIMITED) as live,
        FaultProxy(live.url, cert=tls.cert, key=tls.key, ca=tls.ca, schedule=schedule) as proxy,
    ):
        ids = world.seal(60)
        options = world.options(
            server=proxy.url, policy=policy_, timeouts=Timeouts(connect=2.0, read=3.0)
        )
        with world.workspace() as ws:
            outbox = outbox_of(ws)
            for _round in range(MAX_ROUNDS):
                before = {i.referral_id: i for i in outbox.items()}
                now = stamp(clock())
                sync(ws, options, force=False)
                for item in outbox.items():
                    was = before[item.referral_id]
                    tried = item.attempts > was.attempts
                    waiting = was.state is OutboxState.FAILED and (was.next_attempt_at or "") > now
                    if tried and waiting:
                        early.append((item.referral_id, now, was.next_attempt_at or ""))
                left = [i for i in outbox.items() if not i.delivered]
                if not left:
                    break
                due = [i.next_attempt_at for i in left if i.next_attempt_at]
                nxt = min(due) if due else now
                if nxt > now:
                    clock.now = dt.datetime.fromisoformat(nxt)
            else:
                pytest.fail("not delivered")
            assert early == []  # nothing was tried before its time
            failures = [
                t for i in ids for t in outbox.history(i) if t.to_state is OutboxState.FAILED
            ]
            assert len(failures) >= 5, "hardly a failure: the schedule tested nothing"
            assert_exactly_once(ws, ids, world.desk.server_dir)
    assert proxy.counts()[Fault.ERROR_503] > 0


def test_the_cli_never_says_delivered_for_a_2xx_without_a_valid_receipt(
    world_live: tuple[OutboxWorld, LiveServer], tls: Tls
) -> None:
    world, live = world_live
    [referral_id] = world.seal(1)
    ca = str(world.tls.ca)
    with FaultProxy(live.url, cert=tls.cert, key=tls.key, ca=tls.ca) as proxy:
        for fault in (Action(Fault.FORGED_RECEIPT, variant="stranger"), Fault.GARBAGE_BODY):
            proxy.script(fault)
            sent = world.run("outbox", "send", "--server", proxy.url, "--ca-file", ca)
            assert sent.code == 1, sent.out + sent.err
            assert "delivered to" not in sent.out + sent.err
            assert f"{referral_id}: not delivered" in sent.err
            assert "not a valid receipt" in sent.err
            listed = json.loads(world.run("outbox", "list", "--json").out)
            assert [(r["state"], r["delivered"]) for r in listed] == [("failed", False)]
        assert [e.upstream_status for e in proxy.entries() if e.fault is not Fault.PASS] == [
            201,
            200,
        ]  # the server had it both times: only the answer was bad
        sent = world.run("outbox", "send", "--server", proxy.url, "--ca-file", ca)
    assert sent.code == 0, sent.err
    assert f"{referral_id}: delivered to" in sent.out
    with world.workspace() as ws:
        assert_exactly_once(ws, [referral_id], world.desk.server_dir)
