"""What "exactly once" means in the outbox tests, checked on both ends: the intake server's store
holds each sealed referral once, with the exact bytes the vault sealed, and nothing else; every
item of the outbox is delivered with a stored receipt that verifies back to the desk key
(through the intake certificate) and is byte for byte the receipt the server issued."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from advisor_desktop.app.outbox import outbox_of
from advisor_desktop.app.workspace import Workspace
from advisor_desktop.protocol.keys import decode_public_key, key_id
from advisor_desktop.protocol.receipt import package_sha256
from advisor_desktop.referral.outbox import OutboxState, check_intake_receipt


@dataclass(frozen=True)
class ServerRow:
    referral_id: str
    sha256: str
    receipt: bytes


def server_rows(server_folder: Path) -> list[ServerRow]:
    """Every package row of the intake server's store, in order of arrival."""
    with sqlite3.connect(server_folder / "intake.db") as conn:
        rows = conn.execute("SELECT referral_id, sha256, receipt FROM packages ORDER BY seq")
        return [ServerRow(r[0], r[1], bytes(r[2])) for r in rows]


def assert_exactly_once(workspace: Workspace, ids: Iterable[str], server_folder: Path) -> None:
    """Each id arrived once with its sealed bytes, none is missing or extra, and each is
    delivered in the vault with a verified receipt equal to the server's."""
    wanted = list(ids)
    rows = server_rows(server_folder)
    counts = Counter(row.referral_id for row in rows)
    duplicated = sorted(i for i, n in counts.items() if n > 1)
    missing = sorted(set(wanted) - set(counts))
    extra = sorted(set(counts) - set(wanted))
    assert not duplicated, duplicated
    assert not missing, missing
    assert not extra, extra
    assert len(rows) == len(wanted)
    by_id = {row.referral_id: row for row in rows}
    outbox = outbox_of(workspace)
    desk_names = {item.desk for item in outbox.items()}
    trusted = {}
    for desk in workspace.profile.desks:
        if desk.name in desk_names:
            raw = decode_public_key(desk.signing_key)
            trusted[key_id(raw)] = raw
    undelivered = []
    for referral_id in wanted:
        item = outbox.get(referral_id)
        package = outbox.package(referral_id)
        assert package_sha256(package) == item.package_sha256 == by_id[referral_id].sha256
        stored = outbox.receipt(referral_id)
        if item.state is not OutboxState.DELIVERED or not item.delivered or stored is None:
            undelivered.append((referral_id, item.state, item.last_reason))
            continue
        assert stored.document == by_id[referral_id].receipt, referral_id
        assert stored.certificate is not None
        receipt = check_intake_receipt(
            stored.document,
            stored.certificate,
            referral_id=referral_id,
            package_sha256=item.package_sha256,
            trusted=trusted,
        )
        assert receipt.referral_id == referral_id
        assert item.received_at == receipt.received_at
    assert not undelivered, undelivered[:5]
