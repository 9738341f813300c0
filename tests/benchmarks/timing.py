"""Timing helpers shared by the benchmarks (milliseconds; nearest-rank p95)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object]) -> float:
    """Run ``fn`` once; its wall time in milliseconds."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000.0


def stats(samples: list[float]) -> dict[str, float]:
    """Count, median, p95 and max of ``samples`` (milliseconds, rounded to 0.01)."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(max(samples), 2),
    }
