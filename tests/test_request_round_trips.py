"""What an authenticated request costs PostgreSQL: its waits, and its pooled connections.

The token of every authenticated request is looked up in the database (never
cached: a revoked token is refused on the very next request, by every
process). That lookup is one wait; no other may come with it. A pooled
connection is not asked whether it is alive (SQLAlchemy's pre-ping, a
``SELECT 1`` on every checkout): it is looked at, and the token's lookup and
the verb take one connection between them. A session the server ended while
it sat in the pool is still replaced before the request meets it, and one
ended between that look and the token's lookup costs the lookup a second try,
not the request a 503.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from atlas_registry import ModelRegistration, Registry, SchemaAdmin
from atlas_registry.api import create_app
from atlas_registry.store import backends
from tests.conftest import reset_postgres
from tests.payloads import logistic_regression
from tests.test_round_trips import round_trips

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


class Served:
    """The app ``serve`` runs, over a registry whose pool holds one connection."""

    def __init__(self, url: str) -> None:
        self.registry = Registry.open(url)
        self.token = self.registry.create_token("rt-writer", ["register"]).token
        registration = ModelRegistration(title="t", metadata=logistic_regression(), **PIN)
        self.model = self.registry.register_model(registration).id
        self.client = TestClient(create_app(self.registry), base_url="http://127.0.0.1")
        self.checkouts = 0

        @event.listens_for(self.registry.database.engine, "checkout")
        def _counted(*_args: Any) -> None:
            self.checkouts += 1

        self.get(token=True)  # the token's last use is noted now, not during a count

    def get(self, *, token: bool) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if token else {}
        answer = self.client.get(f"/api/v1/models/{self.model}", headers=headers)
        assert answer.status_code == 200, answer.text
        return answer

    def register(self) -> Any:
        body = {"title": "r", "metadata": logistic_regression(), **PIN}
        answer = self.client.post(
            "/api/v1/models", json=body, headers={"Authorization": f"Bearer {self.token}"}
        )
        assert answer.status_code == 201, answer.text
        return answer

    def server_ends_its_sessions(self) -> None:
        """Every session of the registry's database ended by the server, as a restart does."""
        name = self.registry.database.url.database
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres") as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        time.sleep(0.2)  # the server's last words reach the pooled connection's socket


@pytest.fixture
def served(postgres_url: str) -> Iterator[Served]:
    reset_postgres(postgres_url)
    with SchemaAdmin.open(postgres_url, create=True) as admin:
        admin.migrate()
    found = Served(postgres_url)
    try:
        yield found
    finally:
        found.client.close()
        found.registry.close()


def test_an_authenticated_get_waits_twice(served: Served) -> None:
    """The token's lookup, then the read: no ping before either."""
    assert round_trips(served.registry, lambda: served.get(token=True)) == 2


def test_an_anonymous_get_waits_once(served: Served) -> None:
    assert round_trips(served.registry, lambda: served.get(token=False)) == 1


def test_an_authenticated_registration_waits_three_times(served: Served) -> None:
    """The token's lookup, then the registration's two (tests/test_round_trips.py)."""
    assert round_trips(served.registry, served.register) == 3


def test_the_token_and_the_verb_take_one_connection(served: Served) -> None:
    before = served.checkouts
    served.get(token=True)
    served.register()
    assert served.checkouts - before == 2


def test_a_session_ended_in_the_pool_is_replaced_before_it_is_used(served: Served) -> None:
    """A restart ends the pooled session; the next requests are answered, not given a 503."""
    served.server_ends_its_sessions()
    served.get(token=True)
    served.server_ends_its_sessions()
    served.register()
    served.server_ends_its_sessions()
    served.get(token=False)


def test_a_session_ended_after_the_look_costs_the_token_lookup_a_second_try(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's end arrives after the connection was looked at: the lookup meets it."""
    monkeypatch.setattr(backends, "looks_alive", lambda _driver: True)
    served.server_ends_its_sessions()
    served.get(token=True)
    served.server_ends_its_sessions()
    served.register()


def test_a_connection_just_opened_is_used_without_a_second_look(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool tries a checkout twice: a second refusal would be a 500, not a lost connection."""
    monkeypatch.setattr(backends, "looks_alive", lambda _driver: False)
    served.get(token=True)
    served.register()
    served.get(token=False)
