"""Events are written at the end of their transaction: no deadlock, nothing from a rollback.

The event id lock (PostgreSQL) is held from the event's insert to COMMIT. A
unit of work that recorded an event and then takes a line's lock (a review
resolution promoting the model it completed, an MLflow import of several
lines, any unit of work of two verbs) must not hold the id lock while it waits
for that line: a writer holding the line and waiting for the id lock would
close the cycle. Events recorded inside a savepoint that rolls back are not in
the log.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from atlas_registry import ModelRegistration, Registry
from atlas_registry.store.events.record import record_event
from atlas_registry.store.events.types import EventType
from tests.payloads import logistic_regression


@pytest.fixture
def reg(migrated_url: str) -> Any:
    registry = Registry.open(migrated_url)
    yield registry
    registry.close()


def _registration(artifact_id: str, **fields: Any) -> ModelRegistration:
    return ModelRegistration(
        title="ad risk", metadata=logistic_regression(), artifact_id=artifact_id, **fields
    )


def _record_then_fail(reg: Registry) -> None:
    with reg.database.session(write=True) as inner:
        record_event(inner, EventType.TOKEN_CREATED, actor="rolled-back", payload={})
        raise RuntimeError("the inner transaction fails after its event")


def _register_then_fail(reg: Registry) -> None:
    reg.register_model(_registration("gone-1"))
    raise RuntimeError("the caller's own write failed")


def _waiting_for_a_lock(url: str) -> int:
    """How many sessions of this database wait for a lock now."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        found = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return int(found[0]) if found else 0


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_unit_that_recorded_an_event_then_locks_a_line_does_not_deadlock(
    reg: Registry, migrated_url: str
) -> None:
    """A records an event, then locks line L; meanwhile B holds L's lock and records its event.

    With the id lock taken at the event, A would hold it while waiting for L
    and B would hold L while waiting for it: PostgreSQL's deadlock detector
    would abort one of them. Taken at COMMIT, B commits first and A follows.
    """
    reg.register_model(_registration("a-1"))
    reg.register_model(_registration("l-1", line="shared"))
    before = reg.last_event_id()
    db = reg.database
    a_recorded, b_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def unit_a() -> None:
        try:
            with db.unit_of_work():
                reg.reject("a-1", actor="A", notes="first verb: an event")
                a_recorded.set()
                b_started.wait(10)
                deadline = time.monotonic() + 10
                # B is either done or waiting for a lock A holds: either way, go on.
                while b.is_alive() and time.monotonic() < deadline:
                    if _waiting_for_a_lock(migrated_url):
                        break
                    time.sleep(0.02)
                # Second verb: a new version of line "shared" takes the line's lock.
                reg.register_model(_registration("l-a", parent_version_id="l-1"))
        except BaseException as exc:  # reported below, with B's
            errors.append(exc)

    def unit_b() -> None:
        a_recorded.wait(10)
        b_started.set()
        try:
            reg.register_model(_registration("l-b", parent_version_id="l-1"))
        except BaseException as exc:
            errors.append(exc)

    a = threading.Thread(target=unit_a)
    b = threading.Thread(target=unit_b)
    a.start()
    b.start()
    a.join(timeout=60)
    b.join(timeout=60)
    assert not a.is_alive()
    assert not b.is_alive()
    assert errors == []
    events = reg.events_after(before)
    # B committed first, so its registration comes before both of A's events.
    assert [(e.type, e.model_id) for e in events] == [
        ("model.registered", "l-b"),
        ("model.rejected", "a-1"),
        ("model.registered", "l-a"),
    ]
    assert [reg.get_model(m).version_number for m in ("l-b", "l-a")] == [2, 3]


def test_events_of_a_savepoint_that_rolled_back_are_not_written(reg: Registry) -> None:
    """Inside a unit of work, a failed inner transaction and a dry run leave no event."""
    db = reg.database
    with db.unit_of_work():
        reg.register_model(_registration("kept-1"))
        with pytest.raises(RuntimeError):
            _record_then_fail(reg)
        reg.register_model(_registration("dry"), dry_run=True)
        reg.promote("kept-1", actor="ci", notes="n", override=True)
    events = reg.events_after(0)
    assert [(e.type, e.model_id, e.actor) for e in events] == [
        ("model.registered", "kept-1", None),
        ("model.promoted", "kept-1", "ci"),
    ]
    assert reg.get_model("kept-1").promotion_state == "promoted"


def test_a_unit_of_work_that_fails_writes_no_event(reg: Registry) -> None:
    db = reg.database
    with pytest.raises(RuntimeError), db.unit_of_work():
        _register_then_fail(reg)
    assert reg.events_after(0) == []
    reg.register_model(_registration("next-1"))
    assert [e.model_id for e in reg.events_after(0)] == ["next-1"]
