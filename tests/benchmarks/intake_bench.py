"""The intake server benchmark: one command, a table on stdout and a JSON file.

    python -m tests.benchmarks.intake_bench [--quick] [--out FILE.json]

20 concurrent clients (one enrolled device each) post 50 sealed packages each over TLS on
loopback to ``advisor-desk serve`` (a child process: signature checks, nonce, durable SQLite
with synchronous=FULL, a signed receipt per package), and the very same signed requests to a
bare Starlette endpoint under the same uvicorn and TLS that reads the body and answers 201.
The ratio is the cost of the signatures and the durable store. Requests are signed before the
clock starts, so both servers get identical bytes. Aims (2 cores): ≥ 100 packages/s, p95 ≤
100 ms, nothing lost (every package answered 201 and in the store once).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.benchmarks.timing import stats

ROOT = Path(__file__).resolve().parents[2]
AIMS = {"throughput_per_s": 100.0, "p95_ms": 100.0}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bare_server(port: int, cert: str, key: str) -> None:
    """The baseline: the same stack (uvicorn, TLS, Starlette), no checks, no store."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def referrals(request: Request) -> Response:
        body = await request.body()
        return Response(b'{"stored":%d}' % len(body), 201, media_type="application/json")

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route("/v1/referrals", referrals, methods=["POST"]),
            Route("/v1/health", health, methods=["GET"]),
        ]
    )
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        ssl_certfile=cert,
        ssl_keyfile=key,
        access_log=False,
        log_level="warning",
        server_header=False,
    )


def _start(argv: list[str], url: str, ca: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        argv,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT)},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/v1/health", verify=ca, timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def _run_clients(
    url: str, ca: str, requests: list[list[tuple[dict[str, str], bytes]]]
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(requests) + 1)

    def client(batch: list[tuple[dict[str, str], bytes]]) -> None:
        mine: list[float] = []
        codes: list[int] = []
        with httpx.Client(verify=ca, timeout=30) as http:
            http.get(url + "/v1/health")  # connect and handshake before the clock starts
            barrier.wait()
            for headers, body in batch:
                start = time.perf_counter()
                answer = http.post(url + "/v1/referrals", content=body, headers=headers)
                mine.append((time.perf_counter() - start) * 1000.0)
                codes.append(answer.status_code)
        with lock:
            latencies.extend(mine)
            statuses.extend(codes)

    threads = [threading.Thread(target=client, args=(b,)) for b in requests]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    total = sum(len(b) for b in requests)
    row: dict[str, Any] = stats(latencies)
    row["throughput_per_s"] = round(total / wall, 1)
    row["wall_s"] = round(wall, 2)
    row["status_201"] = statuses.count(201)
    return row


