"""Exactly once when the advisor's program dies mid-send: ``advisor outbox send`` and
``advisor sync`` run as child processes and are killed with SIGKILL at seeded random moments
(during start-up, between requests, while a request is on the wire, right after the server
stored a package but before the vault recorded its receipt), then started again, until a run
finishes. Every referral is then in the server's store exactly once, delivered in the vault with
a receipt that verifies, and the vault opens and lists its outbox."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisor_desktop.app.outbox import outbox_of
from advisor_desktop.desk.server.app import IntakeSettings, Rate
from advisor_desktop.referral.outbox import OutboxState
from tests.helpers.fault_proxy import Fault, FaultProxy, Schedule
from tests.intake.harness import Tls
from tests.outbox.delivery_checks import assert_exactly_once
from tests.outbox.harness import OutboxWorld

ROOT = Path(__file__).resolve().parents[2]
RUN_CLI = ROOT / "tests" / "helpers" / "run_cli.py"
SEED = 4711
ITEMS = 60
KILLS = 14
UNLIMITED = IntakeSettings(
    device_rate=Rate(burst=100_000, per_second=10_000.0), enrolment_check_seconds=0.0
)


def start(world: OutboxWorld, url: str, command: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, str(RUN_CLI), "--data-dir", str(world.data_dir)]
    argv += [*command.split(), "--server", url, "--ca-file", str(world.tls.ca)]
    env = {
        **os.environ,
        "ADVISOR_PASSPHRASE": world.passphrase,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        env.pop(name, None)
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_killed_at_random_moments_and_restarted_every_referral_arrives_once(
    world: OutboxWorld, tls: Tls
) -> None:
    rng = random.Random(SEED)
    started = time.monotonic()
    with world.server(UNLIMITED) as live:
        ids = world.seal(ITEMS)
        # A slow line (every request held 10–60 ms) so that kills land while requests travel.
        slow = Schedule(SEED, {Fault.DELAY: 1}, delay=(0.01, 0.06))
        with FaultProxy(live.url, cert=tls.cert, key=tls.key, ca=tls.ca, schedule=slow) as proxy:
            kills, runs, moments = 0, 0, []
            while kills < KILLS:
                command = rng.choice(("outbox send", "sync"))
                seen = len(proxy.entries())
                proc = start(world, proxy.url, command)
                runs += 1
                if rng.random() < 0.3:
                    # Anywhere: start-up, opening the vault, the first requests.
                    moment = f"after {rng.uniform(0.2, 1.2):.2f} s"
                    time.sleep(float(moment.split()[1]))
                else:
                    # Mid-send: after a few more requests answered, plus a slice of one.
                    more = rng.randint(1, 4)
                    moment = f"after {more} requests"
                    deadline = time.monotonic() + 30
                    while len(proxy.entries()) < seen + more and proc.poll() is None:
                        assert time.monotonic() < deadline, "the send made no progress"
                        time.sleep(0.002)
                    time.sleep(rng.uniform(0.0, 0.04))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    kills += 1
                    moments.append(moment)
                proc.communicate(timeout=30)
                if proc.returncode == 0 and all(
                    s is OutboxState.DELIVERED for s in world.states().values()
                ):
                    break  # a run finished before it could be killed: everything is there
            # Restarted without a kill until a run finishes.
            for _ in range(5):
                proc = start(world, proxy.url, "outbox send")
                _out, err = proc.communicate(timeout=120)
                runs += 1
                if proc.returncode == 0:
                    break
            assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
            log = proxy.entries()

    listed = world.run("outbox", "list", "--json")  # the vault opens after all that
    assert listed.code == 0, listed.err
    assert {row["referral_id"] for row in json.loads(listed.out) if row["delivered"]} == set(ids)
    with world.workspace() as ws:
        assert_exactly_once(ws, ids, world.desk.server_dir)
        # Items a killed run left 'sending' that the next one had to resolve.
        found_sending = sum(
            1
            for i in ids
            for t in outbox_of(ws).history(i)
            if t.from_state is OutboxState.SENDING and t.to_state is OutboxState.QUEUED
        )
    world.assert_exactly_once(ids)
    assert kills >= KILLS // 2, kills
    posts = sum(1 for e in log if e.method == "POST" and e.path == "/v1/referrals")
    asked = sum(1 for e in log if e.path.startswith("/v1/receipts/"))
    print(
        f"\nkill: {ITEMS} items, {kills} SIGKILLs ({', '.join(moments)}), {runs} runs, "
        f"{len(log)} requests ({posts} POST, {asked} receipt GETs), {found_sending} items "
        f"found 'sending' and not at the server, {time.monotonic() - started:.1f} s"
    )
