"""Benchmark: how fast a follower reads the event log, and how soon a long poll wakes after a write.

    python bench/events_bench.py --backend postgresql --events 20000 --wakeups 100
    python bench/events_bench.py --backend sqlite --events 20000 --wakeups 30
    python bench/events_bench.py --backend sqlite --quick      # a reduced run, to check

Figures:

- **follower read rate**: a log of ``--events`` events (one batch registration,
  so one event per version), read from 0 to the end after a cursor, a page of
  ``--page`` at a time: through the library (``Registry.events_after``) and
  over HTTP (``GET /api/v1/events?after=``, one keep-alive connection).
- **wake-up latency, commit to answer**: two ``atlas-registry serve`` processes
  on one database; a client long-polls server B (``wait=30``) while this
  process registers a model through the library. The latency runs from the
  moment the write's COMMIT returned to the moment the long poll's answer is
  read: NOTIFY to B's listener, B's read of the log, B's HTTP answer. On
  PostgreSQL the target is a p50 under 50 ms.
- **wake-up latency, request to answer**: the same with the write sent over
  HTTP to server A, counted from the moment the request is sent (so it holds
  the write itself and both HTTP round trips).

On SQLite the wake-up is the waiter's tenth-of-a-second poll, not NOTIFY.
Prints a JSON document (also written with ``--out``) and each target with
"met" or "MISSED". Timings are figures to read, not a test: the machine's load
moves them (say so when writing them down).
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from atlas_registry import Registry, SchemaAdmin
from bench import atlas_side
from bench.http_side import registration_body, served
from bench.registry_bench import fresh_database
from bench.timing import summary

WAKE_TARGET_P50_MS = 50.0


def fill(url: str, events: int) -> None:
    with Registry.open(url) as registry:
        chunk = 5000
        for first in range(0, events, chunk):
            count = min(chunk, events - first)
            registry.register_models(
                [atlas_side.registration(first + i, None) for i in range(count)]
            )


def library_read(url: str, page: int) -> dict[str, float]:
    with Registry.open(url) as registry:
        after, read, began = 0, 0, time.perf_counter()
        while found := registry.events_after(after, limit=page):
            after, read = found[-1].id, read + len(found)
        seconds = time.perf_counter() - began
    return {"events": read, "seconds": seconds, "per_second": read / seconds}


def _get(connection: http.client.HTTPConnection, path: str) -> Any:
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
    return json.loads(body)


def http_read(port: int, page: int) -> dict[str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    after, read, began = 0, 0, time.perf_counter()
    while items := _get(connection, f"/api/v1/events?after={after}&limit={page}")["items"]:
        after, read = items[-1]["id"], read + len(items)
    seconds = time.perf_counter() - began
    return {"events": read, "seconds": seconds, "per_second": read / seconds}


def wake_latencies(reader_port: int, count: int, write: Callable[[int], float]) -> list[float]:
    """``count`` writes, each waited for by a long poll on ``reader_port``.

    ``write(index)`` makes one write and returns the moment the latency counts
    from (time.perf_counter()); the latency ends when the poll's answer is read.
    """
    reads = http.client.HTTPConnection("127.0.0.1", reader_port, timeout=60)
    after = _last_id(reads)
    _get(reads, f"/api/v1/events?after={after}&wait=1")  # the reader's listener is up
    latencies = []
    for index in range(count):
        answer: dict[str, Any] = {}
        path = f"/api/v1/events?after={after}&wait=30"
        poll = threading.Thread(target=_into, args=(answer, reads, path))
        poll.start()
        time.sleep(0.1)  # the poll is waiting
        counted_from = write(index)
        poll.join()
        latencies.append(answer["answered_at"] - counted_from)
        if not answer["items"]:
            raise RuntimeError("a long poll timed out: no wake-up within 30 s")
        after = answer["next_after"]
    return latencies


def http_writes(write_port: int, token: str) -> Callable[[int], float]:
    """Registrations sent over HTTP; the latency counts from the moment a request is sent."""
    writes = http.client.HTTPConnection("127.0.0.1", write_port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def write(index: int) -> float:
        body = json.dumps(registration_body(90_000_000 + index))
        sent = time.perf_counter()
        writes.request("POST", "/api/v1/models", body=body, headers=headers)
        writes.getresponse().read()
        return sent

    return write


def library_writes(registry: Registry) -> Callable[[int], float]:
    """Registrations through the library; the latency counts from the moment COMMIT returned."""

    def write(index: int) -> float:
        registry.register_model(atlas_side.registration(80_000_000 + index, None))
        return time.perf_counter()

    return write


def _into(answer: dict[str, Any], connection: http.client.HTTPConnection, path: str) -> None:
    answer.update(_get(connection, path))
    answer["answered_at"] = time.perf_counter()


def _last_id(connection: http.client.HTTPConnection) -> int:
    after = 0
    while items := _get(connection, f"/api/v1/events?after={after}&limit=1000")["items"]:
        after = items[-1]["id"]
    return after


def run(backend: str, pg_url: str, events: int, page: int, wakeups: int) -> dict[str, Any]:
    report: dict[str, Any] = {"backend": backend, "events": events, "page": page}
    with fresh_database(backend, pg_url, "events") as url:
        with SchemaAdmin.open(url, create=True) as admin:
            admin.migrate()
        fill(url, events)
        report["library_read"] = library_read(url, page)
        with (
            served(url, 1) as (write_port, token),
            served(url, 1) as (reader_port, _token),
            Registry.open(url) as registry,
        ):
            report["http_read"] = http_read(reader_port, page)
            committed = summary(wake_latencies(reader_port, wakeups, library_writes(registry)))
            report["wake_after_commit"] = committed
            sent = summary(wake_latencies(reader_port, wakeups, http_writes(write_port, token)))
            report["wake_after_request"] = sent
    report["targets"] = targets(report)
    return report


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The wake-up target (PostgreSQL: NOTIFY; SQLite polls, so it is shown, not judged)."""
    if report["backend"] != "postgresql":
        return []
    p50 = report["wake_after_commit"]["p50_ms"]
    return [
        {
            "name": "commit to long-poll answer on another server, p50 (ms)",
            "target": f"< {WAKE_TARGET_P50_MS:g}",
            "measured": round(p50, 1),
            "met": p50 < WAKE_TARGET_P50_MS,
        }
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--wakeups", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="2,000 events, 5 wake-ups")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    args = parser.parse_args(argv)
    events, wakeups = (2000, 5) if args.quick else (args.events, args.wakeups)
    report = run(args.backend, args.pg_url, events, args.page, wakeups)
    document = json.dumps(report, indent=2)
    print(document)
    if args.out is not None:
        args.out.write_text(document + "\n", encoding="utf-8")
    for target in report["targets"]:
        verdict = "met" if target["met"] else "MISSED"
        print(f"{target['name']}: {target['measured']} ({target['target']}) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
