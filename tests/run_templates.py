"""The migrated templates made once per test run, shared by its pytest-xdist workers.

Migrating a template costs seconds of CPU (splitting and running every
migration); each worker made its own four (migrated and legacy, on SQLite
and on PostgreSQL). Under pytest-xdist the first worker that needs one makes
it under a lock in the run's temporary folder, and every worker copies it:
a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL (into
the worker's own template, which its tests then clone as before). Without
xdist (``-n 0``) there is one process and nothing to share.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

# The run's id, the same in every worker of one run (set by pytest-xdist).
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:12]


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The folder every worker's temporary folder sits in, or None outside pytest-xdist."""
    if not RUN_ID or "PYTEST_XDIST_WORKER" not in os.environ:
        return None
    return tmp_path_factory.getbasetemp().parent


@contextmanager
def run_lock(root: Path) -> Iterator[None]:
    """One worker at a time makes, copies or drops a run template."""
    with (root / "atlas-templates.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def copy_sqlite_template(root: Path, name: str, make: Callable[[Path], None], to: Path) -> None:
    """Copy the run's SQLite template ``name`` to ``to``, made by ``make`` first if none is."""
    shared = root / "atlas-templates" / name
    with run_lock(root):
        if not shared.exists():
            building = root / "atlas-templates" / f"building-{name}"
            building.mkdir(parents=True, exist_ok=True)
            make(building / name)
            (building / name).replace(shared)
            shutil.rmtree(building)
        shutil.copyfile(shared, to)


def shared_postgres_name(suffix: str) -> str:
    return f"atlas_test_{RUN_ID}_{suffix}"


def clone_postgres_template(
    root: Path,
    admin: psycopg.Connection[Any],
    suffix: str,
    make: Callable[[str], None],
    clone: Callable[[str], None],
) -> str:
    """Clone the run's PostgreSQL template (made by ``make`` first if none is): its name.

    ``clone(name)`` creates the worker's own template from it; no other worker
    is connected to it meanwhile (the lock), as ``CREATE DATABASE ... TEMPLATE``
    requires.
    """
    shared = shared_postgres_name(suffix)
    with run_lock(root):
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (shared,))
        if found.fetchone() is None:
            make(shared)
        clone(shared)
    return shared


def drop_shared(root: Path, drop: Callable[[list[str]], None], names: list[str]) -> None:
    """Drop the run's shared templates this worker used, under the lock.

    A worker still to clone one after this makes it again.
    """
    if names:
        with run_lock(root):
            drop(names)
