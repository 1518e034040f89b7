"""Several fresh processes running one worker at the same moment.

Processes are spawned, not forked: a forked child would inherit the parent's
pooled database connections (MLflow keeps an engine per URL), and two processes
talking over one socket corrupt each other's transactions. Each worker opens its
own connections, then waits at a barrier so the timed part starts together.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable
from typing import Any, Protocol


class StartSignal(Protocol):
    def wait(self, timeout: float | None = None) -> int: ...


# (url, line, count, start) -> (registered, errors surfaced to the caller, seconds)
Worker = Callable[[str, str, int, StartSignal], tuple[int, int, float]]

WORKER_TIMEOUT_SECONDS = 600


def _run(worker: Worker, results: Any, url: str, line: str, count: int, start: Any) -> None:
    try:
        results.put(("ok", worker(url, line, count, start)))
    except BaseException as error:  # reported to the parent, which raises it
        start.abort()
        results.put(("failed", f"{type(error).__name__}: {error}"))


def run_concurrent(worker: Worker, url: str, line: str, count: int, workers: int) -> dict[str, Any]:
    """Run ``worker`` in ``workers`` processes at once; totals and the slowest wall time."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(target=_run, args=(worker, results, url, line, count, start))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=WORKER_TIMEOUT_SECONDS) for _ in processes]
    except queue.Empty as silence:
        raise RuntimeError(
            f"a concurrent worker gave no result in {WORKER_TIMEOUT_SECONDS} s"
        ) from silence
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    failures = [detail for status, detail in outcomes if status == "failed"]
    if failures:
        raise RuntimeError(f"concurrent worker failed: {failures[0]}")
    totals = [detail for _, detail in outcomes]
    done = sum(t[0] for t in totals)
    wall = max(t[2] for t in totals)
    return {
        "registered": done,
        "errors": sum(t[1] for t in totals),
        "per_second": done / wall if wall else 0.0,
        "seconds": wall,
    }
