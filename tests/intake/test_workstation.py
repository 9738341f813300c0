"""The workstation and the server: ``pull`` stores what arrived exactly as ``import`` does and
acknowledges it, withdrawals reach the desk, ``push`` hands status messages to the device;
the desk's public file names the server."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.status_outbox import queue_status
from advisor_desktop.desk.sync import IntakeRefused
from advisor_desktop.desk.withdrawals import withdrawal_of
from advisor_desktop.desk.workstation import unlock_desk
from advisor_desktop.protocol.desk_public import parse_desk_public
from advisor_desktop.protocol.intake_api import build_withdrawal
from tests.desk.conftest import DESK_PASS, DeskRunner
from tests.intake.harness import LiveServer, TestDesk, Tls


def pull(desk: TestDesk, server: LiveServer, tls: Tls) -> tuple[int, str, str]:
    done = desk("pull", "--server", server.url, "--ca-file", str(tls.ca))
    return done.code, done.out, done.err


def acked(server: LiveServer) -> list[tuple[str, bool]]:
    with sqlite3.connect(server.folder / "intake.db") as conn:
        rows = conn.execute("SELECT referral_id, acked_at IS NOT NULL FROM packages ORDER BY seq")
        return [(str(r[0]), bool(r[1])) for r in rows]


def test_pull_stores_packages_and_acknowledges_them(
    desk: TestDesk, server: LiveServer, tls: Tls
) -> None:
    sent = []
    for device in desk.devices:
        with server.client(device.key) as client:
            for _ in range(3):
                referral_id, package = device.package(desk.recipient)
                client.deliver(referral_id, package)
                sent.append(referral_id)
    code, out, err = pull(desk, server, tls)
    assert code == 0, err
    assert "6 new" in out
    for referral_id in sent:
        assert f"received referral {referral_id}" in out
    listed = json.loads(desk("list", "--json").out)
    assert sorted(r["referral_id"] for r in listed) == sorted(sent)
    assert {r["source"] for r in listed} == {"server"}
    assert acked(server) == [(rid, True) for rid in sent]
    # Nothing waits any more; a second pull takes nothing.
    code, out, _err = pull(desk, server, tls)
    assert code == 0
    assert "0 new" in out
    shown = desk("show", sent[0][:8])
    assert shown.code == 0
    assert "Advisor 0" in shown.out


def test_a_withdrawal_reaches_the_workstation(desk: TestDesk, server: LiveServer, tls: Tls) -> None:
    device = desk.devices[0]
    referral_id, package = device.package(desk.recipient)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = build_withdrawal(referral_id, stamp, device.key)
    with server.client(device.key) as client:
        client.deliver(referral_id, package)
        assert client.withdraw(referral_id, document) == 201
        assert client.withdraw(referral_id, document) == 200
    code, out, err = pull(desk, server, tls)
    assert code == 0, err
    assert f"referral {referral_id} was withdrawn by the advisor ({stamp})" in out
    # The pull itself erased the referral's content, as `import` of a withdrawal file does.
    assert f"Referral {referral_id} was withdrawn by its advisor ({stamp})" in out
    shown = desk("show", referral_id[:8], "--json")
    assert shown.code == 0, shown.err
    assert "withdrawn" in shown.out
    assert json.loads(shown.out)["payload"] is None  # erased
    with unlock_desk(
        desk.runner.folder,
        bytearray(DESK_PASS.encode()),
        desk.runner.policy,
        stamp,
        need_identity=False,
    ) as opened:
        kept = withdrawal_of(opened.store, referral_id)
    assert kept is not None
    assert kept.withdrawal.device_key_id == device.key_id


def test_another_device_cannot_withdraw_a_referral(desk: TestDesk, server: LiveServer) -> None:
    first, second = desk.devices
    referral_id, package = first.package(desk.recipient)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with server.client(first.key) as client:
        client.deliver(referral_id, package)
    with server.client(second.key) as client:
        with pytest.raises(IntakeRefused) as not_its_own:
            client.withdraw(referral_id, build_withdrawal(referral_id, stamp, first.key))
        with pytest.raises(IntakeRefused) as not_its_referral:
            client.withdraw(referral_id, build_withdrawal(referral_id, stamp, second.key))
    assert not_its_own.value.status == 400
    assert not_its_referral.value.status == 409


def test_push_hands_status_messages_to_their_device(
    desk: TestDesk, server: LiveServer, tls: Tls
) -> None:
    device, other = desk.devices
    referral_id, package = device.package(desk.recipient)
    with server.client(device.key) as client:
        client.deliver(referral_id, package)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with unlock_desk(
        desk.runner.folder,
        bytearray(DESK_PASS.encode()),
        desk.runner.policy,
        stamp,
        need_identity=False,
    ) as opened:
        queue_status(opened.store, device.key_id, referral_id, b"opaque status blob 1", stamp)
        queue_status(opened.store, device.key_id, referral_id, b"opaque status blob 2", stamp)
    pushed = desk("push", "--server", server.url, "--ca-file", str(tls.ca))
    assert pushed.code == 0, pushed.err
    assert "Pushed 2" in pushed.out
    again = desk("push", "--server", server.url, "--ca-file", str(tls.ca))
    assert "Pushed 0" in again.out
    with server.client(device.key) as client:
        messages, following = client.statuses()
        later, _ = client.statuses(following)
    assert [m.blob for m in messages] == [b"opaque status blob 1", b"opaque status blob 2"]
    assert {m.referral_id for m in messages} == {referral_id}
    assert later == []
    with server.client(other.key) as client:
        assert client.statuses() == ([], 0)


def test_the_public_file_names_the_intake_server(tmp_path: Path, policy: KdfPolicy) -> None:
    runner = DeskRunner(tmp_path / "desk", policy)
    made = runner("init", "--name", "Central desk", "--intake-url", "https://intake.example.org")
    assert made.code == 0, made.err
    public = parse_desk_public(runner.public())
    assert public.intake_url == "https://intake.example.org"
    assert public.intake_certificate is None
    setup = runner("server-setup", "--server-dir", str(tmp_path / "server"))
    assert setup.code == 0, setup.err
    public = parse_desk_public(runner.public())
    assert public.intake_url == "https://intake.example.org"
    assert public.intake_certificate is not None
    served = json.loads((tmp_path / "server" / "desk-public.json").read_text(encoding="utf-8"))
    assert parse_desk_public(served) == public
    refused = DeskRunner(tmp_path / "other", policy)(
        "init", "--name", "Other desk", "--intake-url", "http://intake.example.org"
    )
    assert refused.code == 2
    assert not (tmp_path / "other" / "desk.db").exists()
