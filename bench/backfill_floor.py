"""The backfill next to its floor: the replay of its own SQL, and the mapping rules alone.

A backfill's floor is defined as every write's is (:mod:`bench.floors`): the
statements it sent, captured in one run, then replayed on the bare driver into
a twin database that holds the same legacy rows, in the same order, with the
same transactions. No registry code runs in the replay: what it costs is what
the database and the driver cost for the backfill's SQL, and what the
backfill costs above it is the registry's own work (the mapping rules,
validation, the rows built, the glue).

The mapping rules alone (``map_legacy`` over every legacy blob, with no
database) are timed too. They are not a floor, since the rules are this
registry's own code, but they are the part of that work that only rewriting
the rules could remove.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from atlas_registry.backfill.rules import map_legacy
from atlas_registry.backfill.runner import backfill
from atlas_registry.schema.validation import default_validator
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database, insert_many
from atlas_registry.store.tables import artifacts
from bench import floors, synthetic

Fresh = Callable[[str], AbstractContextManager[str]]
LOADED_AT_ONCE = 10_000


def legacy_catalog(url: str, count: int) -> Database:
    """A platform's catalog before its backfill: 0001, ``count`` legacy models, migrated."""
    db = Database(url, must_exist=False)
    migration_runner.migrate(db, to=1)
    for start in range(0, count, LOADED_AT_ONCE):
        rows = synthetic.legacy_rows(min(LOADED_AT_ONCE, count - start), start)
        with db.transaction(write=True) as conn:
            insert_many(conn, artifacts, rows)
    migration_runner.migrate(db)
    return db


def backfill_vs_replay(fresh: Fresh, count: int) -> dict[str, Any]:
    """The backfill of ``count`` legacy models captured, then its SQL replayed bare into a twin.

    The captured run is not the timed one (recording slows it); the caller times
    the backfill on a database of its own.
    """
    with fresh("backfill-captured") as captured_url, fresh("backfill-replay") as bare_url:
        captured = legacy_catalog(captured_url, count)
        try:
            with floors.capturing(captured) as capture:
                backfill(captured, keep_outcomes=False)
        finally:
            captured.dispose()
        ops = capture.recorder.ops
        bare = legacy_catalog(bare_url, count)
        try:
            gc.collect()
            with floors.bare_connection(bare) as conn:
                seconds = floors.timed_replay(conn, ops)
        finally:
            bare.dispose()
    kinds = [op[0] for op in ops]
    return {
        "replay_seconds": seconds,
        "statements": sum(
            kinds.count(kind) for kind in ("execute", "executemany", "copy", "outside")
        ),
        "transactions": kinds.count("commit"),
    }


def mapping_alone(count: int) -> dict[str, Any]:
    """Seconds of the mapping rules over the same ``count`` legacy blobs, no database."""
    validator = default_validator()
    seconds = 0.0
    for start in range(0, count, LOADED_AT_ONCE):
        blobs = [
            row["metadata"]
            for row in synthetic.legacy_rows(min(LOADED_AT_ONCE, count - start), start)
        ]
        began = time.perf_counter()
        for blob in blobs:
            map_legacy(blob, validator)
        seconds += time.perf_counter() - began
    return {"seconds": seconds}
