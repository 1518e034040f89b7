"""A write whose COMMIT was sent and then lost says so: 503, "may have been saved", never 500.

The faults are real where they can be: PostgreSQL's backend is ended by
``pg_terminate_backend`` from an admin connection at the moment of COMMIT (a
SQLAlchemy ``commit`` event, or right after the server committed). SQLite's
I/O error at COMMIT cannot be caused from outside, so there the driver's
commit is followed by the error SQLite raises for it. A retry with the same
Idempotency-Key then gets the saved answer, or does the write once.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import event

from atlas_registry import CommitOutcomeUnknownError, DatabaseNotFoundError
from atlas_registry.store.db import Database
from tests.conftest import _libpq
from tests.payloads import logistic_regression
from tests.test_api import PIN, Service, assert_problem, svc  # noqa: F401  (the fixture)

KEY_ROW = (
    "INSERT INTO idempotency_keys (owner, idempotency_key, request_hash, request_line, "
    "status, headers, body, created_at) VALUES (?, ?, 'h', 'POST /x', 201, '{}', '{}', "
    "'2026-01-01 00:00:00')"
)


def _terminate(url: str, pid: int) -> None:
    with psycopg.connect(_libpq(url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@contextlib.contextmanager
def _cut_at_the_next_write_commit(svc: Service, url: str) -> Iterator[list[bool]]:  # noqa: F811
    """End the backend of the next write transaction as it commits; yields [still armed]."""
    engine = svc.registry.database.engine
    armed = [True]

    def cut(conn: Any) -> None:
        if armed[0] and conn.get_execution_options().get("write"):
            armed[0] = False
            _terminate(url, conn.connection.driver_connection.info.backend_pid)

    event.listen(engine, "commit", cut)
    try:
        yield armed
    finally:
        event.remove(engine, "commit", cut)


def _rows(db: Database, owner: str) -> int:
    with db.session() as session:
        found = session.first("SELECT count(*) FROM idempotency_keys WHERE owner = ?", (owner,))
    return int(found[0]) if found else 0


ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture
def pg_db(migrated_url: str) -> Iterator[Database]:
    db = Database(migrated_url)
    yield db
    db.dispose()


def _write_and_lose(db: Database, url: str, owner: str, *, then_read: bool) -> None:
    """A write session whose backend is ended after its INSERT; ``then_read``: read once more."""
    with db.session(write=True) as session:
        pid = session.first("SELECT pg_backend_pid()")
        assert pid is not None
        session.run(KEY_ROW, (owner, "k"))
        _terminate(url, int(pid[0]))
        if then_read:
            session.rows("SELECT 1")  # fails here, before COMMIT is sent
        # else COMMIT goes out on the dead session


@ON_POSTGRESQL
def test_a_session_lost_after_commit_was_sent_is_an_unknown_outcome(
    pg_db: Database, migrated_url: str
) -> None:
    with pytest.raises(CommitOutcomeUnknownError) as lost:
        _write_and_lose(pg_db, migrated_url, "after", then_read=False)
    assert "may or may not have been saved" in lost.value.message
    assert _rows(pg_db, "after") == 0  # this time the server never saw the COMMIT
    assert _rows(pg_db, "nobody") == 0  # and the pool gives a live connection at once


@ON_POSTGRESQL
def test_a_session_lost_before_commit_is_a_plain_failure(
    pg_db: Database, migrated_url: str
) -> None:
    with pytest.raises(DatabaseNotFoundError):
        _write_and_lose(pg_db, migrated_url, "before", then_read=True)
    assert _rows(pg_db, "before") == 0


def _register(svc: Service, key: str | None, title: str = "kept") -> Any:  # noqa: F811
    headers = svc.auth("register")
    if key is not None:
        headers["Idempotency-Key"] = key
    body = {"title": title, "metadata": logistic_regression(), **PIN}
    return svc.client.post("/api/v1/models", json=body, headers=headers)


def _warmed(svc: Service) -> None:  # noqa: F811
    """The token's use noted (a write of its own, once a minute): the next commit is the write's."""
    assert svc.client.get("/api/v1/version", headers=svc.auth("register")).status_code == 200


def _titled(svc: Service, title: str) -> list[str]:  # noqa: F811
    return [m.id for m in svc.registry.list_models(limit=500) if m.title == title]


@ON_POSTGRESQL
def test_a_commit_cut_before_the_server_saw_it_answers_503_and_the_retry_writes_once(
    svc: Service,  # noqa: F811
    migrated_url: str,
) -> None:
    _warmed(svc)
    with _cut_at_the_next_write_commit(svc, migrated_url):
        lost = _register(svc, "retry-me-1")
    body = assert_problem(lost, 503, "commit_outcome_unknown_error")
    assert "may or may not have been saved" in body["detail"]
    assert "same Idempotency-Key" in body["detail"]
    assert _titled(svc, "kept") == []  # killed before COMMIT reached the server
    retried = _register(svc, "retry-me-1")
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert _titled(svc, "kept") == [retried.json()["id"]]
    # The pool carries on: the next write, keyed or not, succeeds without a restart.
    assert _register(svc, None, "after").status_code == 201


@pytest.fixture
def commit_then_fail(svc: Service, backend: str, migrated_url: str) -> Iterator[list[bool]]:  # noqa: F811
    """The next write's COMMIT is saved by the database, then its connection fails."""
    dialect = svc.registry.database.engine.dialect
    original = dialect.do_commit
    armed = [False]

    def do_commit(dbapi_connection: Any) -> None:
        original(dbapi_connection)
        if not armed[0]:
            return
        armed[0] = False
        if backend == "postgresql":
            driver = dbapi_connection.driver_connection
            _terminate(migrated_url, driver.info.backend_pid)
            driver.execute("SELECT 1")  # the driver's own error for the lost session
        raise sqlite3.OperationalError("disk I/O error")

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    yield armed
    dialect.do_commit = original  # type: ignore[method-assign]


