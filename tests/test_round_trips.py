"""How many times a write waits for PostgreSQL: counted on the wire, by libpq's own trace.

On a network every round trip is the server's latency again, so the write
path sends what it can before it waits: a registration or a transition waits
once for what it reads (locks included) and once for its writes and COMMIT;
a lifecycle transition is one call of a server-side function, and waits once.
The trace records every message the client sends: the client waits after a
Flush (psycopg sends one in a pipeline before it reads results), after a
Sync that no Flush follows (a statement outside a pipeline), and after a
simple Query (SQLAlchemy's pre-ping sends ``;`` so, a wait the extended
protocol's messages alone would not show).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from atlas_registry import ModelRegistration, Registry, SchemaAdmin
from atlas_registry.store.backends import LOCK_TIMEOUT_SECONDS
from tests.conftest import reset_postgres
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


@pytest.fixture
def pg_registry(postgres_url: str) -> Iterator[Registry]:
    reset_postgres(postgres_url)
    with SchemaAdmin.open(postgres_url, create=True) as admin:
        admin.migrate()
    with Registry.open(postgres_url) as registry:
        yield registry


def _register(registry: Registry, **fields: object) -> str:
    registration = ModelRegistration(title="t", metadata=logistic_regression(), **PIN, **fields)  # type: ignore[arg-type]
    return registry.register_model(registration).id


def round_trips(registry: Registry, call: Callable[[], object]) -> int:
    """The waits of ``call``, made on the registry's one pooled connection."""
    pooled = registry.database.engine.raw_connection()
    pgconn = pooled.driver_connection.pgconn  # type: ignore[union-attr]
    pooled.close()
    pool = registry.database.engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedin() == 1  # the connection ``call`` will use
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trace"
        with path.open("w") as trace:
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
            try:
                call()
            finally:
                pgconn.untrace()
        sent = path.read_text()
    return _waits(sent)


def _waits(sent: str) -> int:
    """The client's waits in a libpq trace (see the module's docstring)."""
    sent_by_client = re.findall(r"^F\t\d+\t(\w+)", sent, re.MULTILINE)
    assert "Execute" in sent_by_client or "Query" in sent_by_client  # it saw statements
    following = [*sent_by_client[1:], None]
    return sum(
        message in ("Flush", "Query") or (message == "Sync" and after != "Flush")
        for message, after in zip(sent_by_client, following, strict=True)
    )


def test_a_registration_waits_twice(pg_registry: Registry) -> None:
    first = _register(pg_registry)
    assert round_trips(pg_registry, lambda: _register(pg_registry, parent_version_id=first)) == 2


def test_a_fine_tune_registration_waits_twice(pg_registry: Registry) -> None:
    base = _register(pg_registry)
    metadata = {**logistic_regression(), "base_model_id": base}
    registration = ModelRegistration(title="tuned", metadata=metadata, **PIN)
    assert round_trips(pg_registry, lambda: pg_registry.register_model(registration)) == 2


def test_a_registration_into_a_named_line_waits_twice(pg_registry: Registry) -> None:
    """``register --line``: the line's lock, its name and latest version come in the first wait."""
    assert round_trips(pg_registry, lambda: _register(pg_registry, line="ad-risk")) == 2
    assert round_trips(pg_registry, lambda: _register(pg_registry, line="ad-risk")) == 2
    assert pg_registry.get_model("ad-risk@2").line_name == "ad-risk"


def test_a_transition_by_id_waits_once(pg_registry: Registry) -> None:
    """One server-side call (migration 0029): lock, gate, moves, events, read and COMMIT."""
    first = _register(pg_registry, line="ad-risk")
    second = _register(pg_registry, line="ad-risk")
    third = _register(pg_registry, line="ad-risk")
    pg_registry.promote(first, actor="lead")
    # superseding the line's promoted version; the model named by its id, not looked up first
    assert round_trips(pg_registry, lambda: pg_registry.promote(second, actor="lead")) == 1
    assert round_trips(pg_registry, lambda: pg_registry.reject(third, actor="lead", notes="n")) == 1
    assert (
        round_trips(pg_registry, lambda: pg_registry.supersede(second, actor="l", notes="n")) == 1
    )
    assert [e.to_state for e in pg_registry.history(first)] == ["promoted", "superseded"]


def test_a_new_connection_sets_its_lock_timeout_in_one_round_trip(
    pg_registry: Registry, tmp_path: Path
) -> None:
    """Once per connection: it was three (BEGIN, SET, COMMIT), for every command on PostgreSQL."""
    engine = pg_registry.database.engine
    path = tmp_path / "trace"

    def start(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)

    left_in_autocommit: list[bool] = []

    def stop(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.pgconn.untrace()
        left_in_autocommit.append(dbapi_connection.autocommit)

    with path.open("w") as trace:
        event.listen(engine, "connect", start, insert=True)  # before the registry's own hook
        event.listen(engine, "connect", stop)  # and after it
        try:
            engine.pool.dispose()  # the next checkout opens a new connection
            with pg_registry.database.session() as session:
                [(timeout,)] = session.rows("SELECT current_setting('lock_timeout')")
        finally:
            event.remove(engine, "connect", start)
            event.remove(engine, "connect", stop)
    assert timeout == f"{LOCK_TIMEOUT_SECONDS}s"
    assert left_in_autocommit == [False]  # its transactions are the registry's, as before
    assert _waits(path.read_text()) == 1
