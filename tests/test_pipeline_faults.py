"""A PostgreSQL session cut during a pipelined ``executemany`` is a lost connection, said once.

psycopg sends an ``executemany`` as a pipeline: every row's statement, then
one Sync. When the server ends the session after the rows and before it reads
the Sync, the client reads the server's last words (``terminating connection``)
before it sees the connection close, and psycopg cannot take the connection
out of pipeline mode again ("cannot exit pipeline mode while busy"). Such a
connection must be dropped as the lost connection it is: the caller hears
"cannot reach the database" (never the 500 class "the database failed"), no
rollback is tried on it, the pool never gets it back (no "Exception during
reset" with its chained tracebacks in the log), and the next call works.

The cut is exact and real: a loopback proxy stands between the registry and
PostgreSQL, the cursor's row source ends by waiting until the server has run
every row it was sent, the proxy stops passing the client's bytes on (the Sync
stays with it), and an admin connection ends the session. The proxy then
passes the server's last words on and keeps the client's side open until the
client closes it, as a network does when the close arrives after the data.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from atlas_registry import DatabaseNotFoundError, Registry
from atlas_registry.errors import DatabaseFailureError
from atlas_registry.records import ModelRegistration
from atlas_registry.store.db import Database
from atlas_registry.store.idempotency import IdempotentRequest, KeptAnswer
from tests.conftest import _libpq
from tests.payloads import logistic_regression

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

KEY_ROW = (
    "INSERT INTO idempotency_keys (owner, idempotency_key, request_hash, request_line, "
    "status, headers, body, created_at) VALUES (?, ?, 'h', 'POST /x', 201, '{}', '{}', "
    "'2026-01-01 00:00:00')"
)
# PostgreSQL's Flush message: "send me what you have", sent by a client about to wait.
FLUSH = b"H\x00\x00\x00\x04"
# How long the proxy keeps a client's side open after its server's end.
ORPHAN_SECONDS = 5
# Loggers whose records reach an operator: the pool's and the registry's own.
WATCHED = ("sqlalchemy.pool", "atlas_registry")


class HoldingProxy:
    """A loopback TCP proxy to PostgreSQL, in one thread, that can hold traffic back.

    ``hold()``: bytes from the clients connected then are kept from the server.
    When the server ends a session, what it sent last is passed on and the
    client's side stays open until the client closes it (or the proxy closes).
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.peers: dict[socket.socket, socket.socket] = {}
        self.holding: set[socket.socket] = set()
        self.held = bytearray()  # what the client sent since hold(), kept from the server
        self.stopped = False
        self.orphans: dict[socket.socket, float] = {}  # client sides whose server ended, since
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def hold(self) -> None:
        """Keep what the clients connected now send from the server (new ones pass)."""
        self.holding = set(self.peers)

    def wait_held(self, message: bytes) -> bool:
        """True once the client sent ``message`` (a protocol message) since hold()."""
        deadline = time.monotonic() + 5
        while message not in bytes(self.held):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def close(self) -> None:
        self.stopped = True
        self.thread.join(5)
        for sock in [self.listener, *self.peers]:
            sock.close()

    def _run(self) -> None:
        while not self.stopped:
            for orphan, since in list(self.orphans.items()):
                if time.monotonic() - since > ORPHAN_SECONDS:  # never hang a test for good
                    self._drop(orphan)
            for key, _ in self.selector.select(timeout=0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is self.listener:
                    self._accept()
                else:
                    self._pass_on(sock, key.data)

    def _accept(self) -> None:
        client, _ = self.listener.accept()
        server = socket.create_connection(self.upstream, timeout=5)
        self.peers[client], self.peers[server] = server, client
        self.selector.register(client, selectors.EVENT_READ, "client")
        self.selector.register(server, selectors.EVENT_READ, "server")

    def _pass_on(self, sock: socket.socket, side: str) -> None:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        other = self.peers.get(sock)
        if data:
            if side == "client" and sock in self.holding:
                self.held += data
            elif other is not None:
                with contextlib.suppress(OSError):
                    other.sendall(data)
            return
        self._drop(sock)
        if other is None:
            return
        if side == "client":
            self._drop(other)
        else:  # the server's end leaves the client's side open, for a while
            self.orphans[other] = time.monotonic()

    def _drop(self, sock: socket.socket) -> None:
        self.orphans.pop(sock, None)
        self.peers.pop(sock, None)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(sock)
        sock.close()


class Cut:
    """Ends the session of the next ``executemany`` whose SQL names ``table``, after its rows.

    psycopg asks for the next row before it sends the Sync: once the rows are
    out and have run, the proxy keeps what follows (the Sync, then a Flush)
    from the server, and once the client asked for the answers, an admin
    connection ends the session. The client, waiting for the Sync's answer,
    gets the server's last words.
    """

    def __init__(self, url: str, proxy: HoldingProxy, table: str) -> None:
        self.url, self.proxy, self.table = url, proxy, table
        self.armed = True
        self.done = False
        self.thread: threading.Thread | None = None

    def rows(self, pid: int, rows: Iterable[Any]) -> Iterator[Any]:
        yield from rows
        with psycopg.connect(_libpq(self.url), autocommit=True) as admin:
            sql = "SELECT wait_event = 'ClientRead' FROM pg_stat_activity WHERE pid = %s"
            self._until(admin, sql, pid)  # every row sent has run
        self.proxy.hold()
        self.thread = threading.Thread(target=self._end, args=(pid,))
        self.thread.start()

    def _end(self, pid: int) -> None:
        # The client sends a Flush after its Sync, then waits for the answers; the
        # server's last words must come while it waits (had they come before,
        # psycopg would wait for the socket's end instead): a moment to get there.
        assert self.proxy.wait_held(FLUSH), "the client never asked for the Sync's answer"
        time.sleep(0.05)
        with psycopg.connect(_libpq(self.url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            self._until(admin, "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = %s", pid)
        self.done = True

    def finished(self) -> bool:
        """True once the session was ended as planned."""
        if self.thread is not None:
            self.thread.join(10)
        return self.done

    @staticmethod
    def _until(admin: psycopg.Connection[Any], sql: str, pid: int) -> None:
        deadline = time.monotonic() + 5
        while not (row := admin.execute(sql, (pid,)).fetchone()) or not row[0]:
            assert time.monotonic() < deadline, f"timed out on {sql}"
            time.sleep(0.005)

    def cursor_class(self) -> type[psycopg.Cursor[Any]]:
        cut = self

        class Cutting(psycopg.Cursor[Any]):
            def executemany(self, query: Any, params_seq: Iterable[Any], **kw: Any) -> None:
                if cut.armed and cut.table in str(query):
                    cut.armed = False
                    params_seq = cut.rows(self.connection.info.backend_pid, params_seq)
                super().executemany(query, params_seq, **kw)

        return Cutting


@pytest.fixture
def proxy(migrated_url: str) -> Iterator[HoldingProxy]:
    real = make_url(migrated_url)
    held = HoldingProxy((real.host or "127.0.0.1", real.port or 5432))
    yield held
    held.close()


def _through(url: str, proxy: HoldingProxy) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


def _armed(db: Database, url: str, proxy: HoldingProxy, table: str) -> Cut:
    """A cut in ``db``'s next ``executemany`` into ``table`` (every pooled connection's cursors)."""
    cut = Cut(url, proxy, table)
    cursor_class = cut.cursor_class()

    @event.listens_for(db.engine, "checkout")
    def _cutting_cursors(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.cursor_factory = cursor_class

    return cut


def _told(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name.startswith(WATCHED) and r.levelno >= logging.WARNING
    ]


def _assert_a_lost_connection(error: BaseException) -> None:
    """The registry's "cannot reach" for the cut itself, not for a failed rollback after it."""
    assert isinstance(error, DatabaseNotFoundError), repr(error)
    assert not isinstance(error, DatabaseFailureError)
    assert "cannot exit pipeline mode" not in str(error)
    cause = error.__cause__
    assert isinstance(cause, DBAPIError), repr(cause)
    assert cause.connection_invalidated
    assert "INSERT" in str(cause.statement)  # the cut statement's own error
    assert "cannot exit pipeline mode" in str(cause.orig)  # the case this file is about


def test_a_session_cut_in_a_pipelined_executemany_is_a_lost_connection_said_once(
    migrated_url: str, proxy: HoldingProxy, caplog: pytest.LogCaptureFixture
) -> None:
    db = Database(_through(migrated_url, proxy))
    cut = _armed(db, migrated_url, proxy, "idempotency_keys")
    caplog.set_level(logging.INFO)
    try:
        with pytest.raises(DatabaseNotFoundError) as lost, db.unit_of_work() as session:
            session.run_many(KEY_ROW, [("cut", f"k{n}") for n in range(3)])
        assert cut.finished(), "the session was never cut: the test proved nothing"
        _assert_a_lost_connection(lost.value)
        assert _told(caplog) == [], [r.getMessage() for r in _told(caplog)]
        assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
        # The same Database carries on: a new connection, the write whole.
        with db.unit_of_work() as session:
            session.run_many(KEY_ROW, [("after", f"k{n}") for n in range(3)])
        with db.session() as session:
            rows = session.rows("SELECT owner, count(*) FROM idempotency_keys GROUP BY owner")
        assert rows == [("after", 3)]
    finally:
        db.dispose()


def test_a_keyed_registration_cut_while_writing_its_metrics_is_a_lost_connection(
    migrated_url: str, proxy: HoldingProxy, caplog: pytest.LogCaptureFixture
) -> None:
    """The load test's case: a keyed registration whose model_metrics rows go out pipelined."""
    request = IdempotentRequest("load", "cut-metrics", "POST /api/v1/models", "body")
    with Registry.open(_through(migrated_url, proxy)) as registry:
        cut = _armed(registry.database, migrated_url, proxy, "model_metrics")
        caplog.set_level(logging.INFO)

        def register() -> str:
            registration = ModelRegistration(title="cut", metadata=logistic_regression())
            return registry.register_model(registration).id

        def answer(model_id: str) -> KeptAnswer:
            return KeptAnswer(201, model_id.encode())

        with pytest.raises(DatabaseNotFoundError) as lost:
            registry.idempotent(request, register, answer)
        assert cut.finished(), "the session was never cut: the test proved nothing"
        _assert_a_lost_connection(lost.value)
        assert _told(caplog) == [], [r.getMessage() for r in _told(caplog)]
        assert [m for m in registry.list_models(limit=50) if m.title == "cut"] == []
        retried = registry.idempotent(request, register, answer)
        assert not retried.replayed
        assert [m.id for m in registry.list_models(limit=50)] == [retried.body.decode()]


def test_a_session_ended_inside_a_pipeline_is_dropped_before_any_rollback(
    migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The pipeline's end reports the loss: the caller hears it, not a failed ROLLBACK after it."""
    db = Database(migrated_url)
    caplog.set_level(logging.INFO)
    try:
        with (
            pytest.raises(DatabaseNotFoundError) as lost,
            db.unit_of_work() as session,
            db.pipelined(session),
        ):
            session.run("SELECT pg_terminate_backend(pg_backend_pid())")
        error = lost.value
        assert "ROLLBACK" not in str(error)
        assert "the connection is lost" not in str(error)  # what a failed ROLLBACK says
        assert error.__context__ is None or "rollback" not in repr(error.__context__).lower()
        assert _told(caplog) == [], [r.getMessage() for r in _told(caplog)]
        with db.unit_of_work() as session:  # the pool gave a new connection, not the dead one
            assert session.rows("SELECT 1") == [(1,)]
    finally:
        db.dispose()
