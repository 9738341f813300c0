"""The outbox's state machine in the vault: sealing freezes the bytes and id, each transition is
recorded with its time, "delivered" needs a stored receipt (the table refuses one without), and
withdrawal before delivery wipes the package."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlcipher3

from advisor_desktop.referral.outbox import (
    Outbox,
    OutboxError,
    OutboxItemNotFound,
    OutboxState,
    ReceiptSource,
    enqueue,
)
from tests.outbox.harness import OutboxWorld

T0 = dt.datetime(2026, 5, 3, 9, 0, tzinfo=dt.UTC)


def test_sealing_queues_the_exact_bytes_with_their_digest(world: OutboxWorld) -> None:
    (ref,) = world.seal(1)
    with world.workspace() as ws:
        outbox = Outbox(ws.vault)
        item = outbox.get(ref)
        package = outbox.package(ref)
        assert item.state is OutboxState.QUEUED
        assert not item.delivered
        assert item.retryable
        assert item.package_sha256 == hashlib.sha256(package).hexdigest()
        assert item.size == len(package)
        assert ws.referrals.package(ref) == package
        assert [t.to_state for t in outbox.history(ref)] == [OutboxState.QUEUED]
        # Sealed once: the package under this id cannot be replaced.
        with pytest.raises(OutboxError), ws.vault.write() as conn:
            enqueue(conn, ref, b"age-encryption.org/v1\nother", T0.isoformat())
        assert outbox.package(ref) == package


def test_transitions_are_recorded_with_their_times_and_reasons(world: OutboxWorld) -> None:
    (ref,) = world.seal(1)
    times = iter([T0 + dt.timedelta(minutes=m) for m in range(10)])
    with world.workspace() as ws:
        outbox = Outbox(ws.vault, clock=lambda: next(times))
        assert outbox.begin_sending(ref).attempts == 1
        failed = outbox.record_failure(ref, "no route", T0 + dt.timedelta(hours=1))
        assert failed.state is OutboxState.FAILED
        assert failed.last_reason == "no route"
        assert failed.next_attempt_at == "2026-05-03T10:00:00+00:00"
        assert outbox.due(T0) == []
        assert [i.referral_id for i in outbox.due(T0, force=True)] == [ref]
        assert [i.referral_id for i in outbox.due(T0 + dt.timedelta(hours=2))] == [ref]
        assert outbox.begin_sending(ref).attempts == 2
        back = outbox.back_to_queue(ref, "not at the server")
        assert back.state is OutboxState.QUEUED
        history = outbox.history(ref)
    assert [(t.from_state, t.to_state) for t in history] == [
        (None, OutboxState.QUEUED),
        (OutboxState.QUEUED, OutboxState.SENDING),
        (OutboxState.SENDING, OutboxState.FAILED),
        (OutboxState.FAILED, OutboxState.SENDING),
        (OutboxState.SENDING, OutboxState.QUEUED),
    ]
    assert [t.at for t in history[1:]] == [f"2026-05-03T09:0{m}:00+00:00" for m in range(4)]
    assert history[2].reason == "no route"


def test_delivered_needs_a_stored_receipt(world: OutboxWorld) -> None:
    (ref,) = world.seal(1)
    with world.workspace() as ws:
        with pytest.raises(sqlcipher3.IntegrityError), ws.vault.write() as conn:
            conn.execute(
                "UPDATE outbox_items SET state = 'delivered' WHERE referral_id = ?", (ref,)
            )
        outbox = Outbox(ws.vault)
        assert outbox.get(ref).state is OutboxState.QUEUED
        assert outbox.receipt(ref) is None
        done = outbox.record_delivered(ref, b"receipt", ReceiptSource.FILE, "2026-05-03T09:00:00Z")
        assert done.delivered
        assert ws.referrals.get(ref).summary.state == "sent"
        # Delivered stays delivered: a second receipt is not stored over the first.
        again = outbox.record_delivered(
            ref, b"other", ReceiptSource.NETWORK, "2027-01-01T00:00:00Z"
        )
        assert again.receipt_source is ReceiptSource.FILE
        stored = outbox.receipt(ref)
        assert stored is not None
        assert stored.document == b"receipt"
        with pytest.raises(OutboxError):
            outbox.begin_sending(ref)
        with pytest.raises(OutboxError):
            outbox.mark_exported(ref)


def test_withdrawal_before_delivery_wipes_the_package(world: OutboxWorld) -> None:
    kept, withdrawn = world.seal(2)
    with world.workspace() as ws:
        ws.referrals.withdraw(withdrawn)
        outbox = Outbox(ws.vault)
        item = outbox.get(withdrawn)
        assert item.state is OutboxState.WITHDRAWN
        assert not item.retryable
        with pytest.raises(OutboxError):
            outbox.package(withdrawn)
        with ws.vault.read() as conn:
            (blob,) = conn.execute(
                "SELECT package FROM outbox_items WHERE referral_id = ?", (withdrawn,)
            ).fetchone()
        assert blob is None
        assert [i.referral_id for i in outbox.due(T0, force=True)] == [kept]
        # Never sent anywhere: no withdrawal for the desk.
        assert outbox.pending_withdrawals() == []
        assert ws.referrals.outbox_ids() == [kept]
        with pytest.raises(OutboxItemNotFound):
            outbox.get("9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")
        counts = outbox.counts()
    assert counts[OutboxState.QUEUED] == 1
    assert counts[OutboxState.WITHDRAWN] == 1
    assert counts[OutboxState.DELIVERED] == 0


def test_an_attempted_item_withdrawn_gets_a_withdrawal_for_the_desk(world: OutboxWorld) -> None:
    (ref,) = world.seal(1)
    with world.workspace() as ws:
        outbox = Outbox(ws.vault)
        outbox.begin_sending(ref)  # it may have reached the server
        ws.referrals.withdraw(ref)
        assert [w.referral_id for w in outbox.pending_withdrawals()] == [ref]
