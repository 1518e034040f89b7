"""Done when: followers of a real ``serve`` see every event once, in order, across a restart.

Two server processes share one database (PostgreSQL, where a write through
one wakes a long poll on the other by NOTIFY; SQLite too, one file). A
long-polling follower and a Server-Sent Events follower, both on the second
server, start before eight writers send mixed writes (registrations,
promotions and the supersessions they cause, evaluations, alias moves, tags)
spread over both servers. Halfway through, the followers' server is killed
and started again. Each follower must end with exactly the database's log:
every event once, in id order, each as the log holds it.

Claims of units from halfway on wait for the restart, so writes come after
it however fast the others go. The normal lane writes about 120 events (a few
seconds a backend: the servers' starts are most of it); the ``soak`` run
(``-m soak``, a CI step of its own) about 10,000.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest

from atlas_registry import Registry
from tests.event_soak_helpers import LongPoller, Server, StreamReader, mixed_writes

WRITERS = 8
# Events per unit of writes: registered, promoted, superseded (but the line's
# first), evaluation, alias, tags; line.named once per line.
EVENTS_PER_UNIT = 6


def _claims(
    units: int, halfway: threading.Event, restarted: threading.Event
) -> Callable[[], int | None]:
    """Hands out unit numbers; the writer that claims the middle one says so, and every claim
    from there waits until the restart is done, so writes come after it whatever the timing."""
    counter, guard = itertools.count(), threading.Lock()

    def claim() -> int | None:
        with guard:
            unit = next(counter)
        if unit == units // 2:
            halfway.set()
        if unit >= units // 2:
            assert restarted.wait(600), "the followed server did not come back"
        return unit if unit < units else None

    return claim


def _follow_through_writes(url: str, events: int) -> None:
    with Registry.open(url) as registry:
        token = registry.create_token("soak", ["register", "promote", "override"]).token
        registry.register_dataset(
            {
                "title": "soak data",
                "uri": "https://data.example/soak",
                "license": "cc-by-4.0",
                "revision": "v1",
                "artifact_id": "soak-data",
            }
        )
    writers_on, followed = Server(url), Server(url)
    halfway, restarted = threading.Event(), threading.Event()
    last: list[int] = []
    until: Callable[[], int | None] = lambda: last[0] if last else None  # noqa: E731
    followers = [LongPoller(followed.base, until), StreamReader(followed.base, until)]
    try:
        for server in (writers_on, followed):
            server.launch()  # both at once: a start is mostly imports
        for server in (writers_on, followed):
            server.wait_ready()
        for follower in followers:
            follower.thread.start()
        claim = _claims(-(-events // EVENTS_PER_UNIT), halfway, restarted)
        bases = [writers_on.base, followed.base]
        writers = [
            threading.Thread(target=_guarded, args=(mixed_writes, bases[w % 2], token, w, claim))
            for w in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        assert halfway.wait(600), "the writers did not get halfway"
        try:
            followed.kill()  # mid-write, mid-poll, mid-stream
            followed.start()
        finally:
            restarted.set()
        for writer in writers:
            writer.join(timeout=1200)
        assert not any(w.is_alive() for w in writers)
        assert not _FAILED, _FAILED[0]
        with Registry.open(url) as registry:
            log = [e.to_dict() for e in _whole_log(registry)]
        last.append(log[-1]["id"])
        for follower in followers:
            follower.thread.join(timeout=120)
        stuck = [
            f"{type(f).__name__} at {f.after} of {last[0]}, {f.reconnects} reconnects, {f.error!r}"
            for f in followers
            if f.thread.is_alive()
        ]
        assert not stuck, f"{stuck}; the followed server said: {followed.output()}"
    finally:
        restarted.set()  # no writer waits for a restart that will not come
        writers_on.terminate()  # both at once
        stopped = [writers_on.stop(), followed.stop()]
        said = followed.output()
        writers_on.close()
        followed.close()
    assert stopped == [0, 0], f"SIGTERM did not stop both servers cleanly: {stopped}; {said}"
    assert len(log) >= events
    for follower in followers:
        assert follower.error is None, follower.error
        assert not follower.thread.is_alive()
        ids = [e["id"] for e in follower.seen]
        assert ids == sorted(set(ids)), f"{type(follower).__name__}: an event twice or out of order"
        assert follower.seen == log, f"{type(follower).__name__} does not match the log"
        assert follower.reconnects >= 1, "the restart did not cut the follower"


_FAILED: list[BaseException] = []


def _guarded(run: Callable[..., None], *args: Any) -> None:
    try:
        run(*args)
    except BaseException as exc:  # reported by the test
        _FAILED.append(exc)


def _whole_log(registry: Registry) -> list[Any]:
    found, after = [], 0
    while page := registry.events_after(after, limit=1000):
        found.extend(page)
        after = page[-1].id
    return found


@pytest.mark.slow
def test_followers_see_each_event_once_across_two_servers_and_a_restart(
    migrated_url: str,
) -> None:
    _FAILED.clear()
    _follow_through_writes(migrated_url, 120)


@pytest.mark.slow
@pytest.mark.soak
def test_followers_see_ten_thousand_events_once_across_two_servers_and_a_restart(
    migrated_url: str, request: pytest.FixtureRequest
) -> None:
    if "soak" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("a soak run: select it with -m soak")
    _FAILED.clear()
    _follow_through_writes(migrated_url, 10_000)
