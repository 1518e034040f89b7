"""The Python client's cost over the in-process library: register and get, one caller.

The same registrations and reads go through ``Registry`` in this process and
through ``connect(URL)`` to a real ``atlas-registry serve`` (one worker) on the
same database; the client's overhead is its p50 minus the library's. A raw
``http.client`` caller of the same server is measured too, so the figure
splits into what the service costs (bench/http_side.py) and what the client
adds on top: decoding records, an Idempotency-Key, the retry loop.

    python -m bench.client_bench --backend sqlite --count 500
    python -m bench.client_bench --backend postgresql --url postgresql://... --count 500

A script to run by hand, not a timed test: the figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from atlas_registry import Registry, SchemaAdmin, connect
from bench import atlas_side
from bench.http_side import registration_body, served
from bench.timing import summary

FIRST = 70_000_000  # registration indexes of this benchmark: clear of the other benches'


def _timed(call: Callable[[int], Any], count: int, first: int) -> dict[str, float]:
    latencies = []
    for index in range(first, first + count):
        began = time.perf_counter()
        call(index)
        latencies.append(time.perf_counter() - began)
    return summary(latencies)


def _raw(
    port: int, token: str, *, keyed: bool = False
) -> tuple[Callable[[int], Any], Callable[[str], Any]]:
    """Register and get with ``http.client`` on one keep-alive connection: the server's cost.

    ``keyed``: each registration with an Idempotency-Key, as the client sends it.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def register(index: int) -> Any:
        sent = {**headers, "Idempotency-Key": str(uuid.uuid4())} if keyed else headers
        connection.request(
            "POST", "/api/v1/models", body=json.dumps(registration_body(index)), headers=sent
        )
        return json.loads(connection.getresponse().read())

    def get(model_id: str) -> Any:
        connection.request("GET", f"/api/v1/models/{model_id}", headers=headers)
        return json.loads(connection.getresponse().read())

    return register, get


def measure(url: str, count: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with Registry.open(url) as local:
        results["library_register"] = _timed(
            lambda i: local.register_model(atlas_side.registration(i, None)), count, FIRST
        )
        model_id = local.list_page(page_size=1).items[0].id
        results["library_get"] = _timed(lambda _i: local.get_model(model_id), count, 0)
    with served(url, workers=1) as (port, token):
        raw_register, raw_get = _raw(port, token)
        results["http_register"] = _timed(raw_register, count, FIRST + count)
        results["http_get"] = _timed(lambda _i: raw_get(model_id), count, 0)
        keyed_register, _ = _raw(port, token, keyed=True)
        results["http_register_keyed"] = _timed(keyed_register, count, FIRST + 3 * count)
        with connect(f"http://127.0.0.1:{port}", token=token) as remote:
            results["client_register"] = _timed(
                lambda i: remote.register_model(atlas_side.registration(i, None)),
                count,
                FIRST + 2 * count,
            )
            results["client_get"] = _timed(lambda _i: remote.get_model(model_id), count, 0)
    for verb in ("register", "get"):
        library, client = results[f"library_{verb}"], results[f"client_{verb}"]
        results[f"overhead_{verb}_p50_ms"] = client["p50_ms"] - library["p50_ms"]
        raw = results["http_register_keyed" if verb == "register" else "http_get"]
        results[f"client_over_http_{verb}_p50_ms"] = client["p50_ms"] - raw["p50_ms"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="a PostgreSQL database to use (its rows are kept)")
    parser.add_argument("--count", type=int, default=300)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.url or f"sqlite:///{Path(folder) / 'client_bench.db'}"
        if options.backend == "postgresql" and not options.url:
            parser.error("--backend postgresql needs --url")
        with SchemaAdmin.open(url, create=True) as admin:
            admin.migrate()
        print(json.dumps(measure(url, options.count), indent=2))


if __name__ == "__main__":
    main()
