"""This registry's side of each workload."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from atlas_registry.catalog import lineage, registrar
from atlas_registry.catalog.schema_check import check_stored
from atlas_registry.catalog.schema_upgrade import upgrade_stored
from atlas_registry.lifecycle import history, transitions
from atlas_registry.lifecycle.policy import GatePolicy
from atlas_registry.records import ModelRegistration
from atlas_registry.schema.validation import MetadataValidator, default_validator
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database
from bench.concurrency import StartSignal, count_outcomes
from bench.synthetic import SHA, facts, metadata
from bench.timing import summary, timed

OPEN_GATE = GatePolicy(benchmarks={})


def registration(index: int, parent: str | None, **extra: Any) -> ModelRegistration:
    return ModelRegistration(
        title=f"model {index}",
        metadata=metadata(index),
        parent_version_id=parent,
        trained_by=facts(index)["trained_by"],
        code_repo_url="https://github.com/atlas-platform/forge",
        code_commit_sha=SHA,
        **extra,
    )


class AtlasSide:
    def __init__(self, url: str) -> None:
        self.url = url
        self.db = Database(url, must_exist=False)
        migration_runner.migrate(self.db)
        self.scale = 0  # the versions register_batch filled the catalog with

    def close(self) -> None:
        self.db.dispose()

    def register_single(self, n: int) -> dict[str, float]:
        """N versions across N/10 model lines, one call per version, each naming its parent."""
        lines = max(1, n // 10)
        latest: dict[int, str] = {}
        latencies = []
        start = time.perf_counter()
        for index in range(n):
            line = index % lines
            began = time.perf_counter()
            record = registrar.register_model(self.db, registration(index, latest.get(line)))
            latencies.append(time.perf_counter() - began)
            latest[line] = record.id
        return summary(latencies, time.perf_counter() - start)

    def register_named(self, n: int, *, offset: int = 0) -> dict[str, float]:
        """N versions across N/10 named lines, one call per version: ``register --line``.

        The registry finds each line's latest version itself, as MLflow finds a
        registered model by name.
        """
        lines = max(1, n // 10)
        latencies = []
        start = time.perf_counter()
        for index in range(offset, offset + n):
            item = registration(index, None, line=f"bench-line-{index % lines}")
            began = time.perf_counter()
            registrar.register_model(self.db, item)
            latencies.append(time.perf_counter() - began)
        return summary(latencies, time.perf_counter() - start)

    def register_batch(self, n: int, batch: int = 5000, offset: int = 0) -> dict[str, float]:
        self.scale = offset + n
        wall = 0.0
        for first in range(offset, offset + n, batch):
            size = min(batch, offset + n - first)
            lines = max(1, size // 10)
            ids = [f"model-bench-{first + i:08d}" for i in range(lines)]
            items = [registration(first + i, None, artifact_id=ids[i]) for i in range(lines)]
            items += [registration(first + i, ids[i % lines]) for i in range(lines, size)]
            start = time.perf_counter()  # the registry's time only, not the generator's
            registrar.register_models(self.db, items)
            wall += time.perf_counter() - start
        return {"count": n, "per_second": n / wall, "seconds": wall}

    def schema_governance(self) -> dict[str, dict[str, float]]:
        """`schema check` over every stored model, then `schema upgrade` to a new stamp.

        The upgrade's target is the schema in force under a new version, so
        every model passes and is re-stamped: the whole write, page by page.
        Memory is sampled after every page; its growth over the start is the
        figure (flat means the pages are not kept).
        """
        import psutil

        process = psutil.Process()

        def measured(run: Any) -> dict[str, float]:
            start_rss = process.memory_info().rss
            peak = [start_rss]

            def sampled(_count: int) -> None:
                peak[0] = max(peak[0], process.memory_info().rss)

            began = time.perf_counter()
            result = run(sampled)
            seconds = time.perf_counter() - began
            return {
                "models": float(result.checked),
                "seconds": seconds,
                "per_second": result.checked / seconds,
                "rss_growth_mb": (peak[0] - start_rss) / 2**20,
            }

        in_force = default_validator()
        later = MetadataValidator({**in_force.schema, "$id": f"{in_force.schema['$id']}.1"})
        return {
            "check": measured(lambda on_page: check_stored(self.db, in_force, on_page)),
            "upgrade": measured(lambda on_page: upgrade_stored(self.db, later, on_page)),
        }

    def queries(self, repeat: int) -> dict[str, dict[str, float]]:
        return {name: timed(call, repeat) for name, call in self.query_calls().items()}

    def query_calls(self) -> dict[str, Callable[[], Any]]:
        """Each filter as a call, so a run can time them interleaved with MLflow's."""
        f = facts(1)
        db = self.db
        return {
            "state_and_family": lambda: registrar.list_models(
                db, promotion_state="candidate", model_family=f["family"], limit=50
            ),
            "trained_by": lambda: registrar.list_models(db, trained_by=f["trained_by"], limit=50),
            "benchmark": lambda: registrar.list_models(db, benchmark_id=f["benchmark"], limit=50),
            "latest_only": lambda: registrar.list_models(db, latest_only=True, limit=50),
            "leaderboard": lambda: registrar.leaderboard(db, f["benchmark"], "auroc", limit=10),
        }

    def evaluations_at_scale(self, repeat: int) -> dict[str, dict[str, float]]:
        """An evaluation added to the filled catalog, and leaderboards over its evaluations.

        Every version holds its registration's evaluation, so the catalog holds
        as many evaluations as versions; the added ones go to versions spread
        over it, on one held-out dataset, and are then ranked on that dataset.
        """
        from sqlalchemy import text

        from atlas_registry.catalog.evaluation_input import check_evaluation
        from atlas_registry.catalog.evaluations import add_evaluation

        with self.db.transaction(write=True) as conn:
            conn.execute(
                text(
                    "INSERT INTO artifacts (id, artifact_type, title) "
                    "VALUES ('dataset-bench-holdout', 'dataset', 'held-out donors')"
                )
            )
        # register_batch gives the first tenth of each batch of 5,000 its id: spread over them.
        batches = max(1, self.scale // 5000)
        targets = iter(
            f"model-bench-{(i % batches) * 5000 + (i * 37) % min(500, self.scale // 10):08d}"
            for i in range(10**9)
        )
        f = facts(1)
        db = self.db

        def evaluate() -> None:
            given = check_evaluation(
                benchmark_id=f["benchmark"],
                dataset_id="dataset-bench-holdout",
                split="test",
                metrics={"auroc": 0.8, "f1_macro": 0.7},
            )
            add_evaluation(db, next(targets), given, actor="bench-evaluator")

        return {
            "add_evaluation": timed(evaluate, repeat),
            "leaderboard_newest": timed(
                lambda: registrar.leaderboard(db, f["benchmark"], "auroc", limit=10), repeat
            ),
            "leaderboard_on_dataset": timed(
                lambda: registrar.leaderboard(
                    db,
                    f["benchmark"],
                    "auroc",
                    limit=10,
                    dataset="dataset-bench-holdout",
                    split="test",
                ),
                repeat,
            ),
        }

    def line_query(self, repeat: int) -> dict[str, float]:
        """A page of one named line (``list --line``); the fill names none, so one is named."""
        from atlas_registry.catalog.line_naming import name_line

        named = name_line(self.db, "model-bench-00000000", "bench-named-line")
        assert named.versions > 1, named
        return timed(
            lambda: registrar.list_models(self.db, line="bench-named-line", limit=50),
            repeat,
        )

    def get_and_lineage(self, repeat: int) -> dict[str, dict[str, float]]:
        chain: list[str] = []
        for depth in range(50):
            meta = metadata(depth)
            if chain:
                meta["base_model_id"] = chain[-1]
            record = registrar.register_model(
                self.db, ModelRegistration(title=f"fine-tune {depth}", metadata=meta)
            )
            chain.append(record.id)
        deepest = chain[-1]
        found = lineage.lineage(self.db, deepest)
        assert len(found.ancestors) == 49, len(found.ancestors)
        return {
            "get_model": timed(lambda: registrar.get_model(self.db, deepest), repeat),
            "lineage_50_deep": timed(lambda: lineage.lineage(self.db, deepest), repeat),
        }

    def promote(self, count: int) -> dict[str, float]:
        first = registrar.register_model(self.db, registration(10**7, None))
        ids = [first.id]
        for index in range(1, count):
            ids.append(registrar.register_model(self.db, registration(10**7 + index, ids[-1])).id)
        latencies = []
        for model_id in ids:
            began = time.perf_counter()
            transitions.promote(self.db, model_id, actor="bench", policy=OPEN_GATE)
            latencies.append(time.perf_counter() - began)
        assert history.promoted_version(self.db, ids[0]).id == ids[-1]  # type: ignore[union-attr]
        return summary(latencies)


def concurrent_worker(
    url: str, line_id: str, count: int, start: StartSignal
) -> tuple[int, int, float]:
    """Register ``count`` new versions of one line; (done, errors, seconds)."""
    db = Database(url)
    try:
        return count_outcomes(
            lambda index: registrar.register_model(db, registration(index, line_id)),
            count,
            start,
        )
    finally:
        db.dispose()


def line_numbers(url: str, line_id: str) -> list[int]:
    """The version numbers of one line, in order."""
    with Database(url) as db:
        return [v.version_number for v in lineage.lineage(db, line_id).versions]
