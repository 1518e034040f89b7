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
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from atlas_registry.store.sql_session import session_lost


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
