"""The event log: every write records its event in its own transaction, in commit order.

What a follower relies on: each change is one event, a failed or dry-run write
is none, ids never go backwards in commit order (concurrent writers on both
databases, and a PostgreSQL writer that commits late holds later ids back),
filters by type and line, the past is in the log after 0026, and the table
refuses to lose or change a row.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from atlas_registry import (
    EVENT_TYPES,
    InputError,
    MigrationError,
    ModelRegistration,
    NotFoundError,
    Registry,
    SchemaAdmin,
    ValidationError,
)
from atlas_registry.store.events.record import MAX_PAYLOAD_BYTES, record_event, write_now
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


def _types(reg: Registry, after: int = 0) -> list[str]:
    return [e.type for e in reg.events_after(after, limit=1000)]


def test_each_kind_of_write_is_one_event_in_the_order_it_happened(reg: Registry) -> None:
    reg.register_model(_registration("m-1", line="ad-risk"), actor="trainer")
    reg.register_model(_registration("m-2", line="ad-risk"), actor="trainer")
    reg.promote("m-1", actor="ci", notes="good", override=True)
    reg.promote("m-2", actor="ci", notes="better", override=True)
    reg.rollback("ad-risk", to_version=1, actor="ops", notes="m-2 regressed", override=True)
    reg.register_model(_registration("m-3"), actor="trainer")
    reg.reject("m-3", actor="ci", notes="no")
    reg.create_token("bot", ["register"])
    reg.revoke_token("bot")
    events = reg.events_after(0)
    assert [e.type for e in events] == [
        "model.registered",
        "line.named",
        "model.registered",
        "model.promoted",
        "model.superseded",  # m-1, by m-2's promotion: the moves out of 'promoted' go first
        "model.promoted",
        "model.superseded",  # m-2, by the rollback
        "model.rolled_back",  # m-1 again
        "model.registered",
        "model.rejected",
        "token.created",
        "token.revoked",
    ]
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert len({e.id for e in events}) == len(events)
    first = events[0]
    assert (first.actor, first.model_id, first.line_id) == ("trainer", "m-1", "m-1")
    assert first.payload == {"version": 1}
    rolled = events[7]
    assert rolled.model_id == "m-1"
    assert rolled.actor == "ops"
    assert rolled.payload["notes"] == "m-2 regressed"
    assert rolled.payload["override"] is True
    assert events[10].payload == {"name": "bot", "scopes": ["register"]}
    # Every type written is in the one vocabulary.
    assert {e.type for e in events} <= set(EVENT_TYPES)


def test_a_batch_is_one_event_per_version_in_input_order(reg: Registry) -> None:
    ids = [f"b-{i:03d}" for i in range(120)]
    reg.register_models([_registration(i) for i in ids], actor="loader")
    events = reg.events_after(0, types=["model.registered"], limit=1000)
    assert [e.model_id for e in events] == ids
    assert {e.actor for e in events} == {"loader"}


def test_a_refused_or_dry_run_write_records_nothing(reg: Registry) -> None:
    reg.register_model(_registration("m-1"))
    before = reg.last_event_id()
    with pytest.raises(ValidationError):
        reg.register_model(ModelRegistration(title="x", metadata={"nope": 1}))
    reg.register_model(_registration("m-dry"), dry_run=True)
    with pytest.raises(ValidationError):  # the second item is bad: the first is not written
        reg.register_models([_registration("m-ok"), ModelRegistration(title="x", metadata={})])
    assert reg.last_event_id() == before
    assert _types(reg) == ["model.registered"]


def test_hostile_text_is_kept_as_text_and_long_notes_are_cut(reg: Registry) -> None:
    notes = "<script>alert(1)</script> ✓ \u202e" + "x" * 5000
    reg.register_model(_registration("m-1"))
    reg.promote("m-1", actor="<b>ci</b>", notes=notes, override=True)
    [event] = reg.events_after(1)
    assert event.actor == "<b>ci</b>"
    assert event.payload["notes"].startswith("<script>alert(1)</script> ✓ \u202e")
    assert len(event.payload["notes"]) <= 501


def test_a_payload_over_the_bound_is_a_bug_in_the_writer(reg: Registry) -> None:
    with (
        pytest.raises(ValueError, match=str(MAX_PAYLOAD_BYTES)),
        reg.database.session(write=True) as session,
    ):
        record_event(session, EventType.TOKEN_CREATED, actor=None, payload={"x": "y" * 5000})
    with (
        pytest.raises(ValueError, match="EventType"),
        reg.database.session(write=True) as session,
    ):
        record_event(session, "model.whatever", actor=None)  # type: ignore[arg-type]
    assert reg.last_event_id() == 0


def test_filters_by_type_and_line_and_refuses_what_matches_nothing(reg: Registry) -> None:
    reg.register_model(_registration("m-1", line="ad-risk"))
    reg.register_model(_registration("m-2", line="ad-risk"))
    reg.register_model(_registration("o-1", line="other"))
    reg.promote("o-1", actor="ci", notes="n", override=True)
    on_line = reg.events_after(0, line="ad-risk")
    assert [(e.type, e.model_id) for e in on_line] == [
        ("model.registered", "m-1"),
        ("line.named", "m-1"),
        ("model.registered", "m-2"),
    ]
    assert reg.events_after(0, line="m-1") == on_line  # a line by its first version's id
    promoted = reg.events_after(0, types=["model.promoted", "line.named"], line="other")
    assert [e.type for e in promoted] == ["line.named", "model.promoted"]
    assert [e.id for e in reg.events_after(on_line[0].id, limit=2)] == [
        on_line[0].id + 1,
        on_line[0].id + 2,
    ]
    with pytest.raises(ValidationError, match=r"unknown event type 'model\.promotd'"):
        reg.events_after(0, types=["model.promotd"])
    for hostile in ("nope", "a\x00b", "名前" * 100):
        with pytest.raises(NotFoundError):
            reg.events_after(0, line=hostile)
    for after, limit in ((-1, 10), (0, 0), (0, 1001)):
        with pytest.raises(InputError):
            reg.events_after(after, limit=limit)


def test_concurrent_writers_leave_a_log_a_follower_reads_exactly_once(reg: Registry) -> None:
    """Eight writers of several kinds; a follower polling all along sees each event once."""
    writers, each = 8, 6
    seen: list[int] = []
    done = threading.Event()

    def follower() -> None:
        after = 0
        while True:
            finished = done.is_set()
            for event in reg.events_after(after, limit=1000):
                seen.append(event.id)
                after = event.id
            if finished:
                return
            time.sleep(0.005)

    def writer(w: int) -> None:
        for i in range(each):
            model = f"w{w}-{i}"
            reg.register_model(_registration(model))
            if i % 2:
                reg.promote(model, actor=f"writer-{w}", notes="n", override=True)
            else:
                reg.reject(model, actor=f"writer-{w}", notes="n")

    following = threading.Thread(target=follower)
    following.start()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(writer, range(writers)))
    done.set()
    following.join(timeout=60)
    assert seen == sorted(seen), "a follower saw an id below one it had passed"
    assert len(seen) == len(set(seen)) == writers * each * 2
    assert seen == [e.id for e in reg.events_after(0, limit=1000)]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_late_commit_holds_later_event_ids_back_on_postgresql(reg: Registry) -> None:
    """Writer A has written its event and not committed; writer B must wait for A's COMMIT.

    Without the lock B would take a higher id and commit first: a follower
    reading ``id > last`` after B would never see A's lower id. (A writes its
    event now, as every writer does just before COMMIT, and its COMMIT is late.)
    """
    database = reg.database
    b_done = threading.Event()
    with database.session(write=True) as session:
        record_event(session, EventType.TOKEN_CREATED, actor="A", payload={})
        write_now(session)
        session.rows("SELECT 1")  # the pipeline has sent the lock and the insert

        def writer_b() -> None:
            with database.session(write=True) as other:
                record_event(other, EventType.TOKEN_CREATED, actor="B", payload={})
            b_done.set()

        b = threading.Thread(target=writer_b)
        b.start()
        assert not b_done.wait(0.5), "B committed an event while A's was uncommitted"
        assert reg.events_after(0) == []
    b.join(timeout=30)
    assert b_done.is_set()
    assert [e.actor for e in reg.events_after(0)] == ["A", "B"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_waiter_is_woken_by_notify_not_by_its_poll(reg: Registry) -> None:
    reg.register_model(_registration("m-0"))
    after = reg.last_event_id()
    reg.wait_for_events(after, timeout=0.5)  # the listener is up
    woke: list[float] = []

    def wait() -> None:
        start = time.monotonic()
        found = reg.wait_for_events(after, timeout=20)
        woke.append(time.monotonic() - start)
        assert [e.model_id for e in found] == ["m-1"]

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)
    written = time.monotonic()
    reg.register_model(_registration("m-1"))
    waiter.join(timeout=30)
    assert woke
    # Well under the 5 s a listening waiter sleeps between polls: NOTIFY woke it.
    assert time.monotonic() - written < 2.0


def test_wait_is_bounded_and_returns_empty_when_nothing_comes(reg: Registry) -> None:
    start = time.monotonic()
    assert reg.wait_for_events(0, timeout=0.3) == []
    assert 0.25 <= time.monotonic() - start < 3
    with pytest.raises(InputError):
        reg.wait_for_events(0, timeout=61)


def test_follow_yields_what_comes_in_order_until_stopped(
    reg: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = threading.Event()
    got: list[str] = []
    subscriptions: list[object] = []
    subscribe = reg.subscribe_events

    def counted(wake: Any) -> Any:
        subscriptions.append(wake)
        return subscribe(wake)

    monkeypatch.setattr(reg, "subscribe_events", counted)

    def consume() -> None:
        for event in reg.follow(0, types=["model.registered"], stop=stop):
            got.append(event.model_id or "")
            if len(got) == 3:
                stop.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    for name in ("a-1", "a-2", "a-3"):
        reg.register_model(_registration(name))
        time.sleep(0.05)  # each registration a wake-up of its own
    consumer.join(timeout=30)
    assert got == ["a-1", "a-2", "a-3"]
    assert len(subscriptions) == 1  # one for the whole follow, not one per wait


def test_the_migration_writes_the_past_and_down_is_refused_unless_named(
    migrated_url: str,
) -> None:
    with Registry.open(migrated_url) as reg:
        reg.register_model(_registration("m-1", line="ad-risk"), actor="trainer")
        reg.register_model(_registration("m-2", line="ad-risk"), actor="trainer")
        reg.promote("m-1", actor="ci", notes="first", override=True)
        reg.promote("m-2", actor="ci", notes="second", override=True)
        reg.create_token("bot", ["register"])
        reg.revoke_token("bot")
        live = [(e.type, e.model_id) for e in reg.events_after(0)]
    with SchemaAdmin.open(migrated_url) as admin:
        with pytest.raises(MigrationError, match="registry_events"):
            admin.downgrade(20)
        admin.downgrade(20, discard={"registry_events"})
        admin.migrate()
    with Registry.open(migrated_url) as reg:
        past = reg.events_after(0)
        # The same facts, from the tables that keep them; within one second the
        # kinds are ranked (registrations, names, ..., transitions, tokens).
        assert sorted((e.type, e.model_id) for e in past) == sorted(live)
        assert [e.id for e in past] == list(range(1, len(past) + 1))
        promoted = [e for e in past if e.type == "model.promoted"]
        assert [e.payload["notes"] for e in promoted] == ["first", "second"]
        assert {e.actor for e in promoted} == {"ci"}
        # New events carry on after the past, never under it.
        reg.register_model(_registration("m-3"))
        assert reg.events_after(len(past))[0].model_id == "m-3"
        # Run again, the backfill gives the same log (a stable order).
    with SchemaAdmin.open(migrated_url) as admin:
        admin.downgrade(20, discard={"registry_events"})
        admin.migrate()
    with Registry.open(migrated_url) as reg:
        again = reg.events_after(0)
    with Registry.open(migrated_url) as reg:
        assert again == reg.events_after(0)


def test_the_backfill_of_a_legacy_catalog_is_in_the_log(legacy_url: str) -> None:
    with Registry.open(legacy_url) as reg:
        before = reg.last_event_id()
        reg.backfill()
        adopted = reg.events_after(before, types=["model.adopted"], limit=1000)
        assert adopted
        assert all(e.line_id for e in adopted)
        assert {e.type for e in reg.events_after(before, limit=1000)} >= {"model.adopted"}


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_dropped_listener_falls_back_to_polling_and_comes_back(reg: Registry) -> None:
    from atlas_registry.store.events import wakeups

    reg.wait_for_events(0, timeout=0.3)
    listener = wakeups.listener(reg.database)
    assert listener is not None
    assert listener.listening.wait(5)
    with reg.database.session(write=True) as session:
        [(ended,)] = session.rows(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        )
    assert ended == 1
    deadline = time.monotonic() + 5
    while listener.listening.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    found: list[Any] = []
    waiter = threading.Thread(target=lambda: found.extend(reg.wait_for_events(0, timeout=20)))
    waiter.start()
    time.sleep(0.2)
    written = time.monotonic()
    reg.register_model(_registration("m-1"))
    waiter.join(timeout=30)
    assert [e.model_id for e in found] == ["m-1"]
    assert time.monotonic() - written < 2.0
    assert listener.listening.wait(10), "the listener did not reconnect"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_closing_a_handle_ends_its_listener_at_once(migrated_url: str) -> None:
    """A server's shutdown (and each closed handle) waited up to a second for the listener."""
    from atlas_registry.store.events import wakeups

    for _ in range(3):
        with Registry.open(migrated_url) as opened:
            opened.wait_for_events(0, timeout=0.01)
            listener = wakeups.listener(opened.database)
            assert listener is not None
            assert listener.listening.wait(5)
            time.sleep(0.05)  # the thread is in its wait on the socket
            started = time.monotonic()
        assert time.monotonic() - started < 0.3
        assert not listener._thread.is_alive()
        listener.stop()  # again, as a second close would: nothing is written anywhere
    with Registry.open(migrated_url) as checking, checking.database.session() as session:
        [(listening,)] = session.rows(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        )
    assert listening == 0


