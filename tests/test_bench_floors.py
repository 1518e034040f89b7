"""The benchmark's floor for a backfill does the backfill's own work, no more and no less.

``bench/backfill_floor.py`` divides the backfill's time by the replay of the
SQL it captured: a capture that missed statements (those sent through
SQLAlchemy's Core beside the driver's, a transaction's BEGIN or COMMIT, the
statistics refresh sent on the autocommit engine between chunks) would make a
floor of less work than the backfill did. Replayed into a twin of the
database it ran on, the capture must leave every table as the backfill did.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from bench import floors
from sqlalchemy import inspect, text

from atlas_registry.backfill.runner import backfill
from atlas_registry.store.db import Database
from tests.conftest import MigratedPostgres, copy_migrated


@contextmanager
def two_platform_databases(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, str]]:
    """Two copies of a platform's database before its backfill (0001, its legacy rows)."""
    if backend == "sqlite":
        legacy: Path = request.getfixturevalue("legacy_sqlite")
        yield copy_migrated(legacy, tmp_path / "a.db"), copy_migrated(legacy, tmp_path / "b.db")
        return
    template: MigratedPostgres = request.getfixturevalue("legacy_postgres")
    with ExitStack() as stack:
        yield stack.enter_context(template.own_clone()), stack.enter_context(template.own_clone())


def every_table(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.transaction() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {
            name: sorted(
                (tuple(row) for row in conn.execute(text(f"SELECT * FROM {name}"))), key=repr
            )
            for name in names
        }


def test_a_captured_backfill_replayed_into_a_twin_leaves_the_rows_the_backfill_left(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The statistics refresh between chunks (PostgreSQL) runs after every chunk here:
    # it goes on the autocommit engine, and the replay must send it too.
    monkeypatch.setattr(Database, "STATISTICS_AFTER_ROWS", 1)
    with two_platform_databases(backend, tmp_path, request) as (ran_url, twin_url):
        ran, twin = Database(ran_url), Database(twin_url)
        try:
            before = every_table(twin)
            with floors.capturing(ran) as capture:
                result = backfill(ran, chunk_size=3)  # several chunks, several transactions
            after = every_table(ran)
            assert result.backfilled >= 3
            assert after != before
            outside = [op[2] for op in capture.recorder.ops if op[0] == "outside"]
            if backend == "postgresql":
                assert any(sql.startswith("ANALYZE") for sql in outside)
            with floors.bare_connection(twin) as conn:
                floors.replay(conn, capture.recorder.ops)
            assert every_table(twin) == after
        finally:
            ran.dispose()
            twin.dispose()
