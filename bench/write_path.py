"""The write path against the floors of :mod:`bench.floors`, side by side in one run.

**A registration against the replay of its own SQL.** The same workload runs
three times on three fresh databases of one kind: once captured (its SQL
recorded, not timed), then, one write at a time in turn, the registry
registering into a second database and the captured SQL of the same write
replayed on the bare driver into a third. Each pair is timed back to back,
so a moment of load on the shared machine falls on both; both databases hold
the same rows at every step.

**A batch against the database taking the same rows.** One ``register_models``
call, captured likewise; then, in turn, the registry's call into one database
and the same rows stored at the database's fastest into another (SQLite:
``executemany`` per table; PostgreSQL: ``COPY``), ``rounds`` times, each round
a new batch on top of the last.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from atlas_registry.catalog import registrar
from bench import atlas_side, floors
from bench.timing import summary

# A fresh database of the run's kind, by label: registry_bench.fresh_database.
Fresh = Callable[[str], AbstractContextManager[str]]


def _single_workload(n: int) -> Iterator[tuple[int, int]]:
    """(index, line) of N versions across N/10 lines, as ``AtlasSide.register_single``."""
    lines = max(1, n // 10)
    return ((index, index % lines) for index in range(n))


def _register_all(side: atlas_side.AtlasSide, n: int) -> Iterator[float]:
    """Register the single workload, one version per call; yields each call's seconds."""
    latest: dict[int, str] = {}
    for index, line in _single_workload(n):
        item = atlas_side.registration(index, latest.get(line))
        began = time.perf_counter()
        record = registrar.register_model(side.db, item)
        yield time.perf_counter() - began
        latest[line] = record.id


def register_vs_replay(fresh: Fresh, n: int) -> dict[str, Any]:
    """Single registrations, each timed next to the bare replay of its own SQL."""
    with fresh("captured") as captured_url, fresh("registry") as url, fresh("replay") as bare_url:
        captured = atlas_side.AtlasSide(captured_url)
        try:
            with floors.capturing(captured.db) as capture:
                for _ in _register_all(captured, n):
                    capture.mark()
        finally:
            captured.close()
        side, bare = atlas_side.AtlasSide(url), atlas_side.AtlasSide(bare_url)
        registry, replayed = [], []
        try:
            with floors.bare_connection(bare.db) as conn:
                for ops, took in zip(capture.writes, _register_all(side, n), strict=True):
                    registry.append(took)
                    replayed.append(floors.timed_replay(conn, ops))
        finally:
            side.close()
            bare.close()
    atlas, floor = summary(registry), summary(replayed)
    return {
        "register": atlas,
        "replay": floor,
        "statements": _statements(capture.writes[-1]),
        "over_replay_p50": atlas["p50_ms"] / floor["p50_ms"],
        "over_replay_mean": atlas["mean_ms"] / floor["mean_ms"],
    }


def _statements(ops: list[floors.Op]) -> int:
    return sum(1 for op in ops if op[0] in ("execute", "executemany", "copy", "ping"))


def _batches(size: int, rounds: int) -> list[list[Any]]:
    """``rounds`` batches of ``size`` versions as ``AtlasSide.register_batch`` makes them."""
    made = []
    for first in range(0, size * rounds, size):
        lines = max(1, size // 10)
        ids = [f"model-bench-{first + i:08d}" for i in range(lines)]
        items = [atlas_side.registration(first + i, None, artifact_id=ids[i]) for i in range(lines)]
        items += [atlas_side.registration(first + i, ids[i % lines]) for i in range(lines, size)]
        made.append(items)
    return made


def batch_vs_rows(fresh: Fresh, size: int, rounds: int = 3) -> dict[str, Any]:
    """``register_models`` of ``size`` versions against the same rows stored bare, ``rounds`` times.

    ``vs_floor`` is floor seconds over registry seconds: the share of the
    database's own speed with these rows that a batch reaches (1.0: as fast).
    """
    batches = _batches(size, rounds)
    with fresh("captured") as captured_url, fresh("registry") as url, fresh("rows") as bare_url:
        captured = atlas_side.AtlasSide(captured_url)
        try:
            with floors.capturing(captured.db) as capture:
                for items in batches:
                    registrar.register_models(captured.db, items)
                    capture.mark()
        finally:
            captured.close()
        side, bare = atlas_side.AtlasSide(url), atlas_side.AtlasSide(bare_url)
        floor_of = floors.copy_rows_floor
        if side.db.dialect == "sqlite":
            floor_of = floors.sqlite_rows_floor
        registry, floor = [], []
        try:
            with floors.bare_connection(bare.db) as conn:
                for items, ops in zip(batches, capture.writes, strict=True):
                    began = time.perf_counter()
                    registrar.register_models(side.db, items)
                    registry.append(time.perf_counter() - began)
                    floor.append(floor_of(conn, ops))
        finally:
            side.close()
            bare.close()
    ratios = [f / r for f, r in zip(floor, registry, strict=True)]
    return {
        "batch": size,
        "rounds": rounds,
        "registry_seconds": registry,
        "floor_seconds": floor,
        "per_second": size / statistics.median(registry),
        "floor_per_second": size / statistics.median(floor),
        "vs_floor": statistics.median(ratios),
        "vs_floor_each": ratios,
    }


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