def run(quick: bool, workdir: Path) -> dict[str, Any]:
    """Set up a desk and its server folder, run both servers; returns the results document."""
    from advisor_desktop.crypto.keyslots import KdfParams, KdfPolicy
    from advisor_desktop.protocol.http_signature import sign_request
    from tests.intake.harness import TestDesk, make_tls

    clients, per_client = (20, 10) if quick else (20, 50)
    fast = KdfPolicy.fixed(KdfParams(time_cost=1, memory_kib=8192, lanes=1))  # setup only
    desk = TestDesk(workdir, fast, devices=clients)
    tls = make_tls(workdir / "tls")
    ca = str(tls.ca)
    port = _free_port()
    url = f"https://127.0.0.1:{port}"
    packages = [[d.package(desk.recipient) for _ in range(per_client)] for d in desk.devices]

    def signed() -> list[list[tuple[dict[str, str], bytes]]]:
        return [
            [
                (
                    {
                        **sign_request(
                            "POST",
                            url + "/v1/referrals",
                            body,
                            device.key_id,
                            device.key,
                            idempotency_key=referral_id,
                        ),
                        "Content-Type": "application/octet-stream",
                    },
                    body,
                )
                for referral_id, body in batch
            ]
            for device, batch in zip(desk.devices, packages, strict=True)
        ]

    results: dict[str, Any] = {}
    bare = _start(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.intake_bench",
            "--bare-server",
            str(port),
            str(tls.cert),
            str(tls.key),
        ],
        url,
        ca,
    )
    try:
        results["bare_starlette"] = _run_clients(url, ca, signed())
    finally:
        bare.kill()
        bare.wait()
    intake = _start(
        [
            sys.executable,
            "-m",
            "advisor_desktop.cli.desk.main",
            "serve",
            "--listen",
            f"127.0.0.1:{port}",
            "--server-dir",
            str(desk.server_dir),
            "--tls-cert",
            str(tls.cert),
            "--tls-key",
            str(tls.key),
        ],
        url,
        ca,
    )
    try:
        results["intake_server"] = _run_clients(url, ca, signed())
    finally:
        intake.terminate()
        intake.wait(timeout=30)
    with sqlite3.connect(desk.server_dir / "intake.db") as conn:
        stored = conn.execute(
            "SELECT count(DISTINCT referral_id), count(*) FROM packages"
        ).fetchone()
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    total = clients * per_client
    intake_row = results["intake_server"]
    intake_row["stored"] = int(stored[0])
    intake_row["lost"] = total - int(stored[0]) + (int(stored[1]) - int(stored[0]))
    intake_row["integrity_check"] = integrity
    ratio = {
        "throughput": round(
            results["bare_starlette"]["throughput_per_s"] / intake_row["throughput_per_s"], 2
        ),
        "p95": round(intake_row["p95_ms"] / max(results["bare_starlette"]["p95_ms"], 0.01), 2),
    }
    return {
        "benchmark": "intake",
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "quick": quick,
        "clients": clients,
        "packages_per_client": per_client,
        "package_bytes": len(packages[0][0][1]),
        "aims": AIMS,
        "results": results,
        "cost_ratio_vs_bare": ratio,
    }


def table(doc: dict[str, Any]) -> str:
    """The results as a plain-text table."""
    lines = [
        f"{doc['clients']} clients × {doc['packages_per_client']} packages "
        f"({doc['package_bytes']} bytes each), TLS on loopback, {doc['cpus']} CPUs",
        f"{'server':<15} {'n':>5} {'pkg/s':>7} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} "
        f"{'201s':>5} {'lost':>5}",
    ]
    for name, row in doc["results"].items():
        lines.append(
            f"{name:<15} {row['n']:>5} {row['throughput_per_s']:>7} {row['median_ms']:>10} "
            f"{row['p95_ms']:>8} {row['max_ms']:>8} {row['status_201']:>5} "
            f"{row.get('lost', ''):>5}"
        )
    intake = doc["results"]["intake_server"]
    met = {
        "throughput ≥ 100/s": intake["throughput_per_s"] >= AIMS["throughput_per_s"],
        "p95 ≤ 100 ms": intake["p95_ms"] <= AIMS["p95_ms"],
        "nothing lost": intake["lost"] == 0 and intake["status_201"] == intake["n"],
        "integrity_check ok": intake["integrity_check"] == "ok",
    }
    ratio = doc["cost_ratio_vs_bare"]
    lines.append(f"cost vs bare Starlette: throughput ÷{ratio['throughput']}, p95 ×{ratio['p95']}")
    lines.append("aims: " + ", ".join(f"{k} {'ok' if v else 'MISSED'}" for k, v in met.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, write the JSON (or, internally, serve the bare baseline)."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.intake_bench")
    parser.add_argument("--quick", action="store_true", help="20 clients × 10 packages")
    parser.add_argument("--out", default="intake-bench.json", help="where to write the JSON")
    parser.add_argument(
        "--bare-server", nargs=3, metavar=("PORT", "CERT", "KEY"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.bare_server:
        bare_server(int(args.bare_server[0]), args.bare_server[1], args.bare_server[2])
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        doc = run(args.quick, Path(tmp))
    print(table(doc))
    Path(args.out).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
