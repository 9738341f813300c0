"""Withdrawal through the outbox (before delivery the item is removed and nothing goes to the
desk; after delivery a signed withdrawal is queued and the next sync hands it over), and the
desk's status messages fetched by each sync: decrypted, verified and kept with the referral."""

from __future__ import annotations

import sqlite3

from advisor_desktop.app.outbox import sync
from advisor_desktop.app.status import status_history
from advisor_desktop.referral.desk_status import ImportResult
from advisor_desktop.referral.outbox import Outbox, OutboxState
from tests.intake.harness import LiveServer
from tests.outbox.harness import OutboxWorld


def server_withdrawals(world: OutboxWorld) -> list[str]:
    with sqlite3.connect(world.desk.server_dir / "intake.db") as conn:
        return [r[0] for r in conn.execute("SELECT referral_id FROM withdrawals")]


def test_withdrawn_before_delivery_never_leaves(world: OutboxWorld, live: LiveServer) -> None:
    kept, withdrawn = world.seal(2)
    with world.workspace() as ws:
        ws.referrals.withdraw(withdrawn)
        (report,) = sync(ws, world.options())
        outbox = Outbox(ws.vault)
        assert outbox.get(withdrawn).state is OutboxState.WITHDRAWN
        assert outbox.pending_withdrawals() == []
    assert report.delivered == [kept]
    assert [r[0] for r in world.server_rows()] == [kept]
    assert server_withdrawals(world) == []


def test_withdrawn_after_delivery_sends_the_signed_withdrawal(
    world: OutboxWorld, live: LiveServer
) -> None:
    (ref,) = world.seal(1)
    with world.workspace() as ws:
        sync(ws, world.options())
        ws.referrals.withdraw(ref)
        outbox = Outbox(ws.vault)
        item = outbox.get(ref)
        assert item.state is OutboxState.WITHDRAWN
        assert outbox.receipt(ref) is not None  # the proof of delivery stays
        assert [w.referral_id for w in outbox.pending_withdrawals()] == [ref]
        (report,) = sync(ws, world.options())
        assert outbox.pending_withdrawals() == []
        (again,) = sync(ws, world.options())
    assert report.withdrawals_sent == [ref]
    assert again.withdrawals_sent == []
    assert server_withdrawals(world) == [ref]
    # The desk takes it with its next pull.
    pulled = world.desk_to_server("pull")
    assert pulled.code == 0


def test_each_sync_fetches_the_desks_status_messages(world: OutboxWorld, live: LiveServer) -> None:
    ref, other = world.seal(2)
    with world.workspace() as ws:
        sync(ws, world.options())
    world.desk_to_server("pull")
    for state in ("in-assessment",):
        done = world.desk("status", ref, "--set", state)
        assert done.code == 0, done.err
    world.desk_to_server("push")
    with world.workspace() as ws:
        (report,) = sync(ws, world.options())
        steps = status_history(ws, ref)
        listed = {s.id: s.desk_status for s in ws.referrals.list_referrals()}
        (again,) = sync(ws, world.options())
    assert [s.status.referral_id for s in report.statuses] == [ref]
    assert report.statuses[0].result is ImportResult.LATEST
    assert [s.state.value for s in steps] == ["in-assessment"]
    latest = listed[ref]
    assert latest is not None
    assert latest.state.value == "in-assessment"
    assert listed[other] is None
    # The listing is read on from where it stopped: nothing again.
    assert again.statuses == []
    assert again.status_refused == 0


def test_withdrawn_while_a_sync_runs_is_not_sent(world: OutboxWorld, live: LiveServer) -> None:
    first, second = sorted(world.seal(2))
    with world.workspace() as ws:

        def withdraw_the_other(outcome: object) -> None:
            if ws.referrals.get(second).summary.state != "withdrawn":
                ws.referrals.withdraw(second)

        (report,) = sync(ws, world.options(), progress=withdraw_the_other)
        state = Outbox(ws.vault).get(second).state
    assert report.delivered == [first]
    assert state is OutboxState.WITHDRAWN
    assert [r[0] for r in world.server_rows()] == [first]
