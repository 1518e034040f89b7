"""The registry handle's verbs on the event log: read after a cursor, wait, follow.

A consumer keeps the id of the last event it handled and asks for the ones
after it (:meth:`EventVerbs.events_after`); :meth:`EventVerbs.follow` does that
for ever. Waiting is woken by PostgreSQL's LISTEN/NOTIFY, one listening
connection per process (:mod:`atlas_registry.store.events.wakeups`), and is a
short poll on SQLite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

from atlas_registry.errors import InputError
from atlas_registry.registry.feature_verbs import FeatureVerbs
from atlas_registry.store.events import feed, wakeups
from atlas_registry.store.events.feed import Event

MAX_WAIT_SECONDS = 60
# How long a follower may go without looking at its stop signal.
STOP_CHECK_SECONDS = 1.0
WAIT_IN_SNAPSHOT = (
    "a wait for events inside a snapshot: Registry.snapshot() reads one moment, so what "
    "others commit would never come; wait outside it"
)


class EventVerbs(FeatureVerbs):
    """Reading and following the log of every change."""

    def events_after(
        self,
        after: int = 0,
        *,
        types: Sequence[str] = (),
        line: str | None = None,
        limit: int = 100,
    ) -> list[Event]:
        """Up to ``limit`` events with an id above ``after``, oldest first (see :mod:`.feed`)."""
        return feed.events_after(self.database, after, types=types, line=line, limit=limit)

    def events_before(
        self,
        before: int | None = None,
        *,
        types: Sequence[str] = (),
        line: str | None = None,
        actor: str | None = None,
        overrides_only: bool = False,
        limit: int = 50,
    ) -> list[Event]:
        """Up to ``limit`` events below ``before`` (the newest when None), newest first.

        The history page's read, paged back in time; see :func:`.feed.events_before`.
        """
        return feed.events_before(
            self.database,
            before,
            types=types,
            line=line,
            actor=actor,
            overrides_only=overrides_only,
            limit=limit,
        )

    def last_event_id(self) -> int:
        """The newest event's id, 0 for an empty log."""
        return feed.last_event_id(self.database)

    def wait_for_events(
        self,
        after: int = 0,
        *,
        timeout: float,
        types: Sequence[str] = (),
        line: str | None = None,
        limit: int = 100,
    ) -> list[Event]:
        """:meth:`events_after`, waiting up to ``timeout`` seconds (<= 60) for one to come.

        Returns as soon as there is at least one event (an empty list when the
        time is up). Holds a thread while it waits: a server waits
        asynchronously instead, through :meth:`subscribe_events`.
        """
        if not 0 <= timeout <= MAX_WAIT_SECONDS:
            raise InputError(f"a wait must be between 0 and {MAX_WAIT_SECONDS} seconds")
        self._not_in_snapshot()
        woken = threading.Event()
        unsubscribe = self.subscribe_events(woken.set)
        try:
            deadline = time.monotonic() + timeout
            while True:
                woken.clear()
                found = self.events_after(after, types=types, line=line, limit=limit)
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return found
                woken.wait(min(left, self.event_poll_interval()))
        finally:
            unsubscribe()

    def follow(
        self,
        after: int = 0,
        *,
        types: Sequence[str] = (),
        line: str | None = None,
        stop: threading.Event | None = None,
    ) -> Iterator[Event]:
        """Every event after ``after`` as it comes, for ever (or until ``stop`` is set,
        which is looked at least once a second). One subscription to wake-ups for the
        whole follow, not one per wait."""
        woken = threading.Event()
        unsubscribe = self.subscribe_events(woken.set)
        try:
            while stop is None or not stop.is_set():
                self._not_in_snapshot()  # looked at each turn: the caller's context then
                woken.clear()
                found = self.events_after(after, types=types, line=line)
                for event in found:
                    after = event.id
                    yield event
                if not found:
                    woken.wait(min(STOP_CHECK_SECONDS, self.event_poll_interval()))
        finally:
            unsubscribe()

    def _not_in_snapshot(self) -> None:
        """A wait for what others commit would never end inside a snapshot, which reads one
        moment: refused, as a write there is."""
        if self.database.in_snapshot:
            raise RuntimeError(WAIT_IN_SNAPSHOT)

    def subscribe_events(self, wake: Callable[[], object]) -> Callable[[], None]:
        """Call ``wake`` (from another thread) when new events may have committed.

        Only PostgreSQL can tell; elsewhere nothing calls it, and a waiter
        reads again every :meth:`event_poll_interval` seconds. Returns the
        function that unsubscribes.
        """
        return wakeups.subscribe(self.database, wake)

    def event_poll_interval(self) -> float:
        """How long a waiter may sleep between reads of the log when nothing wakes it."""
        return wakeups.poll_interval(self.database)

    def close(self) -> None:
        wakeups.stop(self.database)
        super().close()
