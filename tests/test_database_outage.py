"""PostgreSQL ends every session at once (a restart, a failover): no later call fails, not
even the first; each pooled connection is looked at as it is taken and replaced, and a
read whose first statement meets a session ended after that look is sent once more."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from atlas_registry import DatabaseNotFoundError, ModelRegistration, Registry, SchemaAdmin
from tests.conftest import _libpq, reset_postgres
from tests.payloads import logistic_regression

POOLED = 4  # connections the registry holds when the server drops them


def _registration(title: str) -> ModelRegistration:
    return ModelRegistration(title=title, metadata=logistic_regression())


def _end_every_session(url: str) -> int:
    with psycopg.connect(_libpq(url), autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0


def test_after_the_server_drops_every_session_no_call_fails(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    reset_postgres(postgres_url)
    with SchemaAdmin.open(postgres_url, create=True) as admin:
        admin.migrate()
    with Registry.open(postgres_url) as registry:
        token = registry.create_token("outage", ["register"]).token
        with ThreadPoolExecutor(POOLED) as threads:  # several connections in the pool
            models = list(
                threads.map(lambda i: registry.register_model(_registration(f"m{i}")), range(12))
            )
        assert _end_every_session(postgres_url) >= 2

        calls: list[tuple[str, Callable[[], Any]]] = [
            ("get", lambda: registry.get_model(models[0].id)),
            ("token", lambda: registry.verify_token(token)),
            ("register", lambda: registry.register_model(_registration("after"))),
        ] * 2
        outcomes = []
        with caplog.at_level(logging.ERROR):
            for name, call in calls:
                try:
                    call()
                    outcomes.append((name, "ok"))
                except DatabaseNotFoundError as error:
                    outcomes.append((name, str(error)))
        assert [outcome for _name, outcome in outcomes] == ["ok"] * len(calls)
        assert not [r for r in caplog.records if "reset" in r.getMessage()]
        registered_after = outcomes.count(("register", "ok"))
        assert len(registry.list_models(limit=100)) == len(models) + registered_after
