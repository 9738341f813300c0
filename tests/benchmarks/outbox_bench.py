"""The outbox benchmark: one command, a table on stdout and a JSON file.

    python -m tests.benchmarks.outbox_bench [--quick] [--singles N] [--queued N] [--out FILE]

An advisor's vault with its device enrolled at a desk, and the desk's intake server in a child
process (uvicorn over TLS with a trustme CA on 127.0.0.1, durable SQLite, a signed receipt per
package; the per-device rate limit lifted, see below). Measured in the same run:

- **sealed → verified receipt**, one referral at a time: ``confirm`` seals and queues it (timed
  on its own), then ``send`` — what "Send now" and the app's worker do — opens a connection,
  fetches and checks the intake certificate, posts, verifies the receipt and stores it. Beside
  it, the raw HTTP round trip of the same bytes to the same server with plain httpx: a signed
  POST on a new connection (TLS handshake included, as each sync opens one) and on a warm one.
  The three run round-robin, so a busy machine slows them alike.
- **1,000 queued items in one sync**, beside the same 1,000 packages' bytes posted by one warm
  httpx client (signed before the clock starts) to the same server. The cost ratio is what the
  outbox adds: its vault transactions (``sending`` before, ``delivered`` after, history rows) and
  the receipt checks.

The raw posts file the same bytes under fresh referral ids (the server cannot see inside a
package), so the server does the same work for both. Aims (2 cores): p95 ≤ 200 ms per item
from sealed to verified receipt; a sync of 1,000 items ≤ 30 s.

The server's default per-device limit (a burst of 120, then 2 per second) would hold one device
with 1,000 items to about 440 s whatever the client does (the sender stops at the first 429 and
waits for its Retry-After); the benchmark measures the client, so its server allows 10,000
requests per second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.benchmarks.timing import stats

ROOT = Path(__file__).resolve().parents[2]
AIMS = {"seal_to_receipt_p95_ms": 200.0, "sync_1000_s": 30.0}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(folder: str, port: int, cert: str, key: str) -> None:
    """The intake server (``advisor-desk serve``'s app), the device limit lifted."""
    import datetime as dt

    import uvicorn

    from advisor_desktop.desk.server.app import IntakeSettings, Rate, build_app
    from advisor_desktop.desk.server.folder import load_server_folder
    from advisor_desktop.desk.server.run import Listen, uvicorn_config
    from advisor_desktop.desk.server.store import SqliteIntakeStore

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    checked = load_server_folder(Path(folder), now)
    store = SqliteIntakeStore(Path(folder))
    settings = IntakeSettings(device_rate=Rate(burst=100_000, per_second=10_000.0))
    app = build_app(checked, store, settings)
    listen = Listen("127.0.0.1", port, Path(cert), Path(key))
    uvicorn.Server(uvicorn_config(app, listen)).run()


def _start_server(folder: Path, port: int, tls: Any) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "tests.benchmarks.outbox_bench", "--serve", str(folder)]
    argv += [str(port), str(tls.cert), str(tls.key)]
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT)},
    )
    url = f"https://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/v1/health", verify=str(tls.ca), timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the intake server did not start")


def _signed(url: str, device: Any, body: bytes) -> tuple[str, dict[str, str]]:
    from advisor_desktop.protocol.http_signature import sign_request

    referral_id = str(uuid.uuid4())
    headers = sign_request(
        "POST", url + "/v1/referrals", body, device.key_id, device.key, idempotency_key=referral_id
    )
    headers["Content-Type"] = "application/octet-stream"
    return referral_id, headers


class _Device:
    """The advisor's device key, read from the vault, for the raw baseline's signatures."""

    def __init__(self, workspace: Any) -> None:
        from advisor_desktop.protocol.keys import key_id, raw_public

        self.key = workspace.referrals.device_keys.signing_key()
        self.key_id = key_id(raw_public(self.key.public_key()))


