"""The vault and outbox benchmarks run end to end at a tiny size and report every metric (no
timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMED = ("search_rare", "search_common_top50", "save_add", "save_update", "open")
BACKENDS = ("sqlite", "sqlcipher-unkeyed", "sqlcipher")


def test_benchmark_reports_every_metric(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.vault_bench",
            "--records",
            "500",
            "--fast-kdf",
            "--dir",
            str(tmp_path),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "aims" in done.stdout
    report = json.loads(out.read_text(encoding="utf-8"))

    by_backend = report["results"]["500"]
    assert set(by_backend) == set(BACKENDS)
    for backend in BACKENDS:
        result = by_backend[backend]
        assert result["records"] == 500
        assert result["import_s"] > 0
        assert result["import_cpu_s"] > 0
        for metric in TIMED:
            for key in ("p50_ms", "p95_ms", "max_ms", "mean_ms", "n"):
                assert result[metric][key] >= 0, (backend, metric, key)
            assert result[metric]["n"] > 0
        assert result["search_rare"]["mean_hits"] >= 1
        assert result["search_common_top50"]["mean_hits"] == 50
        assert result["db_size_mib"] > 0
        assert result["peak_rss_mib"] > result["rss_before_db_mib"] > 0

    for versus in ("vs_sqlite", "vs_sqlcipher_unkeyed"):
        ratios = report["overhead"]["500"][versus]
        assert "overall (geomean)" in ratios
        assert all(value > 0 for value in ratios.values())

    unlock = report["unlock"]
    assert unlock["kdf"]["p50_ms"] > 0
    assert unlock["unlock"]["p50_ms"] >= unlock["kdf"]["p50_ms"] * 0.5
    assert unlock["kdf_params"]["memory_kib"] > 0

    names = {aim["aim"] for aim in report["aims"]}
    assert len(names) == 7
    assert all(isinstance(aim["met"], bool) for aim in report["aims"])
    for key in ("sqlcipher_version", "stdlib_sqlite", "schema_note", "cpus"):
        assert report["meta"][key]
    # The benchmark leaves no database behind in its work folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.json"]


def test_outbox_benchmark_reports_every_metric(tmp_path: Path) -> None:
    out = tmp_path / "outbox.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.outbox_bench",
            "--singles",
            "3",
            "--queued",
            "10",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "aims: " in done.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    results = report["results"]
    for name in (
        "seal",
        "sealed_to_receipt",
        "seal_and_deliver",
        "raw_post_new_connection",
        "raw_post_warm_connection",
    ):
        assert results[name]["n"] == 3, name
        assert 0 < results[name]["median_ms"] <= results[name]["max_ms"], name
    assert results["sealed_to_receipt"]["not_delivered"] == 0
    assert results["sync_queued"]["delivered"] == results["sync_queued"]["items"] == 10
    assert results["raw_queued"]["status_201"] == 10
    assert report["cost_ratio_vs_raw"]["sync_total"] > 0
