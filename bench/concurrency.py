"""Several fresh processes running one worker at the same moment.

Processes are spawned, not forked: a forked child would inherit the parent's
pooled database connections (MLflow keeps an engine per URL), and two processes
talking over one socket corrupt each other's transactions. Each worker opens its
own connections, then waits at a barrier so the timed part starts together.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable
from typing import Any, Protocol


class StartSignal(Protocol):
    def wait(self, timeout: float | None = None) -> int: ...


# (url, line, count, start) -> (registered, errors surfaced to the caller, seconds)
Worker = Callable[[str, str, int, StartSignal], tuple[int, int, float]]

WORKER_TIMEOUT_SECONDS = 600


def count_outcomes(
    register_one: Callable[[int], object], count: int, start: StartSignal
) -> tuple[int, int, float]:
    """The timed part of a worker: wait for the others, register ``count`` versions.

    Every exception a caller would see counts as an error; (done, errors, seconds).
    """
    errors = done = 0
    start.wait()
    began = time.perf_counter()
    for index in range(count):
        try:
            register_one(index)
            done += 1
        except Exception:
            errors += 1
    return done, errors, time.perf_counter() - began


def _run(target: Callable[..., Any], results: Any, start: Any, args: tuple[Any, ...]) -> None:
    try:
        results.put(("ok", target(*args, start)))
    except BaseException as error:  # reported to the parent, which raises it
        start.abort()
        results.put(("failed", f"{type(error).__name__}: {error}"))


def at_barrier(target: Callable[..., Any], arguments: list[tuple[Any, ...]]) -> list[Any]:
    """``target(*args, start)`` in one spawned process per ``args``, started together.

    Each process calls ``start.wait()`` when it is ready; the results come back
    in completion order. A failure in any process is raised here.
    """
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(arguments))
    results = context.Queue()
    processes = [
        context.Process(target=_run, args=(target, results, start, args)) for args in arguments
    ]
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=WORKER_TIMEOUT_SECONDS) for _ in processes]
    except queue.Empty as silence:
        raise RuntimeError(
            f"a worker process gave no result in {WORKER_TIMEOUT_SECONDS} s"
        ) from silence
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    failures = [detail for status, detail in outcomes if status == "failed"]
    if failures:
        raise RuntimeError(f"a worker process failed: {failures[0]}")
    return [detail for _, detail in outcomes]


def run_concurrent(
    worker: Worker,
    url: str,
    line: str,
    count: int,
    workers: int,
    version_numbers: Callable[[], list[int]],
) -> dict[str, Any]:
    """Run ``worker`` in ``workers`` processes at once on one model line.

    Totals, the slowest worker's wall time, and whether the line's version
    numbers (read by ``version_numbers`` afterwards) are unique and gapless.
    """
    totals = at_barrier(worker, [(url, line, count)] * workers)
    done = sum(t[0] for t in totals)
    wall = max(t[2] for t in totals)
    numbers = version_numbers()
    return {
        "registered": done,
        "errors": sum(t[1] for t in totals),
        "per_second": done / wall if wall else 0.0,
        "seconds": wall,
        "gapless_unique": numbers == list(range(1, len(numbers) + 1)),
        "versions": len(numbers),
    }
