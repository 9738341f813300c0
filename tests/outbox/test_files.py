"""Files instead of the network: an item exported as a file keeps its bytes and id and waits for
the desk's receipt; the receipt file ``advisor-desk import`` writes marks it delivered once it
verifies; a receipt that does not match is refused and kept as the reason; a later network
delivery of an exported package gets the server's same receipt every time."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from advisor_desktop.app.outbox import export_item, import_receipt, import_receipt_file, sync
from advisor_desktop.protocol.keys import canonical_json
from advisor_desktop.protocol.receipt import package_sha256, parse_receipt
from advisor_desktop.referral.outbox import (
    Outbox,
    OutboxError,
    OutboxState,
    ReceiptMismatch,
    ReceiptSource,
)
from advisor_desktop.referral.transport import IntakeTransport, TlsOptions
from tests.intake.harness import LiveServer
from tests.outbox.harness import OutboxWorld


def desk_import(world: OutboxWorld, package: Path, receipts: Path) -> Path:
    receipts.mkdir(exist_ok=True)
    done = world.desk("import", str(package), "--receipts", str(receipts))
    assert done.code == 0, done.err
    (receipt,) = receipts.glob("*.receipt")
    return receipt


def test_export_keeps_bytes_and_id_and_waits_for_a_receipt(
    world: OutboxWorld, tmp_path: Path
) -> None:
    (ref,) = world.seal(1)
    with world.workspace() as ws:
        outbox = Outbox(ws.vault)
        sealed = outbox.package(ref)
        first = export_item(ws, ref, tmp_path / "one.referral")
        second = export_item(ws, ref, tmp_path)  # a folder: a neutral name inside
        item = outbox.get(ref)
        history = outbox.history(ref)
    assert first.read_bytes() == second.read_bytes() == sealed
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert second.parent == tmp_path
    assert ref not in second.name
    assert item.state is OutboxState.QUEUED
    assert item.waiting_for_receipt
    assert not item.delivered
    assert item.retryable
    assert [t.reason for t in history][-2:] == ["exported", "exported"]


def test_the_desks_receipt_file_marks_it_delivered(world: OutboxWorld, tmp_path: Path) -> None:
    ref, other = world.seal(2)
    with world.workspace() as ws:
        exported = export_item(ws, ref, tmp_path / "a.referral")
        export_item(ws, other, tmp_path / "b.referral")
    receipt = desk_import(world, exported, tmp_path / "receipts")
    with world.workspace() as ws:
        delivered = import_receipt_file(ws, receipt)
        again = import_receipt_file(ws, receipt)  # harmless: stays as it is
        stored = Outbox(ws.vault).receipt(ref)
        still = Outbox(ws.vault).get(other)
    assert delivered.delivered
    assert delivered.receipt_source is ReceiptSource.FILE
    assert again.delivered
    assert stored is not None
    assert stored.document == receipt.read_bytes()
    assert parse_receipt(stored.document).receipt.package_sha256 == package_sha256(
        exported.read_bytes()
    )
    assert still.state is OutboxState.QUEUED
    with world.workspace() as ws, pytest.raises(OutboxError):
        export_item(ws, ref, tmp_path / "again.referral")  # delivered: nothing to export


def test_a_receipt_file_that_does_not_match_is_refused(world: OutboxWorld, tmp_path: Path) -> None:
    ref, other = world.seal(2)
    with world.workspace() as ws:
        exported = export_item(ws, other, tmp_path / "b.referral")
    receipt = desk_import(world, exported, tmp_path / "receipts").read_bytes()
    # The desk's genuine receipt for `other`, edited to name `ref`: the signature breaks.
    doc = json.loads(receipt)
    doc["receipt"]["referral_id"] = ref
    edited = canonical_json(doc)
    with world.workspace() as ws:
        with pytest.raises(ReceiptMismatch) as refused:
            import_receipt(ws, edited)
        assert refused.value.exit_code == 7
        with pytest.raises(ReceiptMismatch):
            import_receipt(ws, b"not a receipt")
        outbox = Outbox(ws.vault)
        assert outbox.get(ref).state is OutboxState.QUEUED
        assert outbox.receipt(ref) is None
        # The genuine one is for `other` only.
        assert import_receipt(ws, receipt).referral_id == other
        assert not outbox.get(ref).delivered


def test_a_receipt_for_the_id_but_other_bytes_is_not_delivery(
    world: OutboxWorld, tmp_path: Path
) -> None:
    """The desk received other bytes under this id (a file altered on the way): its genuine
    receipt names them, so it does not prove delivery of the sealed package."""
    (ref,) = world.seal(1)
    with world.workspace() as ws:
        exported = export_item(ws, ref, tmp_path / "a.referral")
    receipt = desk_import(world, exported, tmp_path / "receipts").read_bytes()
    with world.workspace() as ws, ws.vault.write() as conn:
        conn.execute(
            "UPDATE outbox_items SET package_sha256 = ? WHERE referral_id = ?", ("0" * 64, ref)
        )
    with world.workspace() as ws:
        with pytest.raises(ReceiptMismatch, match="other bytes"):
            import_receipt(ws, receipt)
        item = Outbox(ws.vault).get(ref)
    assert item.state is OutboxState.QUEUED
    assert item.last_reason is not None
    assert "other bytes" in item.last_reason


def test_an_exported_package_delivered_later_by_network_gets_the_same_receipt(
    world: OutboxWorld, live: LiveServer, tmp_path: Path
) -> None:
    (ref,) = world.seal(1)
    with world.workspace() as ws:
        exported = export_item(ws, ref, tmp_path / "a.referral")
        (report,) = sync(ws, world.options())
        stored = Outbox(ws.vault).receipt(ref)
        key = ws.referrals.device_keys.signing_key()
    assert report.delivered == [ref]
    assert stored is not None
    assert stored.source is ReceiptSource.NETWORK
    # Posting the file's bytes again (another run, another path) gets the very same receipt.
    with IntakeTransport(live.url, key, tls=TlsOptions(ca_file=world.tls.ca)) as direct:
        status, again = direct.post_referral(ref, exported.read_bytes())
        asked = direct.get_receipt(ref)
    assert status == 200
    assert again == asked == stored.document
    world.assert_exactly_once([ref])
    # And the desk, given the file too, has it once ("already received" after a pull).
    world.desk_to_server("pull")
    receipt_dir = tmp_path / "receipts"
    receipt_dir.mkdir()
    done = world.desk("import", str(exported), "--receipts", str(receipt_dir))
    assert done.code == 0, done.err
    assert "already received" in done.out
