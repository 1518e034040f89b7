"""A catalog of many versions shaped like a real one, for the queries timed at scale.

Registered through the batch path, then given what a batch cannot: registration
times a few seconds to minutes apart (a batch stamps all its versions with one
second, and 5,000 versions in one second make every newest-first query sort
that second), lines of uneven length whose versions are spread over time, a
family and benchmark per line with a few families common and most rare, and
promotion states as promotions leave them (one promoted version per line at
most, the ones it replaced superseded, some rejected, the rest candidates).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from atlas_registry.catalog import registrar
from atlas_registry.records import ModelRegistration
from atlas_registry.store.db import TIMESTAMP_FORMAT, Database
from atlas_registry.store.sql_session import SqlSession
from bench.synthetic import AGENTS, BENCHMARKS, FAMILIES, SHA, metadata

# A few families hold most versions (filters on a rare one must not walk the catalog).
FAMILY_WEIGHTS = (0.50, 0.25, 0.15, 0.07, 0.03)
NEW_LINE = 0.12  # the chance a version starts a line: lines of 8 versions on average
ACTIVE_LINES = 2000  # versions go to lines started recently, the way work moves on
PROMOTED, REJECTED = 0.15, 0.25  # what becomes of a version after its evaluation
MEAN_GAP_S = 30  # a million versions cover about a year


def version_id(index: int) -> str:
    return f"model-bench-{index:08d}"


@dataclass(frozen=True)
class Planned:
    """One version of the filled catalog: what is registered and what it becomes."""

    index: int
    parent: str | None
    family: int
    benchmark: str
    trained_by: str
    created_at: str
    state: str

    def registration(self) -> ModelRegistration:
        meta = metadata(self.index)
        meta["model_family"], meta["framework"] = FAMILIES[self.family]
        meta["benchmark_id"] = self.benchmark
        return ModelRegistration(
            title=f"model {self.index}",
            metadata=meta,
            parent_version_id=self.parent,
            trained_by=self.trained_by,
            code_repo_url="https://github.com/atlas-platform/forge",
            code_commit_sha=SHA,
            artifact_id=version_id(self.index),
        )


@dataclass
class _Line:
    latest: str
    family: int
    benchmark: str
    promoted: str | None = None


class CatalogPlan:
    """The versions of a catalog in registration order, batch by batch, from a seed.

    ``superseded`` holds, for each batch, the versions of earlier batches that a
    promotion in this batch replaced.
    """

    def __init__(self, count: int, seed: int = 34, end: datetime | None = None) -> None:
        self.count = count
        self.rng = random.Random(seed)
        end = end or datetime.now(UTC).replace(microsecond=0)
        self.clock = end - timedelta(seconds=count * (MEAN_GAP_S + 2))  # gaps average ~31 s
        self.lines: list[_Line] = []
        self.agent_weights = [1 / (rank + 1) for rank in range(len(AGENTS))]

    def batches(self, size: int) -> Iterator[tuple[list[Planned], list[str]]]:
        for first in range(0, self.count, size):
            yield self._batch(first, min(size, self.count - first))

    def _batch(self, first: int, size: int) -> tuple[list[Planned], list[str]]:
        rng, planned, states = self.rng, [], {}
        superseded_earlier: list[str] = []
        for index in range(first, first + size):
            self.clock += timedelta(seconds=1 + int(rng.expovariate(1 / MEAN_GAP_S)))
            if not self.lines or rng.random() < NEW_LINE:
                family = rng.choices(range(len(FAMILIES)), FAMILY_WEIGHTS)[0]
                line = _Line("", family, rng.choice(BENCHMARKS))
                self.lines.append(line)
                parent = None
            else:
                line = self.lines[-1 - int(rng.random() ** 2 * min(ACTIVE_LINES, len(self.lines)))]
                parent = line.latest
            this = version_id(index)
            line.latest = this
            outcome = rng.random()
            state = "candidate"
            if outcome < PROMOTED:
                state = "promoted"
                if line.promoted in states:
                    states[line.promoted] = "superseded"
                elif line.promoted is not None:
                    superseded_earlier.append(line.promoted)
                line.promoted = this
            elif outcome < PROMOTED + REJECTED:
                state = "rejected"
            states[this] = state
            trained_by = rng.choices(AGENTS, self.agent_weights)[0]
            planned.append(
                Planned(
                    index,
                    parent,
                    line.family,
                    line.benchmark,
                    trained_by,
                    self.clock.strftime(TIMESTAMP_FORMAT),
                    state,
                )
            )
        final = [
            Planned(p.index, p.parent, p.family, p.benchmark, p.trained_by, p.created_at, s)
            for p, s in zip(planned, states.values(), strict=True)
        ]
        return final, superseded_earlier


def fill(db: Database, count: int, batch: int = 5000) -> dict[str, float]:
    """Register ``count`` versions shaped by :class:`CatalogPlan`; returns the batch path's rate.

    Only the registrations are timed; rewriting times and states afterwards is set-up.
    """
    import time

    wall = 0.0
    for planned, superseded in CatalogPlan(count).batches(batch):
        items = [p.registration() for p in planned]
        began = time.perf_counter()
        registrar.register_models(db, items)
        wall += time.perf_counter() - began
        _shape(db, planned, superseded)
    _vacuum(db)
    return {"count": count, "per_second": count / wall, "seconds": wall}


def _vacuum(db: Database) -> None:
    """On PostgreSQL, clear the index entries the rewritten times left behind.

    Each version was indexed first under the second it was registered in, the
    newest of all; until a vacuum, a newest-first scan walks past every one of
    those dead entries (0.7 s for a page at 330,000 versions), which no catalog
    grown a registration at a time has.
    """
    if db.dialect != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) model_versions, artifacts")


def _shape(db: Database, planned: list[Planned], superseded: list[str]) -> None:
    """Give a registered batch its planned times and states (one transaction)."""
    with db.transaction(write=True) as conn:
        session = SqlSession.of(conn)
        for old in superseded:
            session.run(
                "UPDATE model_versions SET promotion_state = 'superseded' WHERE artifact_id = ?",
                (old,),
            )
        session.run_many(
            "UPDATE model_versions SET created_at = ?, promotion_state = ? WHERE artifact_id = ?",
            [(p.created_at, p.state, version_id(p.index)) for p in planned],
        )
        session.run_many(
            "UPDATE artifacts SET created_at = ?, updated_at = ? WHERE id = ?",
            [(p.created_at, p.created_at, version_id(p.index)) for p in planned],
        )
