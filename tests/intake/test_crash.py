"""Crash safety of the intake server: SIGKILL at random moments while a client posts 200
packages and retries until each has a receipt. Afterwards every package that got a receipt is
in the store, byte for byte and once, the receipts are the stored ones, and SQLite's
integrity check passes."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from advisor_desktop.crypto.keyslots import KdfPolicy
from advisor_desktop.desk.sync import IntakeClient, IntakeRefused, IntakeUnreachable
from advisor_desktop.protocol.keys import decode_public_key
from advisor_desktop.protocol.receipt import package_sha256, verify_intake_receipt_signature
from tests.intake.harness import TestDesk

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = 200
KILLS = 8


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """``advisor-desk serve`` in a child process, killed and started again on demand."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "advisor_desktop.cli.desk.main",
                "serve",
                "--listen",
                f"127.0.0.1:{self.port}",
                "--server-dir",
                str(self.folder),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        self.starts += 1
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the server did not come up")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.mark.slow
def test_killed_at_random_the_server_loses_no_receipted_package(
    tmp_path: Path, policy: KdfPolicy
) -> None:
    desk = TestDesk(tmp_path, policy, devices=4)
    packages = [desk.devices[i % 4].package(desk.recipient) for i in range(PACKAGES)]
    server = ServerProcess(desk.server_dir, free_port())
    server.start()
    done = threading.Event()
    chaos = random.Random(20260402)

    def killer() -> None:
        for _ in range(KILLS):
            if done.wait(chaos.uniform(0.05, 0.4)):
                return
            server.kill()
            server.start()

    thread = threading.Thread(target=killer, name="killer")
    thread.start()
    receipts: dict[str, bytes] = {}
    clients = {d.key_id: IntakeClient(server.url, d.key, timeout=5) for d in desk.devices}
    try:
        for index, (referral_id, package) in enumerate(packages):
            client = clients[desk.devices[index % 4].key_id]
            for _attempt in range(300):
                try:
                    receipts[referral_id] = client.deliver(referral_id, package).receipt
                    break
                except IntakeUnreachable:
                    time.sleep(0.05)
                except IntakeRefused as exc:
                    if exc.status not in {429, 503}:
                        raise
                    time.sleep(exc.retry_after or 1)
            else:
                raise AssertionError(f"package {index} never got a receipt")
    finally:
        done.set()
        thread.join(timeout=120)
        for client in clients.values():
            client.close()
        server.kill()
    assert server.starts >= 4  # killed at least three times while posting
    assert len(receipts) == PACKAGES

    certificate = json.loads((desk.server_dir / "intake-certificate.json").read_bytes())
    intake_key = decode_public_key(certificate["certificate"]["intake_key"])
    with sqlite3.connect(desk.server_dir / "intake.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT referral_id, sha256, data, receipt FROM packages").fetchall()
    by_id = {row[0]: row for row in rows}
    assert len(rows) == len(by_id) == PACKAGES  # every one stored, none twice
    for referral_id, package in packages:
        _rid, digest, data, stored_receipt = by_id[referral_id]
        assert digest == package_sha256(package)
        assert bytes(data) == package
        assert bytes(stored_receipt) == receipts[referral_id]
        assert verify_intake_receipt_signature(receipts[referral_id], intake_key).matches(package)
