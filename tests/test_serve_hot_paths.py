"""A real ``serve`` on SQLite: its access log, and a registration run on the event loop.

A registration on SQLite runs on the event loop (no thread hop), except while
a stream or long poll of the event log is open in the process: then it waits
for another process's write lock in the thread pool, and the followers and
every other request keep being served meanwhile.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from atlas_registry import Registry
from tests.conftest import migrated_copy
from tests.payloads import logistic_regression
from tests.transport_server import serve, wait_for

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
LOCK_HELD_SECONDS = 2.0


def _register(port: int, token: str, title: str) -> tuple[int, float]:
    """(status, seconds) of one registration over a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = json.dumps({"title": title, "metadata": logistic_regression(), **PIN})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    began = time.monotonic()
    conn.request("POST", "/api/v1/models", body=body, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status, time.monotonic() - began


def _health_seconds(port: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=LOCK_HELD_SECONDS / 2)
    began = time.monotonic()
    conn.request("GET", "/-/health")
    assert conn.getresponse().status == 200
    conn.close()
    return time.monotonic() - began


@pytest.mark.slow  # a server process
@pytest.mark.parametrize("access_log", [False, True])
def test_the_access_log_is_off_unless_asked_for(
    tmp_path: Path, request: pytest.FixtureRequest, access_log: bool
) -> None:
    url = migrated_copy("sqlite", tmp_path, request)
    with Registry.open(url) as registry:
        token = registry.create_token("logged", ["register"]).token
    options = ["--access-log"] if access_log else []
    with serve(url, tmp_path / "serve.log", *options) as served:
        assert _register(served.port, token, "one")[0] == 201

        def logged() -> bool:
            return any("POST /api/v1/models" in line for line in served.log_lines())

        if access_log:
            wait_for(logged, 10, "the access log line")
        else:
            time.sleep(0.5)
            assert not logged()


@pytest.mark.slow  # a server process, and a lock held for seconds
def test_a_registration_waiting_for_the_lock_holds_up_no_follower(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = migrated_copy("sqlite", tmp_path, request)
    with Registry.open(url) as registry:
        token = registry.create_token("writer", ["register"]).token
        path = registry.database.sqlite_file
    assert path is not None
    with serve(url, tmp_path / "serve.log") as served:
        follower = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
        follower.request("GET", "/api/v1/events/stream", headers={"Accept": "text/event-stream"})
        stream = follower.getresponse()
        assert stream.status == 200
        stream.fp.readline()  # the stream's first line: its subscription is in place
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process's writer, as the server sees it
        outcome: list[tuple[int, float]] = []
        writer = threading.Thread(
            target=lambda: outcome.append(_register(served.port, token, "waits"))
        )
        writer.start()
        time.sleep(0.3)  # the registration is waiting for the lock now
        _health_seconds(served.port)  # answered while the registration waits
        time.sleep(LOCK_HELD_SECONDS)
        holder.execute("ROLLBACK")
        holder.close()
        writer.join(60)
        status, seconds = outcome[0]
        assert status == 201
        assert seconds >= LOCK_HELD_SECONDS
        line = b""
        while not line.startswith(b"event: model.registered"):
            line = stream.fp.readline()  # the follower was served the registration's event
        follower.close()
