"""Many clients at once against real servers: gapless versions, one promotion per line, no 5xx.

The service keeps no state of its own, so two server processes on one
PostgreSQL database behave as one. Clients speak plain HTTP to ``atlas-registry
serve`` started as a subprocess on a free loopback port.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from atlas_registry import Registry, SchemaAdmin
from tests.payloads import logistic_regression
from tests.server_helpers import call as _call
from tests.server_helpers import served

pytestmark = pytest.mark.slow  # server processes and many clients

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
CLIENTS = 16
ROUNDS = 3
CLI = str(Path(sys.executable).parent / "atlas-registry")


def _prepared(url: str) -> str:
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
    with Registry.open(url) as registry:
        return registry.create_token("load", ["register", "promote"]).token


def _storm(bases: list[str], token: str) -> list[int]:
    """16 clients register into 4 lines and promote what they registered, all at once."""
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def client(index: int) -> None:
        base = bases[index % len(bases)]
        barrier.wait()
        for _ in range(ROUNDS):
            body = {
                "title": "t",
                "line": f"line-{index % 4}",
                **PIN,
                "metadata": logistic_regression(),
            }
            status, record = _call(base, "POST", "/api/v1/models", body, token)
            seen = [status]
            if status == 201:
                path = f"/api/v1/models/{record['id']}/promote"
                seen.append(_call(base, "POST", path, {}, token)[0])
            with lock:
                statuses.extend(seen)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _check_lines(url: str) -> None:
    with Registry.open(url) as registry:
        for n in range(4):
            versions = registry.list_models(line=f"line-{n}", limit=1000)
            numbers = sorted(m.version_number for m in versions)
            assert numbers == list(range(1, len(numbers) + 1))
            assert len(numbers) == CLIENTS // 4 * ROUNDS
            promoted = [m for m in versions if m.promotion_state == "promoted"]
            assert len(promoted) == 1


def test_sixteen_clients_against_one_server(db_url: str) -> None:
    token = _prepared(db_url)
    with served(db_url) as base:
        statuses = _storm([base], token)
    assert not [s for s in statuses if s >= 500]
    assert statuses.count(201) == CLIENTS * ROUNDS
    assert set(statuses) <= {200, 201}
    _check_lines(db_url)


def test_two_server_processes_share_one_postgresql_database(postgres_url: str) -> None:
    from tests.conftest import reset_postgres

    reset_postgres(postgres_url)
    token = _prepared(postgres_url)
    with served(postgres_url) as first, served(postgres_url) as second:
        statuses = _storm([first, second], token)
    assert not [s for s in statuses if s >= 500]
    assert statuses.count(201) == CLIENTS * ROUNDS
    _check_lines(postgres_url)
