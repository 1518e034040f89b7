"""Following the event log over HTTP: a page after a cursor, a long poll, Server-Sent Events.

The routes (``GET /api/v1/events?after=...`` and ``/api/v1/events/stream``)
hold no rule of their own: they read :meth:`Registry.events_after` and wait
asynchronously for :meth:`Registry.subscribe_events` to say new events may
have committed (PostgreSQL's NOTIFY, one listening connection per process),
reading again every :meth:`Registry.event_poll_interval` seconds when nothing
says so (SQLite; PostgreSQL while its listener is down). A waiter holds no
thread and no connection while it waits.

A server that is told to stop (SIGTERM) calls :func:`stop_following`: every
open stream and long poll of its process ends at once, the stream cleanly (a
client reconnects with ``Last-Event-ID``, to another process or this one
restarted) and the long poll with the page it has. Left open, they would hold
the stop until uvicorn's graceful timeout cut them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, StreamingResponse

from atlas_registry import MAX_EVENTS, Event, InputError, Registry
from atlas_registry.api.deps import Access, Caller
from atlas_registry.api.paging import link_next

MAX_WAIT = 60
# A comment line this often keeps proxies from closing an idle stream.
HEARTBEAT_SECONDS = 15.0
SSE_MEDIA = "text/event-stream"
AFTER = "Event log: the id of the last event the follower saw (0: from the start)."
TYPES = "Event log: only these event types, comma-separated."
LINE = "Event log: only the events of this line (its name, or its first version's id)."
WAIT = f"Event log: seconds (<= {MAX_WAIT}) to wait for the first event after the cursor."


def event_responses() -> dict[int | str, dict[str, Any]]:
    """The 200 of a route that can answer as Server-Sent Events too."""
    stream_schema = {"type": "string", "description": "id:, event:, data: lines per event"}
    return {200: {"content": {SSE_MEDIA: {"schema": stream_schema}}}}


@dataclass(frozen=True)
class Follow:
    """What a follower asks for: after which id, which types, which line, how many."""

    after: int
    types: tuple[str, ...]
    line: str | None
    limit: int

    def read(self, access: Access, after: int | None = None) -> asyncio.Future[list[Event]]:
        start = self.after if after is None else after
        return asyncio.ensure_future(
            access.run(
                lambda found, _caller: found.events_after(
                    start, types=self.types, line=self.line, limit=self.limit
                )
            )
        )


def parse_types(types: str | None) -> tuple[str, ...]:
    """``a,b`` as the types it names (each checked by the registry against its vocabulary)."""
    if types is None:
        return ()
    return tuple(t.strip() for t in types.split(",") if t.strip())  # none named: every type


def resume_from(request: Request, after: int | None) -> int:
    """Where a stream starts: after ``Last-Event-ID`` (a client reconnecting), else ``after``."""
    header = request.headers.get("last-event-id")
    if header is None or not header.strip():
        return after or 0
    text = header.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise InputError("Last-Event-ID must be the id of an event (digits only)")
    return int(text)


class Waker:
    """An asyncio event set from the registry's listener thread; unsubscribed on close.

    Also set when the server stops (:func:`stop_following`), after which it no
    longer sleeps: its follower sees :func:`stopping` and ends.
    """

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._unsubscribe: Callable[[], None] = lambda: None
        self.interval = 0.1
        _waiting.add(self)

    async def start(self, access: Access) -> None:
        def subscribe(found: Registry, _caller: Caller) -> tuple[Callable[[], None], float]:
            wake = self.wake
            return found.subscribe_events(wake), found.event_poll_interval()

        self._unsubscribe, self.interval = await access.run(subscribe)

    def wake(self) -> None:
        with contextlib.suppress(RuntimeError):  # its loop closed: nothing waits in it
            self._loop.call_soon_threadsafe(self.event.set)

    async def sleep(self, seconds: float) -> None:
        """Until woken, or ``seconds`` (at most the poll interval) have passed; not at all once
        the server is stopping."""
        if stopping():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.event.wait(), timeout=max(0.0, min(seconds, self.interval)))
        self.event.clear()

    def close(self) -> None:
        _waiting.discard(self)
        self._unsubscribe()


# The wakers of this process's open streams and long polls, and whether the server is stopping.
_waiting: weakref.WeakSet[Waker] = weakref.WeakSet()
_stop = threading.Event()


def stop_following() -> None:
    """End every stream and long poll of this process now: the server is stopping.

    Called once the server stops taking connections (:mod:`.connections`). Each
    follower is woken and ends where it is; none starts waiting again.
    """
    _stop.set()
    for waker in list(_waiting):
        waker.wake()


def resume_following() -> None:
    """A server of this process has stopped, its followers ended: let a server started
    next in this process (an embedding program's, a test's) keep its followers waiting."""
    _stop.clear()


def following() -> bool:
    """Whether a stream or long poll of this process is waiting for events now."""
    return bool(_waiting)


def stopping() -> bool:
    """Whether :func:`stop_following` was called in this process."""
    return _stop.is_set()


async def waited_page(request: Request, access: Access, follow: Follow, wait: int) -> JSONResponse:
    """Events after the cursor, waiting up to ``wait`` seconds for the first to come."""
    items = await follow.read(access)
    if not items and wait > 0:
        waker = Waker()
        await waker.start(access)
        try:
            deadline = time.monotonic() + wait
            items = await follow.read(access)  # again: one may have come before the subscription
            while not items and not stopping() and (left := deadline - time.monotonic()) > 0:
                await waker.sleep(left)
                items = await follow.read(access)
        finally:
            waker.close()
    last = items[-1].id if items else follow.after
    response = JSONResponse({"items": [e.to_dict() for e in items], "next_after": last})
    full = len(items) == follow.limit
    return link_next(request, response, "after", str(last) if full else None)


async def stream(request: Request, access: Access, follow: Follow) -> StreamingResponse:
    """The log as Server-Sent Events from the cursor on, for as long as the client listens.

    The first read happens before the response starts, so a bad cursor, type
    or line is an ordinary problem response, not a broken stream.
    """
    first = await follow.read(access)
    return StreamingResponse(
        _events(request, access, follow, first),
        media_type=SSE_MEDIA,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(
    request: Request, access: Access, follow: Follow, first: list[Event]
) -> AsyncIterator[bytes]:
    after = follow.after
    waker = Waker()
    await waker.start(access)
    try:
        yield b": following the event log\nretry: 1000\n\n"
        quiet_since = time.monotonic()
        items = first or await follow.read(access)  # one may have come before the subscription
        while True:
            for event in items:
                yield sse(event)
                after = event.id
            if items:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
                yield b": keep-alive\n\n"
                quiet_since = time.monotonic()
            if stopping() or await request.is_disconnected():
                return
            if not items:
                await waker.sleep(HEARTBEAT_SECONDS)
            items = await follow.read(access, after)
    finally:
        waker.close()


def sse(event: Event) -> bytes:
    """One event as an SSE message: its id (what ``Last-Event-ID`` resumes from), type, JSON."""
    data = json.dumps(event.to_dict(), ensure_ascii=True, separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n".encode()


def follow_of(after: int | None, types: str | None, line: str | None, limit: int) -> Follow:
    if not 1 <= limit <= MAX_EVENTS:
        raise InputError(f"limit must be between 1 and {MAX_EVENTS}")
    return Follow(after or 0, parse_types(types), line, limit)
