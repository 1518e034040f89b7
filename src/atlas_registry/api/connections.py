"""The HTTP connection as ``serve`` runs it: uvicorn's, with a deadline on each request's head.

uvicorn bounds only the idle time between two requests of a keep-alive
connection (``timeout_keep_alive``, 5 s), and it restarts that timer on every
byte received: a connection that sends nothing at all after connecting, or
sends its request line and headers a byte at a time, is kept for ever, and
200 such connections hold 200 sockets (uvicorn issue #1192, still open for
connections that never send a byte). ASGI middleware cannot help: it runs
only once the head is complete.

So each connection here has a deadline: its request's head (request line and
headers) must be complete within ``request_timeout`` seconds of the connection
opening or of the previous answer; otherwise the connection is closed with
one log line. The body has its own deadline of the same length, kept by the
request guards (:mod:`.guards`), which answer a late body with a 408. After
an answer, the rest of an unread body (a refused 2 MiB upload) is read and
dropped until the next deadline, so a client still sending gets its answer
instead of a reset connection, and an endless body still ends.

When the server begins a graceful stop (SIGTERM), the first connection it
asks to close ends the event log's open streams and long polls
(:func:`.events.stop_following`), which would otherwise hold the stop for the
whole graceful timeout.

Built on uvicorn's httptools protocol, the one ``serve`` runs (httptools is a
dependency of the registry).
"""

from __future__ import annotations

import asyncio
import logging
import select
import socket
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from atlas_registry.api.events import stop_following
from atlas_registry.api.guards import CLIENT_GONE
from atlas_registry.api.server import current_settings

log = logging.getLogger("atlas_registry.api")


class DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a deadline on each request's head."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_timeout = current_settings().request_timeout
        self.head_deadline: asyncio.TimerHandle | None = None
        self.answered = 0  # requests answered on this connection
        self.head_begun = False  # some of the next request's head has arrived

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        self.head_begun = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._disarm()
        self.head_begun = False
        super().on_headers_complete()
        # The request's task has not run yet: it sees this in its scope (see client_gone).
        cast(dict[str, Any], self.scope)[CLIENT_GONE] = self.client_gone

    def client_gone(self) -> bool:
        """Whether the client has closed its side, asked of the socket itself, now.

        A verb run on the event loop (:meth:`.deps.Access.inline`) gives the
        loop no turn to read a hang-up before the answer is sent; the guards
        ask here instead, so such a hang-up is still logged (:mod:`.guards`).
        """
        if self.transport.is_closing():
            return True
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return False
        # Nothing to read (the usual case: the client waits for its answer) means
        # no hang-up either; a poll costs a tenth of the peek below.
        polled = select.poll()
        polled.register(sock.fileno(), select.POLLIN)
        if not polled.poll(0):
            return False
        # A duplicate of the descriptor: asyncio's socket wrapper refuses recv().
        with socket.fromfd(sock.fileno(), sock.family, sock.type) as peek:
            try:
                return peek.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
            except BlockingIOError:
                return False
            except OSError:
                return True

    def on_response_complete(self) -> None:
        self.answered += 1
        super().on_response_complete()
        # uvicorn armed its keep-alive timer: the connection waits for a next request.
        if self.timeout_keep_alive_task is not None:
            self._arm()

    def shutdown(self) -> None:
        # uvicorn stops taking connections and calls this on each open one.
        stop_following()
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self.head_deadline = self.loop.call_later(self.head_timeout, self._head_too_late)

    def _disarm(self) -> None:
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def _head_too_late(self) -> None:
        self.head_deadline = None
        if self.transport.is_closing():
            return
        # An idle keep-alive connection closing is routine (uvicorn closes those silently
        # too); a head begun and not finished, or a connection that never sent one, is not.
        if self.head_begun or not self.answered:
            client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
            log.info(
                "%s: closed a connection that sent no complete request within %g s",
                client,
                self.head_timeout,
            )
        self.transport.close()