def run(
    quick: bool, workdir: Path, singles: int | None = None, queued: int | None = None
) -> dict[str, Any]:
    """Set up a desk, its server and an advisor; measure; returns the results document."""
    from advisor_desktop.app.outbox import outbox_of, send
    from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
    from advisor_desktop.referral.outbox import OutboxState
    from advisor_desktop.referral.transport import Timeouts
    from tests.intake.harness import make_tls
    from tests.outbox.harness import OutboxWorld

    singles = singles or (30 if quick else 200)
    queued = queued or (200 if quick else 1000)
    fast = KdfPolicy.fixed(KdfParams(time_cost=1, memory_kib=8192, lanes=1))  # setup only
    tls = make_tls(workdir / "tls")
    world = OutboxWorld(workdir / "world", fast, tls)
    port = _free_port()
    url = f"https://127.0.0.1:{port}"
    server = _start_server(world.desk.server_dir, port, tls)
    results: dict[str, Any] = {}
    try:
        options = world.options(server=url, timeouts=Timeouts(connect=10, read=30))
        with world.workspace() as ws:
            device = _Device(ws)
            outbox = outbox_of(ws)
            world.seal(1, workspace=ws)
            send(ws, options)  # warm-up: imports, first handshake, the server's caches
            seal_ms: list[float] = []
            receipt_ms: list[float] = []
            both_ms: list[float] = []
            cold_ms: list[float] = []
            warm_ms: list[float] = []
            lost = 0
            with httpx.Client(verify=str(tls.ca), timeout=30) as warm:
                warm.get(url + "/v1/health")
                for _ in range(singles):
                    start = time.perf_counter()
                    [referral_id] = world.seal(1, workspace=ws)
                    sealed = time.perf_counter()
                    report = send(ws, options)[0]
                    done = time.perf_counter()
                    if report.delivered != [referral_id] or not outbox.get(referral_id).delivered:
                        lost += 1
                    seal_ms.append((sealed - start) * 1000)
                    receipt_ms.append((done - sealed) * 1000)
                    both_ms.append((done - start) * 1000)
                    body = outbox.package(referral_id)
                    _rid, headers = _signed(url, device, body)
                    start = time.perf_counter()
                    with httpx.Client(verify=str(tls.ca), timeout=30) as cold:
                        answer = cold.post(url + "/v1/referrals", content=body, headers=headers)
                    cold_ms.append((time.perf_counter() - start) * 1000)
                    assert answer.status_code == 201, answer.text
                    _rid, headers = _signed(url, device, body)
                    start = time.perf_counter()
                    answer = warm.post(url + "/v1/referrals", content=body, headers=headers)
                    warm_ms.append((time.perf_counter() - start) * 1000)
                    assert answer.status_code == 201, answer.text
            results["seal"] = stats(seal_ms)
            results["sealed_to_receipt"] = {**stats(receipt_ms), "not_delivered": lost}
            results["seal_and_deliver"] = stats(both_ms)
            results["raw_post_new_connection"] = stats(cold_ms)
            results["raw_post_warm_connection"] = stats(warm_ms)

            start = time.perf_counter()
            ids = world.seal(queued, workspace=ws)
            seal_all = time.perf_counter() - start
            bodies = [outbox.package(i) for i in ids]
            marks: list[float] = []
            start = time.perf_counter()
            reports = send(ws, options, progress=lambda _o: marks.append(time.perf_counter()))
            sync_s = time.perf_counter() - start
            delivered = sum(1 for i in ids if outbox.get(i).state is OutboxState.DELIVERED)
            gaps = [(b - a) * 1000 for a, b in zip([start, *marks], marks, strict=False)]
            results["sync_queued"] = {
                **stats(gaps),
                "items": queued,
                "delivered": delivered,
                "total_s": round(sync_s, 2),
                "items_per_s": round(queued / sync_s, 1),
                "stopped": reports[0].stopped,
                "seal_all_s": round(seal_all, 2),
            }
            signed = [_signed(url, device, body) for body in bodies]
        with httpx.Client(verify=str(tls.ca), timeout=30) as warm:
            warm.get(url + "/v1/health")
            each: list[float] = []
            codes: list[int] = []
            start = time.perf_counter()
            for (_rid, headers), body in zip(signed, bodies, strict=True):
                t0 = time.perf_counter()
                answer = warm.post(url + "/v1/referrals", content=body, headers=headers)
                each.append((time.perf_counter() - t0) * 1000)
                codes.append(answer.status_code)
            raw_s = time.perf_counter() - start
        results["raw_queued"] = {
            **stats(each),
            "items": queued,
            "status_201": codes.count(201),
            "total_s": round(raw_s, 2),
            "items_per_s": round(queued / raw_s, 1),
        }
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    sync_row, raw_row = results["sync_queued"], results["raw_queued"]
    return {
        "benchmark": "outbox",
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "quick": quick,
        "package_bytes": len(bodies[0]),
        "aims": AIMS,
        "results": results,
        "cost_ratio_vs_raw": {
            "per_item_p95": round(
                results["sealed_to_receipt"]["p95_ms"]
                / max(results["raw_post_new_connection"]["p95_ms"], 0.01),
                2,
            ),
            "sync_total": round(sync_row["total_s"] / max(raw_row["total_s"], 0.001), 2),
        },
    }


