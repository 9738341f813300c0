"""The anonymiser benchmark runs end to end at a tiny size and reports every input (no timings:
speed is the benchmark's to show)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.benchmarks.anonymiser_bench import inputs

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_reports_every_input(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.anonymiser_bench",
            "--quick",
            "--chars",
            "400",
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
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["results"]) == set(inputs(400))
    for name, row in report["results"].items():
        assert row["n"] == 3, name
        assert row["median_ms"] >= row["baseline_median_ms"] >= 0, name
        assert name in done.stdout
    # The normal texts are not empty of findings: the benchmark measures real work.
    assert report["results"]["normal_en_mixed"]["redactions"] > 10


def test_every_input_has_the_size_asked() -> None:
    assert {len(text) for text in inputs(1234).values()} == {1234}