def test_each_change_after_registration_is_one_event_too(reg: Registry, tmp_path: Any) -> None:
    """Evaluations, alias moves, tags, text edits, files and datasets are in the log."""
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"weights")
    dataset = reg.register_dataset(
        {
            "title": "held out",
            "uri": "https://data.example/ho",
            "license": "cc-by-4.0",
            "revision": "v1",
            "artifact_id": "dataset-ho",
        },
        actor="curator",
    )
    reg.register_model(_registration("m-1", line="ad-risk"), actor="trainer")
    start = reg.last_event_id()
    reg.add_evaluation(
        "m-1", by="eval", benchmark_id="b", dataset_id=dataset.id, metrics={"auroc": 0.8}
    )
    reg.set_alias("ad-risk", "champion", to_version=1, actor="ops")
    reg.set_alias("ad-risk", "champion", to_version=1, actor="ops")  # no move: no event
    reg.delete_alias("ad-risk", "champion", actor="ops")
    reg.set_tags("ad-risk", {"team": "vision"}, actor="ana")
    reg.set_tags("ad-risk", {"team": "vision"}, actor="ana")  # unchanged: no event
    reg.edit_text("m-1", {"changelog": "fixed"}, actor="ana")
    digest = "0f6fe5a0b6d1f6b2f0a1a1d5b1c7d3f7e1a9b0c2d4e6f8a0b2c4d6e8f0a2b4c6"
    reg.add_file(
        "m-1", {"uri": weights.as_uri(), "sha256": digest, "size_bytes": 7}, actor="trainer"
    )
    reg.verify_files(["m-1"], actor="operator")
    events = reg.events_after(start)
    assert [e.type for e in events] == [
        "evaluation.added",
        "alias.set",
        "alias.deleted",
        "tags.changed",
        "text.edited",
        "file.listed",
        "file.checked",
    ]
    assert {e.model_id for e in events} == {"m-1"}
    assert {e.line_id for e in events} == {"m-1"}
    assert events[0].payload["dataset_id"] == "dataset-ho"
    assert events[1].payload == {"line": "ad-risk", "alias": "champion", "from": None, "to": "m-1"}
    assert events[3].payload == {"scope": "line", "set": ["team"], "removed": []}
    assert events[4].payload == {"fields": ["changelog"]}
    assert events[6].payload["status"] == "mismatch"  # the digest listed is not the bytes'
    [registered] = [e for e in reg.events_after(0) if e.type == "dataset.registered"]
    assert (registered.actor, registered.model_id) == ("curator", None)
    assert registered.payload == {"dataset_id": "dataset-ho"}
    assert {e.type for e in reg.events_after(0, limit=1000)} <= set(EVENT_TYPES)
