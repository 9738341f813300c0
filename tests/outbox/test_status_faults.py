"""The desk's status messages fetched through the fault proxy: the listing is read page by page
(more than one page of 100), answers are lost, cut, refused or garbled, the proxy goes down and
up; syncing again until the listing is read through leaves every step the desk reported on its
referral exactly once, in order, none lost and none twice, and the next sync fetches nothing."""

from __future__ import annotations

import time

import pytest

from advisor_desktop.app.outbox import outbox_of, sync
from advisor_desktop.app.status import status_history
from advisor_desktop.desk.server.app import IntakeSettings, Rate
from advisor_desktop.referral.transport import Timeouts
from tests.helpers.fault_proxy import Fault, FaultProxy, Schedule
from tests.intake.harness import Tls
from tests.outbox.harness import OutboxWorld

SEED = 3141
REFERRALS = 55
STEPS = ("in-assessment", "referred-on")  # 110 messages: two pages of the listing
UNLIMITED = IntakeSettings(
    device_rate=Rate(burst=100_000, per_second=10_000.0), enrolment_check_seconds=0.0
)
WEIGHTS = {
    Fault.PASS: 2,
    Fault.DELAY: 1,
    Fault.DROP_BEFORE: 1,
    Fault.DROP_AFTER: 2,
    Fault.CUT_RESPONSE: 2,
    Fault.ERROR_500: 1,
    Fault.ERROR_503: 1,
    Fault.GARBAGE: 1,
    Fault.DOWN: 1,
}


@pytest.mark.slow
def test_status_messages_through_faults_arrive_once_each_and_in_order(
    world: OutboxWorld, tls: Tls
) -> None:
    with world.server(UNLIMITED) as live:
        ids = world.seal(REFERRALS)
        with world.workspace() as ws:
            assert sorted(sync(ws, world.options())[0].delivered) == sorted(ids)
        world.desk_to_server("pull")
        for step in STEPS:
            for referral_id in ids:
                done = world.desk("status", referral_id, "--set", step)
                assert done.code == 0, done.err
        world.desk_to_server("push")

        schedule = Schedule(SEED, WEIGHTS, delay=(0.01, 0.1), down=(0.05, 0.2))
        proxy = FaultProxy(live.url, cert=tls.cert, key=tls.key, ca=tls.ca, schedule=schedule)
        fetched = 0
        with proxy, world.workspace() as ws:
            options = world.options(server=proxy.url, timeouts=Timeouts(connect=2.0, read=3.0))
            for rounds in range(1, 200):  # noqa: B007 (reported below)
                (report,) = sync(ws, options)
                fetched += len(report.statuses)
                assert report.status_refused == 0
                if report.stopped is None and fetched >= REFERRALS * len(STEPS):
                    break
                time.sleep(0.01)
            else:
                raise AssertionError(f"statuses not through after {rounds} syncs")
            histories = {i: [s.state.value for s in status_history(ws, i)] for i in ids}
            (again,) = sync(ws, world.options(server=live.url))
            assert all(i.delivered for i in outbox_of(ws).items())
        listings = [e for e in proxy.entries() if e.path == "/v1/status"]
    assert {i: h for i, h in histories.items() if h != list(STEPS)} == {}
    assert fetched == REFERRALS * len(STEPS)  # none twice
    assert again.statuses == []
    faults = [e for e in listings if e.fault is not Fault.PASS]
    assert len(faults) >= 3, proxy.counts()
    print(
        f"\nstatus: {REFERRALS * len(STEPS)} messages, {rounds} syncs, {len(listings)} listing "
        f"requests, {len(faults)} of them faulted"
    )
