"""The service: register and get over HTTP, against its floor and MLflow's tracking server.

Side by side in one run, one client, rounds interleaved so that a load change
on a shared machine falls on every side alike:

- the floor: a bare ASGI app on the same server stack doing the same verb
  (:mod:`bench.http_floor`); the service's overhead is its p50 minus this one;
- the guarded floor: the same app checking the bearer token in the database
  and, on PostgreSQL, running the verb on a worker thread, as ``serve`` does;
  it splits the overhead into what those guarantees cost and the rest;
- ``atlas-registry serve`` (one worker), the real command;
- MLflow's tracking server over its REST API, when ``ATLAS_BENCH_MLFLOW`` names
  the ``mlflow`` command of an environment with the full ``mlflow`` package
  (``mlflow-skinny`` has no server); on SQLite it runs with the registry's WAL
  and ``synchronous=NORMAL`` (:mod:`bench.mlflow_rest`);
- the library's own call, in this process, for its CPU time.

Each server's CPU per request is read from ``/proc/PID/stat`` (the process and
its children) before and after each round; the client's own CPU per request is
measured too, so a figure dominated by the client shows as such. The client is
``http.client`` on one keep-alive connection.

Then the scaling: 1 client and 16 clients (each its own process, started at a
barrier) against ``serve`` with ``workers`` processes: throughput, p50, p99
and errors.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from atlas_registry import Registry
from bench import atlas_side, mlflow_rest
from bench.concurrency import at_barrier
from bench.timing import percentile, summary

SCALING_CLIENTS = (1, 16)
ROUNDS = 5
WARM_UP = 20
READY_TIMEOUT_SECONDS = 60
_TICK = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _process(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """``command`` serving on ``port`` until the block ends; yields its pid."""
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    try:
        _wait_ready(port, server)
        yield server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/-/ready")
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not become ready")


@contextmanager
def served(url: str, workers: int) -> Iterator[tuple[int, str]]:
    """``atlas-registry serve`` on a free port with a write token; yields (port, token)."""
    with served_process(url, workers) as (port, token, _pid):
        yield port, token


@contextmanager
def served_process(url: str, workers: int) -> Iterator[tuple[int, str, int]]:
    """:func:`served`, with the server's pid (for its CPU time)."""
    with Registry.open(url) as registry:
        name = f"bench-{os.getpid()}-{time.time_ns()}"
        token = registry.create_token(name, ["register"]).token
    port = _free_port()
    command = [sys.executable, "-m", "atlas_registry", "serve", "--db", url, "--port", str(port)]
    with _process([*command, "--workers", str(workers)], port) as pid:
        yield port, token, pid


@contextmanager
def floor_served(url: str, *, guarded: bool = False) -> Iterator[tuple[int, int]]:
    """The bare ASGI app (:mod:`bench.http_floor`) on a free port; (port, pid)."""
    port = _free_port()
    command = [sys.executable, "-m", "bench.http_floor", url, str(port)]
    with _process([*command, *(["--guarded"] if guarded else [])], port) as pid:
        yield port, pid


def cpu_seconds(pid: int) -> float:
    """User and system CPU of ``pid`` and every process below it, in seconds."""
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = int(fields[11]) + int(fields[12])
    total, family = 0, {pid}
    for candidate in sorted(parents):
        chain, seen = candidate, set()
        while chain not in family and chain in parents and chain not in seen:
            seen.add(chain)
            chain = parents[chain]
        if chain in family:
            family.add(candidate)
            total += used.get(candidate, 0)
    return total / _TICK


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


# A request: (method, path, body or None, expected status).
Request = tuple[str, str, bytes | None, int]


def atlas_requests(operation: str, first: int, count: int, model_id: str) -> list[Request]:
    if operation == "register":
        return [
            ("POST", "/api/v1/models", json.dumps(registration_body(first + i)).encode(), 201)
            for i in range(count)
        ]
    return [("GET", f"/api/v1/models/{model_id}", None, 200)] * count


