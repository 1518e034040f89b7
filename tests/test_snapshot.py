"""``Registry.snapshot()``: verbs called inside read the database as it was at one moment.

``show`` and every page put the answers of several verbs side by side (a
model, its pin's state and newest check, evaluations, tags, files). Read in
a transaction each, they could straddle another writer's COMMIT. Inside a
snapshot they share one read-only transaction, on one pooled connection, and
a write there is refused before it sends anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from atlas_registry import ModelRegistration, Registry
from atlas_registry.api import create_app
from atlas_registry.errors import NotFoundError, RegistryError
from atlas_registry.store.db import Database
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def _register(registry: Registry, title: str, line: str | None = None) -> str:
    registration = ModelRegistration(title=title, line=line, metadata=logistic_regression(), **PIN)
    return registry.register_model(registration).id


@pytest.fixture
def other(migrated_url: str) -> Iterator[Registry]:
    """A second handle on the same database: another writer."""
    with Registry.open(migrated_url) as opened:
        yield opened


def _titles(registry: Registry) -> list[str]:
    return sorted(model.title for model in registry.list_models())


def test_reads_inside_do_not_see_a_commit_made_meanwhile(
    registry: Registry, other: Registry
) -> None:
    first = _register(registry, "first")
    with registry.snapshot():
        assert _titles(registry) == ["first"]
        second = _register(other, "second")  # committed while the snapshot is open
        assert _titles(registry) == ["first"]
        assert registry.get_model(first).title == "first"
        with pytest.raises(NotFoundError, match=second):
            registry.get_model(second)
    assert _titles(registry) == ["first", "second"]
    assert registry.get_model(second).title == "second"


def test_a_write_inside_is_refused_and_nothing_is_written(registry: Registry) -> None:
    _register(registry, "first")
    with pytest.raises(RuntimeError, match="a write inside a snapshot"), registry.snapshot():
        _register(registry, "refused")
    model = registry.get_model(_register(registry, "after"))  # the handle still writes
    assert model.title == "after"
    assert _titles(registry) == ["after", "first"]


def test_a_promotion_inside_is_refused(registry: Registry) -> None:
    model = _register(registry, "m")
    with pytest.raises(RuntimeError, match="a write inside a snapshot"), registry.snapshot():
        registry.promote(model, actor="a", override=True, notes="inside")
    assert registry.get_model(model).promotion_state == "candidate"


def _checkouts(registry: Registry) -> list[Any]:
    taken: list[Any] = []

    @event.listens_for(registry.database.engine, "checkout")
    def _counted(*args: Any) -> None:
        taken.append(args)

    return taken


def test_the_parts_of_show_take_one_connection_and_nest(registry: Registry) -> None:
    model = _register(registry, "m")
    taken = _checkouts(registry)
    with registry.snapshot():
        record = registry.get_model(model)
        registry.pin_checks(record.id, limit=1)
        registry.pin_statuses([record])
        registry.pin_changes(record.id)
        registry.evaluations(record.id)
        registry.effective_tags([record.id])
        registry.files(record.id)
        with registry.snapshot():  # nested: the same transaction
            registry.lineage(record.id)
    assert len(taken) == 1
    taken.clear()
    registry.get_model(model)
    registry.files(model)
    assert len(taken) == 2  # outside, each verb reads on its own


def test_show_reads_its_parts_in_one_snapshot(
    migrated_url: str, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``show`` of a line's name goes through the library (the fast read takes only an id)."""
    _register(registry, "shown", line="ad-risk")
    opened: list[Registry] = []
    taken: list[Any] = []
    real_snapshot = Registry.snapshot

    def watched(self: Registry) -> Any:
        opened.append(self)
        event.listen(self.database.engine, "checkout", lambda *args: taken.append(args))
        return real_snapshot(self)

    monkeypatch.setattr(Registry, "snapshot", watched)
    code, out, err = invoke("show", "ad-risk", "--db", migrated_url, "--json")
    assert code == 0, err
    assert '"title": "shown"' in out
    assert len(opened) == 1, "show read its parts outside a snapshot"
    assert len(taken) == 1, "show's parts took more than the snapshot's one connection"


def _prepared(registry: Registry) -> int:
    """How many statements the pool's one connection has prepared on the server."""
    pooled = registry.database.engine.raw_connection()
    try:
        driver: Any = pooled.driver_connection
        with driver.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements", prepare=False)
            count = cursor.fetchone()[0]
        driver.commit()
        return int(count)
    finally:
        pooled.close()


