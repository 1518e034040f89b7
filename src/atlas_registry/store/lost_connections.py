"""Connections the server ended: dropped from the pool at once, never pooled again.

A restart or failover of PostgreSQL ends every session at once. Pooled again,
each dead connection would fail one more call (up to the pool's size, each
logging a failed reset with a traceback); SQLAlchemy's own statements start a
new pool when they meet one, and the plain-SQL path of :class:`.db.Database`
does the same through :func:`forget_if_disconnected`, so an outage fails the
one call that found it.

Lost is what the dialect calls a disconnect, and also a session the driver
has not yet seen end (:func:`~.sql_session.session_lost`): psycopg looks only
at its ``broken`` flag, which it sets only once it has read the end.

A pooled connection is judged without a round trip before it is used
(:func:`looks_alive`): a server that ends a session says so on its socket,
so one the server ended while it sat idle is replaced before any statement
is sent on it, and no statement has to be spent finding out.
"""

from __future__ import annotations

import contextlib
import select
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from atlas_registry.store.sql_session import session_lost


def looks_alive(driver: Any) -> bool:
    """False when an idle psycopg connection is closed, or its socket has news.

    An idle connection is sent nothing unasked but the server's last words as
    it ends the session (and then the socket's end), so anything to read on it
    means it is gone; a notification would be news too, and none is listened
    for on a pooled connection. A poll of the socket costs microseconds, where
    a ``SELECT 1`` costs a round trip on every checkout. A session that ends
    after this look is met by its first statement (see :mod:`.db`).
    """
    if driver.closed or driver.broken:
        return False
    try:
        socket = driver.fileno()
    except Exception:  # psycopg's own error for a connection without a socket
        return False
    if not hasattr(select, "poll"):  # Windows
        readable, _, failed = select.select([socket], [], [socket], 0)
        return not readable and not failed
    poller = select.poll()
    poller.register(socket, select.POLLIN | select.POLLPRI)
    return not poller.poll(0)  # POLLHUP and POLLERR come whether asked or not


def forget_if_disconnected(
    engine: Engine, pooled: PoolProxiedConnection, error: DBAPIError
) -> None:
    """After a lost connection, start a new pool: the server's restart lost the others too."""
    lost: Any = error.orig  # the driver's own error, which is what the dialect reads
    dialect = engine.dialect
    driver = pooled.driver_connection
    if lost is not None and (
        dialect.is_disconnect(lost, driver, None) or session_lost(lost, driver)
    ):
        error.connection_invalidated = True  # translated as the lost connection it is
        pooled.invalidate(lost)
        engine.dispose()


def lost_is_a_disconnect(context: ExceptionContext) -> None:
    """SQLAlchemy's own statements (its ``handle_error`` hook): a session lost is a disconnect.

    SQLAlchemy asks the dialect, which on psycopg looks only at ``broken``: a
    session ended by the server whose end psycopg has not read yet would be
    rolled back and pooled again, and its failed reset logged with tracebacks.
    """
    conn = context.connection
    if context.is_disconnect or conn is None or conn.dialect.name != "postgresql":
        return
    driver = context.original_exception
    with contextlib.suppress(Exception):  # an invalidated connection has no driver left
        if session_lost(driver, conn.connection.driver_connection):
            context.is_disconnect = True
