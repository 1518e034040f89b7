"""The event log: how fast a follower reads it, and how soon a long poll wakes after a write.

Two figures:

- **follower read rate**: a log of ``--events`` events (one batch registration,
  so one event per version), read from 0 to the end after a cursor, a page of
  ``--page`` at a time: through the library (``Registry.events_after``) and
  over HTTP (``GET /api/v1/events?after=``, one keep-alive connection).
- **wake-up latency**: two ``atlas-registry serve`` processes on one database;
  a client long-polls server B (``wait=30``) while another registers a model
  through server A. The latency is from the moment the write request is sent
  to the moment the long poll's answer is read, so it includes the write itself
  (its COMMIT sends the NOTIFY) and both HTTP round trips. On PostgreSQL the
  wake-up is LISTEN/NOTIFY (target p50 under 50 ms); on SQLite it is the
  tenth-of-a-second poll, and both servers are one process's worth of writers.

    python -m bench.event_log --backend postgresql --events 20000 --wakeups 50
    python -m bench.event_log --backend sqlite --events 2000 --wakeups 10   # reduced
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from typing import Any

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


def wake_latencies(writer: tuple[int, str], reader_port: int, count: int) -> list[float]:
    """``count`` writes through ``writer``, each waited for by a long poll on ``reader_port``."""
    write_port, token = writer
    writes = http.client.HTTPConnection("127.0.0.1", write_port, timeout=60)
    reads = http.client.HTTPConnection("127.0.0.1", reader_port, timeout=60)
    after = _last_id(reads)
    _get(reads, f"/api/v1/events?after={after}&wait=1")  # the reader's listener is up
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies = []
    for index in range(count):
        answer: dict[str, Any] = {}
        path = f"/api/v1/events?after={after}&wait=30"
        poll = threading.Thread(target=_into, args=(answer, reads, path))
        poll.start()
        time.sleep(0.1)  # the poll is waiting
        sent = time.perf_counter()
        body = json.dumps(registration_body(90_000_000 + index))
        writes.request("POST", "/api/v1/models", body=body, headers=headers)
        writes.getresponse().read()
        poll.join()
        latencies.append(time.perf_counter() - sent)
        after = answer["next_after"]
    return latencies


def _into(answer: dict[str, Any], connection: http.client.HTTPConnection, path: str) -> None:
    answer.update(_get(connection, path))


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
        with served(url, 1) as writer, served(url, 1) as (reader_port, _token):
            report["http_read"] = http_read(reader_port, page)
            wake = summary(wake_latencies(writer, reader_port, wakeups))
            report["wake_after_write"] = wake
            report["wake_p50_target_ms"] = WAKE_TARGET_P50_MS
            report["wake_p50_met"] = wake["p50_ms"] < WAKE_TARGET_P50_MS
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--wakeups", type=int, default=50)
    args = parser.parse_args(argv)
    report = run(args.backend, args.pg_url, args.events, args.page, args.wakeups)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