def send_all(
    port: int, token: str, requests: list[Request]
) -> tuple[int, list[float], float, float]:
    """The requests in turn on one connection; (errors, latencies, wall s, client CPU s)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    errors, latencies = 0, []
    cpu, began = time.process_time(), time.perf_counter()
    for method, path, body, expected in requests:
        sent = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - sent)
        errors += response.status != expected
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    connection.close()
    return errors, latencies, wall, cpu


class Side:
    """One server in the side-by-side: its samples, its CPU, its client's CPU."""

    def __init__(self, port: int, pid: int, token: str, make: Callable[..., list[Request]]):
        self.port, self.pid, self.token, self.make = port, pid, token, make
        self.latencies: dict[str, list[float]] = {"register": [], "get": []}
        self.server_cpu = {"register": 0.0, "get": 0.0}
        self.client_cpu = {"register": 0.0, "get": 0.0}
        self.errors = {"register": 0, "get": 0}

    def round(self, operation: str, first: int, count: int, target: str) -> None:
        requests = self.make(operation, first, count, target)
        before = cpu_seconds(self.pid)
        errors, latencies, _wall, client = send_all(self.port, self.token, requests)
        self.server_cpu[operation] += cpu_seconds(self.pid) - before
        self.client_cpu[operation] += client
        self.latencies[operation] += latencies
        self.errors[operation] += errors

    def figures(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for operation, latencies in self.latencies.items():
            done = len(latencies)
            found[operation] = {
                **summary(latencies),
                "errors": self.errors[operation],
                "server_cpu_ms": self.server_cpu[operation] / done * 1000 if done else None,
                "client_cpu_ms": self.client_cpu[operation] / done * 1000 if done else None,
            }
        return found


def _library_round(registry: Registry, first: int, count: int, found: dict[str, Any]) -> None:
    """The same register and get through the library in this process: latency and CPU."""
    model_id = ""
    for index in range(first, first + count):
        item = atlas_side.registration(index, None)
        cpu, began = time.process_time(), time.perf_counter()
        model_id = registry.register_model(item, actor="bench").id
        found["register"].append(time.perf_counter() - began)
        found["register_cpu"] += time.process_time() - cpu
    for _ in range(count):
        cpu, began = time.process_time(), time.perf_counter()
        registry.get_model(model_id)
        found["get"].append(time.perf_counter() - began)
        found["get_cpu"] += time.process_time() - cpu


def side_by_side(url: str, each: int, rounds: int = ROUNDS, mlflow: bool = True) -> dict[str, Any]:
    """Floor, ``serve``, MLflow's server and the library, one client, rounds interleaved."""
    count = max(1, each // rounds)
    library: dict[str, Any] = {"register": [], "get": [], "register_cpu": 0.0, "get_cpu": 0.0}
    with Registry.open(url) as registry, ExitStack() as stack:
        model_id = registry.register_model(atlas_side.registration(60_000_000, None)).id
        port, pid = stack.enter_context(floor_served(url))
        sides = {"floor": Side(port, pid, "-", atlas_requests)}
        port, token, pid = stack.enter_context(served_process(url, 1))
        atlas = Side(port, pid, token, atlas_requests)
        port, pid = stack.enter_context(floor_served(url, guarded=True))
        sides["guarded_floor"] = Side(port, pid, token, atlas_requests)
        sides["atlas"] = atlas
        server = stack.enter_context(mlflow_rest.mlflow_served(url)) if mlflow else None
        if server is not None:
            sides["mlflow"] = Side(server.port, server.pid, "-", server.requests)
        first = 70_000_000
        for name, side in sides.items():  # warm-up, not counted: imports, caches, pools
            target = server.get_target if name == "mlflow" and server else model_id
            for operation in ("register", "get"):
                send_all(side.port, side.token, side.make(operation, first, WARM_UP, target))
                first += WARM_UP
        for _ in range(rounds):
            for name, side in sides.items():
                target = server.get_target if name == "mlflow" and server else model_id
                side.round("register", first, count, target)
                first += count
                side.round("get", first, count, target)
            _library_round(registry, first, count, library)
            first += count
    found: dict[str, Any] = {name: side.figures() for name, side in sides.items()}
    found["library"] = {
        operation: {
            **summary(library[operation]),
            "cpu_ms": library[f"{operation}_cpu"] / len(library[operation]) * 1000,
        }
        for operation in ("register", "get")
    }
    found["mlflow_note"] = mlflow_rest.note() if server is None else server.version
    return found


def _scaling_client(
    port: int, token: str, first: int, count: int, model_id: str, operation: str, start: Any
) -> tuple[int, list[float], float, float]:
    requests = atlas_requests(operation, first, count, model_id)
    start.wait()
    return send_all(port, token, requests)


def scaling(url: str, each: int, workers: int) -> dict[str, Any]:
    """Register with 1 and with 16 clients (processes) against ``serve --workers N``."""
    found: dict[str, Any] = {"workers": workers}
    with Registry.open(url) as registry:
        model_id = registry.register_model(atlas_side.registration(80_000_000, None)).id
    with served(url, workers) as (port, token):
        first = 90_000_000
        for clients in SCALING_CLIENTS:
            arguments = [
                (port, token, first + n * each, each, model_id, "register") for n in range(clients)
            ]
            first += clients * each
            outcomes = at_barrier(_scaling_client, arguments)
            latencies = [latency for _e, found_, _w, _c in outcomes for latency in found_]
            row = summary(latencies, max(wall for _e, _l, wall, _c in outcomes))
            row["p99_ms"] = percentile(latencies, 99) * 1000
            row["errors"] = sum(errors for errors, _l, _w, _c in outcomes)
            found[f"register_{clients}"] = row
    one, many = found["register_1"], found[f"register_{SCALING_CLIENTS[-1]}"]
    found["throughput_ratio"] = many["per_second"] / one["per_second"]
    found["p99_over_p50"] = many["p99_ms"] / many["p50_ms"]
    return found


def http_workloads(url: str, each: int, workers: int, mlflow: bool = True) -> dict[str, Any]:
    """The side-by-side and the scaling, with the figures the targets read."""
    side = side_by_side(url, each, mlflow=mlflow)
    found: dict[str, Any] = {"side_by_side": side, "scaling": scaling(url, each, workers)}
    for operation in ("register", "get"):
        atlas, floor = side["atlas"][operation], side["floor"][operation]
        found[f"{operation}_overhead_ms"] = atlas["p50_ms"] - floor["p50_ms"]
        guarded = side["guarded_floor"][operation]
        found[f"{operation}_guarantees_ms"] = guarded["p50_ms"] - floor["p50_ms"]
        if "mlflow" in side:
            found[f"{operation}_vs_mlflow"] = side["mlflow"][operation]["p50_ms"] / atlas["p50_ms"]
    library_cpu = side["library"]["register"]["cpu_ms"]
    found["register_server_cpu_over_library_ms"] = side["atlas"]["register"]["server_cpu_ms"] - (
        library_cpu
    )
    found["register_scaling_16"] = found["scaling"]["throughput_ratio"]
    return found
