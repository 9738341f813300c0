"""``import`` writes a signed receipt per package, which the advisor's side verifies with the
desk key from ``desk-public.json``; the same package again gets the same receipt again."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor_desktop.protocol.receipt import ReceiptError, verify_receipt
from tests.desk.conftest import Advisor, DeskRunner, receipt_key


def test_import_writes_verifiable_receipts(
    ready: tuple[DeskRunner, Advisor], tmp_path: Path
) -> None:
    desk, advisor = ready
    stick = tmp_path / "stick"
    stick.mkdir()
    first = stick / "a1b2c3d4e5f60718.referral"
    ref = advisor.package(first)
    imported = desk("import", str(first))
    assert imported.code == 0, imported.err
    receipt_file = stick / "a1b2c3d4e5f60718.receipt"
    assert str(receipt_file) in imported.out
    data = receipt_file.read_bytes()
    receipt = verify_receipt(data, receipt_key(desk))
    assert receipt.referral_id == ref
    assert receipt.matches(first.read_bytes())
    assert receipt.received_at == "2026-04-02T09:30:00Z"
    # One byte changed in the file: it no longer verifies.
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    with pytest.raises(ReceiptError):
        verify_receipt(bytes(changed), receipt_key(desk))

    # Importing the same file again: "already received", and the same receipt again.
    receipt_file.unlink()
    desk.now = desk.now.replace(hour=17)
    again = desk("import", str(first))
    assert again.code == 0, again.err
    assert "already received" in again.out
    assert receipt_file.read_bytes() == data

    # Into a folder of their own; a different package never overwrites another's receipt.
    second = stick / "second" / "a1b2c3d4e5f60718.referral"
    second.parent.mkdir()
    ref2 = advisor.package(second)
    out = tmp_path / "receipts"
    out.mkdir()
    (out / "a1b2c3d4e5f60718.receipt").write_bytes(data)
    into = desk("import", str(second), "--receipts", str(out))
    assert into.code == 0, into.err
    assert (out / "a1b2c3d4e5f60718.receipt").read_bytes() == data
    assert verify_receipt((out / f"{ref2}.receipt").read_bytes(), receipt_key(desk)).matches(
        second.read_bytes()
    )
    assert desk("import", str(second), "--receipts", str(tmp_path / "nope")).code == 2
