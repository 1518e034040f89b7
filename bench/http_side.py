"""The service: register, get and list over HTTP against ``atlas-registry serve``.

The server is the real command (uvicorn, with ``--workers`` processes) on the
benchmark's database; each client is its own process holding one keep-alive
connection (``http.client``, so the client's own cost stays small), and all
clients start together at a barrier. The service's overhead is its
single-client p50 minus the library call's p50 for the same registration.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from atlas_registry import Registry
from bench import atlas_side
from bench.concurrency import at_barrier
from bench.timing import summary

CLIENTS = (1, 4, 16)
READY_TIMEOUT_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(url: str, workers: int) -> Iterator[tuple[int, str]]:
    """``atlas-registry serve`` on a free port with a write token; yields (port, token)."""
    with Registry.open(url) as registry:
        name = f"bench-{os.getpid()}-{time.time_ns()}"
        token = registry.create_token(name, ["register"]).token
    port = _free_port()
    command = [sys.executable, "-m", "atlas_registry", "serve", "--db", url, "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(port)
        yield port, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/-/ready")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"atlas-registry serve did not become ready in {READY_TIMEOUT_SECONDS} s")


def registration_body(index: int) -> dict[str, Any]:
    """The benchmark's registration as the API takes it (a new model line each)."""
    item = atlas_side.registration(index, None)
    return {
        "title": item.title,
        "metadata": item.metadata,
        "trained_by": item.trained_by,
        "code_repo_url": item.code_repo_url,
        "code_commit_sha": item.code_commit_sha,
    }


def _client(
    port: int, token: str, operation: str, first: int, count: int, model_id: str, start: Any
) -> tuple[int, list[float], float]:
    """One client process: ``count`` requests of one kind; (errors, latencies, wall seconds)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [json.dumps(registration_body(first + i)) for i in range(count)]
    paths = {"get": f"/api/v1/models/{model_id}", "list": "/api/v1/models?page_size=50"}
    errors, latencies = 0, []
    start.wait()
    began = time.perf_counter()
    for index in range(count):
        sent = time.perf_counter()
        if operation == "register":
            connection.request("POST", "/api/v1/models", body=bodies[index], headers=headers)
            expected = 201
        else:
            connection.request("GET", paths[operation], headers=headers)
            expected = 200
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - sent)
        errors += response.status != expected
    return errors, latencies, time.perf_counter() - began


def run_clients(
    port: int, token: str, operation: str, clients: int, each: int, model_id: str, first: int
) -> dict[str, Any]:
    """``clients`` processes, ``each`` requests apiece, started together."""
    outcomes = at_barrier(
        _client,
        [(port, token, operation, first + n * each, each, model_id) for n in range(clients)],
    )
    latencies = [latency for _errors, found, _wall in outcomes for latency in found]
    measured = summary(latencies, max(wall for _e, _l, wall in outcomes))
    measured["errors"] = sum(errors for errors, _l, _w in outcomes)
    return measured


def library_register(url: str, count: int, first: int) -> dict[str, float]:
    """The same registration through the library, in process, for the overhead figure."""
    with Registry.open(url) as registry:
        latencies = []
        for index in range(first, first + count):
            item = atlas_side.registration(index, None)
            began = time.perf_counter()
            registry.register_model(item)
            latencies.append(time.perf_counter() - began)
    return summary(latencies)


def http_workloads(url: str, each: int, workers: int) -> dict[str, Any]:
    """Register, get and list with 1, 4 and 16 clients; the overhead over the library."""
    library = library_register(url, each, first=50_000_000)
    found: dict[str, Any] = {"workers": workers, "library_register": library}
    with Registry.open(url) as registry:
        model_id = registry.register_model(atlas_side.registration(60_000_000, None)).id
    with served(url, workers) as (port, token):
        first = 70_000_000
        for operation in ("register", "get", "list"):
            for clients in CLIENTS:
                key = f"{operation}_{clients}"
                found[key] = run_clients(port, token, operation, clients, each, model_id, first)
                first += clients * each
    found["register_overhead_ms"] = found["register_1"]["p50_ms"] - library["p50_ms"]
    found["register_scaling_16"] = (
        found["register_16"]["per_second"] / found["register_1"]["per_second"]
    )
    return found