def test_a_snapshot_leaves_the_connection_its_prepared_statements(
    registry: Registry, backend: str
) -> None:
    """psycopg forgets what it prepared on a ROLLBACK: a snapshot ends with COMMIT, also
    when what ran inside raised an error of its own (a page of a model not found)."""
    if backend != "postgresql":
        pytest.skip("prepared statements kept on the server are PostgreSQL's")
    model = _register(registry, "m")
    for _ in range(8):  # psycopg prepares a statement on its fifth run
        registry.get_model(model)
    before = _prepared(registry)
    assert before > 0
    with registry.snapshot():
        registry.get_model(model)
    assert _prepared(registry) == before

    def read_a_missing_model() -> None:
        with registry.snapshot():
            registry.get_model(model)
            registry.get_model("no-such-model")

    with pytest.raises(NotFoundError):
        read_a_missing_model()
    assert _prepared(registry) == before


def test_a_write_sent_as_a_read_is_refused_by_the_database(migrated_url: str) -> None:
    """Past the verbs' own refusal: SQLite is told query_only, PostgreSQL's BEGIN says READ
    ONLY. The database's refusal is a registry error, and the handle reads and writes after."""
    with Database(migrated_url) as db:
        # The refusal is a registry error already inside the snapshot.
        with db.snapshot(), pytest.raises(RegistryError), db.session() as session:
            session.run("DELETE FROM artifacts")
        with db.session(write=True) as session:
            session.run("DELETE FROM artifacts")  # outside, the same statement runs
        with db.snapshot(), db.session() as session:
            assert session.rows("SELECT count(*) FROM artifacts") == [(0,)]


def test_the_as_of_read_of_the_api_takes_one_connection(registry: Registry) -> None:
    """``GET /api/v1/models/NAME@ALIAS?at=T``: the version named then, and its record, read
    in one snapshot."""
    model = _register(registry, "named", line="ad-risk")
    registry.promote(model, actor="a", override=True, notes="for the as-of read")
    client = TestClient(create_app(registry), base_url="http://127.0.0.1")
    taken = _checkouts(registry)
    answer = client.get("/api/v1/models/ad-risk@promoted", params={"at": "2999-01-01T00:00Z"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == model
    assert len(taken) == 1


def test_each_page_reads_what_it_shows_in_one_snapshot(registry: Registry) -> None:
    """A page takes one connection for its caller's check and one for all it reads.

    Read apart, the model page alone opened a transaction (and took the pool's
    connection) for each of its twenty parts.
    """
    model = _register(registry, "paged", line="ad-risk")
    client = TestClient(create_app(registry), base_url="http://127.0.0.1")
    taken = _checkouts(registry)
    for path in (
        "/",
        "/versions",
        f"/models/{model}",
        "/models/ad-risk@1",
        "/history",
        "/review",
        f"/compare?ids={model}",
        "/leaderboards",
        "/datasets",
    ):
        taken.clear()
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text[:300])
        assert len(taken) <= 2, (path, len(taken))


def test_a_token_checked_inside_is_verified_and_its_use_noted_later(registry: Registry) -> None:
    """Noting a token's last use is a write: inside a snapshot it waits for the next check."""
    token = registry.create_token("reader", ["register"])
    with registry.snapshot():
        assert registry.verify_token(token.token).name == "reader"
    assert next(t for t in registry.list_tokens() if t.name == "reader").last_used_at is None
    registry.verify_token(token.token)
    assert next(t for t in registry.list_tokens() if t.name == "reader").last_used_at is not None


def test_a_reference_is_resolved_and_read_at_one_moment(
    registry: Registry, other: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``NAME@latest`` read apart could name the version a registration committed between the
    lookup and the read had just made not the latest, and say ``is_latest: false``."""
    first = _register(registry, "busy", line="busy")
    real_resolve = Registry.resolve
    newer: list[str] = []

    def resolve_then_register(self: Registry, ref: str) -> str:
        found = real_resolve(self, ref)
        if self is registry and not newer:  # another writer commits right after the lookup
            newer.append(_register(other, "busy", line="busy"))
        return found

    monkeypatch.setattr(Registry, "resolve", resolve_then_register)
    record = registry.get_model("busy@latest")
    assert (record.id, record.is_latest) == (first, True)
    assert registry.get_model("busy@latest").id == newer[0]


def test_a_wait_for_events_inside_is_refused_not_left_waiting(registry: Registry) -> None:
    """A snapshot reads one moment: a wait there for what others commit would never end."""
    with registry.snapshot(), pytest.raises(RuntimeError, match="a wait for events inside"):
        registry.wait_for_events(0, timeout=5)
    followed = registry.follow(0)
    with registry.snapshot(), pytest.raises(RuntimeError, match="a wait for events inside"):
        next(followed)
    assert registry.wait_for_events(0, timeout=0) == []  # outside, it answers
