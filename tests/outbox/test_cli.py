"""``advisor outbox …`` and ``advisor sync`` end to end: the in-process CLI against the real
intake server on 127.0.0.1 over TLS. "delivered" is printed only once a verified receipt is
kept; a failure shows its reason and its next try; bad addresses are usage errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.intake.harness import LiveServer
from tests.outbox.harness import OutboxWorld


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listed(world: OutboxWorld) -> dict[str, dict[str, object]]:
    done = world.run("outbox", "list", "--json")
    assert done.code == 0, done.err
    return {item["referral_id"]: item for item in json.loads(done.out)}


def test_list_send_history_over_tls(world: OutboxWorld, live: LiveServer) -> None:
    ids = world.seal(2)
    before = world.run("outbox", "list")
    assert before.code == 0
    assert "queued, waiting to be sent" in before.out
    assert "delivered" not in before.out
    assert all(not item["delivered"] for item in listed(world).values())

    sent = world.run("outbox", "send", "--ca-file", str(world.tls.ca))
    assert sent.code == 0, sent.err
    for ref in ids:
        assert f"{ref}: delivered to Central desk (receipt verified and kept)" in sent.out
    items = listed(world)
    assert {items[r]["state"] for r in ids} == {"delivered"}
    assert all(items[r]["delivered"] and items[r]["receipt_source"] == "network" for r in ids)
    world.assert_exactly_once(ids)
    referrals = world.run("referral", "list")
    assert referrals.code == 0
    assert all(
        f"{ref}" in line and "delivered" in line
        for ref, line in zip(sorted(ids), sorted(referrals.out.strip().splitlines()), strict=True)
    )

    history = world.run("outbox", "history", ids[0])
    assert history.code == 0
    lines = history.out.strip().splitlines()
    assert [line.split("  ")[1] for line in lines] == [
        "- → queued",
        "queued → sending",
        "sending → delivered",
    ]
    as_json = json.loads(world.run("outbox", "history", ids[0], "--json").out)
    assert [s["to"] for s in as_json] == ["queued", "sending", "delivered"]

    again = world.run("sync", "--ca-file", str(world.tls.ca))
    assert again.code == 0, again.err
    assert "delivered" not in again.out
    assert "nothing was waiting" in again.out


def test_sync_with_the_desk_down_says_why_and_when_and_never_delivered(
    world: OutboxWorld,
) -> None:
    (ref,) = world.seal(1)
    url = f"https://127.0.0.1:{free_port()}"
    done = world.run("sync", "--server", url, "--ca-file", str(world.tls.ca))
    assert done.code == 1
    assert "delivered" not in done.out
    assert f"{ref}: not delivered: " in done.err
    assert "cannot be reached" in done.err
    assert "next try" in done.err
    item = listed(world)[ref]
    assert item["state"] == "failed"
    assert item["next_attempt_at"]
    assert "cannot be reached" in str(item["last_reason"])
    text = world.run("outbox", "list").out
    assert "not delivered yet" in text
    assert "next try" in text


def test_server_and_proxy_options_are_checked(world: OutboxWorld) -> None:
    world.seal(1)
    plain = world.run("sync", "--server", "http://desk.example.org")
    assert plain.code == 2
    assert "only used to this machine" in plain.err
    bad_proxy = world.run("sync", "--server", "https://127.0.0.1:9", "--proxy", "socks5://x:1")
    assert bad_proxy.code == 2
    assert "proxy" in bad_proxy.err
    no_ca = world.run("outbox", "send", "--ca-file", "/nonexistent/ca.pem")
    assert no_ca.code == 2


def test_sync_without_any_address_points_to_files(world: OutboxWorld) -> None:
    world.seal(1)
    done = world.run("sync")
    assert done.code == 2
    assert "No intake address is known" in done.err
    assert "export" in done.err


def test_export_then_import_receipt(world: OutboxWorld, tmp_path: Path) -> None:
    (ref,) = world.seal(1)
    out = tmp_path / "to-desk.referral"
    exported = world.run("outbox", "export", ref, "--out", str(out))
    assert exported.code == 0, exported.err
    assert "not delivered until" in exported.out
    assert listed(world)[ref]["exported_at"]
    assert listed(world)[ref]["state"] == "queued"
    receipts = tmp_path / "receipts"
    receipts.mkdir()
    assert world.desk("import", str(out), "--receipts", str(receipts)).code == 0
    (receipt,) = receipts.glob("*.receipt")
    imported = world.run("outbox", "import-receipt", str(receipt))
    assert imported.code == 0, imported.err
    assert f"{ref}: delivered to Central desk" in imported.out
    assert listed(world)[ref]["receipt_source"] == "file"
    forged = tmp_path / "forged.receipt"
    forged.write_bytes(receipt.read_bytes().replace(b'"received_at":"2', b'"received_at":"1'))
    refused = world.run("outbox", "import-receipt", str(forged))
    assert refused.code == 7
    missing = world.run("outbox", "history", "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")
    assert missing.code == 1
