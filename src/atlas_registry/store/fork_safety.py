"""What a fork() does to the registry's database connections.

``multiprocessing`` forks on Linux by default, so a registry opened before a
process pool is in every child. Every Database is tracked here (weakly), and
two hooks keep parent and children apart: before the fork, idle connections
to SQLite files are closed; in the child, inherited pools are dropped unused.
"""

from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atlas_registry.store.db import Database

_OPEN: weakref.WeakSet[Database] = weakref.WeakSet()


def track(database: Database) -> None:
    """Have ``database``'s connections handled at every fork of this process."""
    _OPEN.add(database)


def _close_sqlite_connections() -> None:
    """Before fork(), close this process's idle SQLite connections.

    SQLite keeps, per process, what it knows of each open file and the locks
    held on it. A child inherits that record: its own new connections to a file
    the parent had open would take the parent's locks for theirs and hold none
    (the kernel's lock table shows it), so the parent, closing last, could
    checkpoint and remove the write-ahead log under the child. With no SQLite
    connection open at the fork, the child's record is empty; the parent opens
    new connections as it needs them. An in-memory database is left alone:
    it has no file to lock, and closing its connection would empty it.
    """
    for database in list(_OPEN):
        if database.sqlite_file is not None:
            database.engine.dispose()


def _forget_inherited_connections() -> None:
    """In a forked child, every Database starts an empty pool; the parent's is left untouched.

    A pooled connection inherited across fork() belongs to the parent: a child
    using it shares one PostgreSQL socket with the parent (and with its
    siblings), so their statements and replies interleave and the parent's
    session dies; on SQLite it breaks the file's locking. The inherited
    connections are dropped, not closed: closing would end the parent's
    session (SQLAlchemy's ``dispose(close=False)``, meant for this). An
    in-memory database keeps its connection: it is the child's own copy, and a
    new connection would find it empty.
    """
    for database in list(_OPEN):
        if database.dialect == "postgresql" or database.sqlite_file is not None:
            database.engine.dispose(close=False)


os.register_at_fork(before=_close_sqlite_connections, after_in_child=_forget_inherited_connections)
