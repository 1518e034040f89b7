"""What wakes a reader waiting for new events: PostgreSQL's LISTEN/NOTIFY, else a short poll.

Every event-writing transaction on PostgreSQL sends ``pg_notify`` on
:data:`~.pending.CHANNEL`, which the server delivers at COMMIT to every session
listening, in every server process. Each process keeps ONE listening
connection (a :class:`Listener` per database handle, started when the first
reader waits) and fans its notifications out to the waiters in that process
through callbacks; a waiter never holds a connection of its own.

A notification only says "look again": waiters re-read the log after their
cursor, so a notification lost while the listening connection was down costs
nothing but latency. While it is down (and always on SQLite, which has no
notifications) waiters fall back to polling every :func:`poll_interval`
seconds; the listener reconnects with a backoff and wakes everyone when it
does, since it may have missed something.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import weakref
from collections.abc import Callable
from typing import Any

from atlas_registry.store.db import Database
from atlas_registry.store.events.pending import CHANNEL

Wake = Callable[[], object]

# How often a waiter re-reads the log when nothing wakes it: on SQLite always,
# on PostgreSQL only as a safety net while the listener is up.
SQLITE_POLL = 0.1
LISTENING_POLL = 5.0
NOT_LISTENING_POLL = 0.25
_RECONNECT_MAX = 5.0


class Listener:
    """One thread holding one ``LISTEN`` connection, calling every subscriber on a notify."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._subscribers: dict[int, Wake] = {}
        self._next = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        # Written to by stop(): it wakes the thread out of its wait on the socket at
        # once, so closing a handle (a server's shutdown, each test) does not wait.
        # Closed once the thread has ended, never under it (a closed descriptor's
        # number is soon another file's); see stop().
        self._stop_read, self._stop_write = os.pipe()
        self._pid = os.getpid()
        self._stopping = threading.Lock()
        self._ended = False
        self._abandoned = False  # stop() gave up waiting: the thread closes the pipe
        self.listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="atlas-event-listener", daemon=True)
        self._thread.start()

    def subscribe(self, wake: Wake) -> Callable[[], None]:
        """Call ``wake`` (from the listener's thread) on every notify; returns the unsubscribe."""
        with self._lock:
            self._next += 1
            key = self._next
            self._subscribers[key] = wake

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers.pop(key, None)

        return unsubscribe

    def _wake_all(self) -> None:
        with self._lock:
            waking = list(self._subscribers.values())
        for wake in waking:
            with contextlib.suppress(Exception):  # one waiter's failure is not the others'
                wake()

    def _run(self) -> None:
        delay = 0.1
        try:
            while not self._stopped.is_set():
                try:
                    self._listen()
                    delay = 0.1
                except Exception:  # the connection dropped or could not be made: poll meanwhile
                    self.listening.clear()
                    self._wake_all()
                    self._stopped.wait(delay)
                    delay = min(delay * 2, _RECONNECT_MAX)
        finally:
            with self._stopping:
                self._ended = True
                if self._abandoned:
                    self._close_pipe()

    def _listen(self) -> None:
        connection = self._connect()
        try:
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            self._wake_all()  # anything committed while nobody listened is read now
            # poll, not select: a busy server's descriptors pass select's limit of 1024.
            waiting = select.poll()
            waiting.register(connection.fileno(), select.POLLIN)
            waiting.register(self._stop_read, select.POLLIN)
            while not self._stopped.is_set():
                # Until the server sends something (a notify, or the end of the
                # connection, which notifies() then raises) or stop() is called.
                if any(fd == self._stop_read for fd, _ in waiting.poll()):
                    break
                for _ in connection.notifies(timeout=0, stop_after=1):
                    self._wake_all()
        finally:
            self.listening.clear()
            with contextlib.suppress(Exception):
                connection.close()

    def stop(self) -> None:
        """End the thread and close its connection before returning; a second call does nothing."""
        with self._stopping:
            if self._stopped.is_set():
                return
            self._stopped.set()
            if os.getpid() != self._pid:
                # A forked child's copy of the handle: the thread is the parent's and
                # the pipe is shared with it; only this process's copies are closed.
                self._close_pipe()
                return
            os.write(self._stop_write, b"x")
        self._thread.join(timeout=3)
        with self._stopping:
            if self._ended:
                self._close_pipe()
            else:
                self._abandoned = True  # still connecting: it closes the pipe as it ends

    def _close_pipe(self) -> None:
        os.close(self._stop_read)
        os.close(self._stop_write)


_LISTENERS: weakref.WeakKeyDictionary[Database, Listener] = weakref.WeakKeyDictionary()
_GUARD = threading.Lock()


def listener(db: Database) -> Listener | None:
    """This process's listener on ``db`` (started on first use); None on SQLite."""
    if db.dialect != "postgresql":
        return None
    with _GUARD:
        found = _LISTENERS.get(db)
        if found is None:
            engine = db.engine
            dialect = engine.dialect
            args, options = dialect.create_connect_args(engine.url)
            connect = dialect.loaded_dbapi.connect
            found = _LISTENERS[db] = Listener(lambda: connect(*args, **options))
        return found


def subscribe(db: Database, wake: Wake) -> Callable[[], None]:
    """``wake`` on new events in ``db`` where the database can tell (PostgreSQL); else a no-op."""
    found = listener(db)
    return found.subscribe(wake) if found is not None else (lambda: None)


def poll_interval(db: Database) -> float:
    """How long a waiter may sleep before it reads the log again without being woken."""
    found = listener(db) if db.dialect == "postgresql" else None
    if found is None:
        return SQLITE_POLL
    return LISTENING_POLL if found.listening.is_set() else NOT_LISTENING_POLL


def stop(db: Database) -> None:
    """End this process's listener on ``db`` (when the handle closes)."""
    with _GUARD:
        found = _LISTENERS.pop(db, None)
    if found is not None:
        found.stop()
