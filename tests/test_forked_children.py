"""A registry opened before fork() works in the children and stays whole in the parent.

``multiprocessing`` forks on Linux by default, so a notebook that opens a
registry and then maps work over a process pool hands every child the
parent's pooled connections. Sharing one would interleave several processes
on one PostgreSQL socket (the parent's session then dies) and break SQLite's
locking; each child must open connections of its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import text

from atlas_registry import ModelRegistration, Registry, SchemaAdmin
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database
from tests.catalog_helpers import add_artifact
from tests.lock_table import LOCK_TABLE, locks_of_this_process
from tests.payloads import logistic_regression

CHILDREN = 3
EACH = 15

pytestmark = [
    pytest.mark.slow,  # child processes
    pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only"),
]


def _registers_and_lists(registry: Registry, child: int) -> bool:
    """A child's work through the inherited handle: every call gives the expected answer."""
    prefix = f"child {child} "
    for index in range(EACH):
        title = f"{prefix}model {index}"
        registry.register_model(ModelRegistration(title=title, metadata=logistic_regression()))
    mine = [m for m in registry.list_models(limit=1000) if m.title.startswith(prefix)]
    return len(mine) == EACH


def _exit_with(check: Callable[[], bool]) -> None:
    """End a forked child: 0 when ``check`` holds, 3 when not, 1 when it raised.

    The child must never return into the test run it was forked from.
    """
    code = 1
    try:
        code = 0 if check() else 3
    except BaseException as error:
        print(f"forked child: {type(error).__name__}: {error}", file=sys.stderr)
    finally:
        os._exit(code)


def test_children_of_a_fork_use_connections_of_their_own(registry: Registry) -> None:
    registry.list_models()  # the parent's pool now holds an open connection
    children = []
    for child in range(CHILDREN):
        pid = os.fork()
        if pid == 0:
            _exit_with(partial(_registers_and_lists, registry, child))
        children.append(pid)
    statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    assert statuses == [0] * CHILDREN
    # The parent's own connections were not touched: its session still answers.
    assert len(registry.list_models(limit=1000)) == CHILDREN * EACH


@pytest.mark.skipif(not LOCK_TABLE.exists(), reason="reads the lock table of Linux")
def test_a_forked_child_holds_its_own_lock_on_the_sqlite_file(tmp_path: Path) -> None:
    """SQLite's record of the files a process has open is inherited by a child.

    Were the parent's connections open at the fork, the child's new ones would
    take the parent's locks for theirs and hold none, and the parent, closing
    last, could remove the write-ahead log under the child.
    """
    path = tmp_path / "forked.db"
    url = f"sqlite:///{path}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
    with Registry.open(url) as registry:
        registry.list_models()
        assert locks_of_this_process(path), "an open connection holds a shared lock"
        pid = os.fork()

        def reads_holding_a_lock() -> bool:
            registry.list_models()
            return bool(locks_of_this_process(path))

        if pid == 0:
            _exit_with(reads_holding_a_lock)
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
        registry.list_models()
        assert locks_of_this_process(path), "the parent's next call opens a connection again"


def test_an_in_memory_database_keeps_its_rows_across_a_fork() -> None:
    """Fresh connections around a fork are for files and servers: an in-memory database
    would come back empty, in the parent and in the child."""
    database = Database("sqlite:///:memory:", must_exist=False)
    try:
        migration_runner.migrate(database)
        add_artifact(database, "dataset-kept", "dataset")

        def rows() -> list[str]:
            with database.transaction() as conn:
                return list(conn.execute(text("SELECT id FROM artifacts")).scalars())

        pid = os.fork()
        if pid == 0:  # the child works on its own copy, rows and all
            _exit_with(lambda: rows() == ["dataset-kept"])
        assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
        assert rows() == ["dataset-kept"]
    finally:
        database.dispose()
