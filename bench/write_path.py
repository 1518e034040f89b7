"""The write path against the floor of the database under it.

A durable registration cannot be faster than its commit, so each write figure
is shown next to the bare floor: a transaction of three single-row INSERTs and
a COMMIT, on the same database kind with the same settings (the registry's own
connection: SQLite in WAL with synchronous=NORMAL, PostgreSQL with
synchronous_commit on). The floor's table has a primary key and one text
column; a registration writes three rows too (artifact, version, metrics) but
into indexed tables, after reading what it references.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from atlas_registry.store.db import Database
from bench import atlas_side
from bench.timing import summary


def floor(db: Database, n: int) -> dict[str, float]:
    """Three single-row INSERTs and a COMMIT, ``n`` times, on the registry's own connection."""
    pooled = db.engine.raw_connection()
    driver: Any = pooled.driver_connection
    mark = "?" if db.dialect == "sqlite" else "%s"
    insert = f"INSERT INTO bench_floor (id, body) VALUES ({mark}, {mark})"
    body = "x" * 200
    latencies = []
    try:
        if db.dialect == "sqlite":
            driver.execute(
                "CREATE TABLE IF NOT EXISTS bench_floor (id TEXT PRIMARY KEY, body TEXT)"
            )
            for _ in range(n):
                began = time.perf_counter()
                driver.execute("BEGIN IMMEDIATE")
                for _row in range(3):
                    driver.execute(insert, (uuid.uuid4().hex, body))
                driver.execute("COMMIT")
                latencies.append(time.perf_counter() - began)
            driver.execute("DROP TABLE bench_floor")
        else:
            driver.execute(
                "CREATE TABLE IF NOT EXISTS bench_floor (id TEXT PRIMARY KEY, body TEXT)"
            )
            driver.commit()
            for _ in range(n):
                began = time.perf_counter()
                with driver.cursor() as cursor:
                    for _row in range(3):
                        cursor.execute(insert, (uuid.uuid4().hex, body))
                driver.commit()
                latencies.append(time.perf_counter() - began)
            driver.execute("DROP TABLE bench_floor")
            driver.commit()
    finally:
        pooled.close()
    return summary(latencies)


def batch_of(side: atlas_side.AtlasSide, size: int, offset: int) -> dict[str, float]:
    """One ``register_models`` call of ``size`` versions (a tenth of them new lines)."""
    return side.register_batch(size, batch=size, offset=offset)


def batch_as_tables_grow(url: str, size: int, existing: int) -> dict[str, Any]:
    """The same batch on an empty catalog and on one already holding ``existing`` versions.

    PostgreSQL plans from statistics; a batch into tables the planner still
    believes empty slowed 13x before the registry refreshed them itself.
    """
    side = atlas_side.AtlasSide(url)
    try:
        empty = batch_of(side, size, offset=0)
        offset, filled = size, 0
        while filled < existing:
            step = min(existing - filled, 25_000)
            side.register_batch(step, batch=step, offset=offset)
            offset += step
            filled += step
        grown = batch_of(side, size, offset=offset)
    finally:
        side.close()
    return {
        "batch": size,
        "existing": existing,
        "empty_seconds": empty["seconds"],
        "grown_seconds": grown["seconds"],
        "slowdown": grown["seconds"] / empty["seconds"],
    }