def test_a_commit_saved_but_unanswered_is_503_and_the_retry_gets_the_saved_answer(
    svc: Service,  # noqa: F811
    commit_then_fail: list[bool],
) -> None:
    _warmed(svc)
    commit_then_fail[0] = True
    lost = _register(svc, "retry-me-2")
    assert not commit_then_fail[0]
    assert_problem(lost, 503, "commit_outcome_unknown_error")
    [saved] = _titled(svc, "kept")  # it was saved, key and all
    retried = _register(svc, "retry-me-2")
    assert retried.status_code == 201, retried.text
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.headers["Location"] == f"/api/v1/models/{saved}"
    assert retried.json()["id"] == saved
    assert _titled(svc, "kept") == [saved]  # no duplicate
    assert _register(svc, None, "after").status_code == 201


def test_an_error_the_database_answers_at_commit_is_not_an_unknown_outcome(
    svc: Service,  # noqa: F811
    backend: str,
) -> None:
    """A refusal at COMMIT (the database answered it) is a plain failure: nothing was saved."""
    dialect = svc.registry.database.engine.dialect
    original = dialect.do_commit

    def refuse(dbapi_connection: Any) -> None:
        dbapi_connection.rollback()
        if backend == "postgresql":
            raise psycopg.errors.SerializationFailure("could not serialize access")
        raise sqlite3.OperationalError("database is locked")

    _warmed(svc)
    dialect.do_commit = refuse  # type: ignore[method-assign]
    try:
        refused = _register(svc, "refused")
    finally:
        dialect.do_commit = original  # type: ignore[method-assign]
    assert refused.status_code in (500, 503)
    assert refused.json()["code"] != "commit_outcome_unknown_error"
    assert _titled(svc, "kept") == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlites_io_error_at_commit_of_a_plain_write_is_an_unknown_outcome(
    svc: Service,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The write path's own sessions (no key): the driver's commit, then SQLite's I/O error."""
    from atlas_registry.store import backends

    def commit_then_fail(driver: Any) -> Any:
        def end(commit: bool) -> None:
            if not commit:
                driver.rollback()
                return
            driver.commit()
            raise sqlite3.OperationalError("disk I/O error")

        return end

    _warmed(svc)
    monkeypatch.setattr(backends, "_driver_ends", commit_then_fail)
    lost = _register(svc, None)
    monkeypatch.undo()
    body = assert_problem(lost, 503, "commit_outcome_unknown_error")
    assert "GET" in body["detail"]  # without a key: read it back first
    assert len(_titled(svc, "kept")) == 1  # it was saved: only reading says so


@ON_POSTGRESQL
def test_a_plain_write_whose_session_ends_as_it_commits_answers_503(
    svc: Service,  # noqa: F811
    migrated_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The write path's pipelined session (no key): its backend ended as COMMIT is queued."""
    from contextlib import contextmanager

    from atlas_registry.store import backends

    original = backends.PostgresBackend.unit

    @contextmanager
    def ended_at_commit(self: Any, driver: Any, *, write: bool, pipelined: bool) -> Any:
        with original(self, driver, write=write, pipelined=pipelined) as end:

            def end_after_the_kill(commit: bool) -> object:
                if write and commit:
                    _terminate(migrated_url, driver.info.backend_pid)
                return end(commit)

            yield end_after_the_kill

    _warmed(svc)
    monkeypatch.setattr(backends.PostgresBackend, "unit", ended_at_commit)
    lost = _register(svc, None)
    monkeypatch.undo()
    assert_problem(lost, 503, "commit_outcome_unknown_error")
    assert _titled(svc, "kept") == []  # the server never saw this COMMIT
    assert _register(svc, None, "after").status_code == 201  # no restart needed


@ON_POSTGRESQL
def test_a_lost_note_of_a_tokens_use_does_not_answer_the_request(
    svc: Service,  # noqa: F811
    migrated_url: str,
) -> None:
    """Noting when a token was last used is the registry's write, not the caller's.

    Lost at its COMMIT, it must not turn the caller's read into a 503 saying
    the caller's write may have been saved.
    """
    with svc.registry.database.transaction(write=True) as conn:  # last used long ago
        conn.exec_driver_sql("UPDATE api_tokens SET last_used_at = '2000-01-01 00:00:00'")
    with _cut_at_the_next_write_commit(svc, migrated_url) as armed:
        read = svc.client.get("/api/v1/models", headers=svc.auth("admin"))
    assert not armed[0], "the token's use was not noted: the fault was never injected"
    assert read.status_code == 200, read.text
