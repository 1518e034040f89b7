"""Small timing helpers: latency percentiles and throughput."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(latencies: list[float], wall: float | None = None) -> dict[str, float]:
    """Latencies in seconds -> ms percentiles and operations/second."""
    total = wall if wall is not None else sum(latencies)
    return {
        "count": len(latencies),
        "per_second": len(latencies) / total if total else float("nan"),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
    }


def timed(call: Callable[[], Any], repeat: int) -> dict[str, float]:
    latencies = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - start)
    return summary(latencies)