def table(doc: dict[str, Any]) -> str:
    """The results as a plain-text table."""
    res = doc["results"]
    lines = [
        f"outbox, TLS on loopback, server in a child process, {doc['cpus']} CPUs, "
        f"{doc['package_bytes']}-byte packages",
        f"{'measurement':<34} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}",
    ]
    for name in (
        "seal",
        "sealed_to_receipt",
        "seal_and_deliver",
        "raw_post_new_connection",
        "raw_post_warm_connection",
    ):
        row = res[name]
        lines.append(
            f"{name:<34} {row['n']:>5} {row['median_ms']:>10} {row['p95_ms']:>8} {row['max_ms']:>8}"
        )
    sync_row, raw_row = res["sync_queued"], res["raw_queued"]
    lines.append(
        f"{'one sync of ' + str(sync_row['items']) + ' queued items':<34} {sync_row['items']:>5} "
        f"{sync_row['median_ms']:>10} {sync_row['p95_ms']:>8} {sync_row['max_ms']:>8}   "
        f"{sync_row['total_s']} s, {sync_row['items_per_s']}/s, "
        f"{sync_row['delivered']} delivered"
    )
    lines.append(
        f"{'raw httpx POSTs of the same bytes':<34} {raw_row['items']:>5} "
        f"{raw_row['median_ms']:>10} {raw_row['p95_ms']:>8} {raw_row['max_ms']:>8}   "
        f"{raw_row['total_s']} s, {raw_row['items_per_s']}/s, {raw_row['status_201']} × 201"
    )
    ratio = doc["cost_ratio_vs_raw"]
    lines.append(
        f"cost vs raw HTTP: per item p95 ×{ratio['per_item_p95']} (vs a new connection), "
        f"sync ×{ratio['sync_total']}"
    )
    scale = 1000 / sync_row["items"]
    met = {
        "sealed → receipt p95 ≤ 200 ms": res["sealed_to_receipt"]["p95_ms"]
        <= AIMS["seal_to_receipt_p95_ms"],
        "1,000 items in one sync ≤ 30 s"
        + ("" if scale == 1 else f" (scaled ×{scale:g})"): sync_row["total_s"] * scale
        <= AIMS["sync_1000_s"],
        "nothing lost": res["sealed_to_receipt"]["not_delivered"] == 0
        and sync_row["delivered"] == sync_row["items"],
    }
    lines.append("aims: " + ", ".join(f"{k} {'ok' if v else 'MISSED'}" for k, v in met.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, write the JSON (or, internally, serve)."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.outbox_bench")
    parser.add_argument("--quick", action="store_true", help="30 single items, 200 queued")
    parser.add_argument("--out", default="outbox-bench.json", help="where to write the JSON")
    parser.add_argument("--singles", type=int, help="items sealed and sent one at a time")
    parser.add_argument("--queued", type=int, help="items queued for the one big sync")
    parser.add_argument("--serve", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        folder, port, cert, key = args.serve
        serve(folder, int(port), cert, key)
        return 0
    random.seed(1)
    with tempfile.TemporaryDirectory() as tmp:
        doc = run(args.quick, Path(tmp), args.singles, args.queued)
    print(table(doc))
    Path(args.out).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
