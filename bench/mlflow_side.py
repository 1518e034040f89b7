"""MLflow's model registry (its SQL store) running the same workloads.

Each fact this registry keeps as a column or metadata field is an MLflow model
version tag, the nearest equivalent; queries are tag filters.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from typing import Any

from bench.concurrency import StartSignal, count_outcomes
from bench.synthetic import facts
from bench.timing import summary, timed


def _store(url: str) -> Any:
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(url)
    if url.startswith("sqlite"):
        _equal_durability(store.engine)
    return store


def _equal_durability(engine: Any) -> None:
    """MLflow's SQLite with the registry's settings: WAL and synchronous=NORMAL.

    MLflow's own defaults (rollback journal, synchronous=FULL) sync the disk on
    every commit; comparing against them would compare durability, not code.
    """
    from sqlalchemy import event

    if event.contains(engine, "connect", _wal_normal):
        return
    event.listen(engine, "connect", _wal_normal)
    engine.dispose()  # connections opened before the listener reconnect with it


def _wal_normal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _tags(index: int, state: str = "candidate") -> list[Any]:
    from mlflow.entities.model_registry import ModelVersionTag

    f = facts(index)
    values = {**{k: str(v) for k, v in f.items() if k != "parameter_count"}, "state": state}
    return [ModelVersionTag(key, value) for key, value in values.items()]


def mlflow_version() -> str:
    import mlflow

    return str(mlflow.__version__)


class MlflowSide:
    def __init__(self, url: str) -> None:
        self.store = _store(url)

    def register_single(self, n: int) -> dict[str, float]:
        lines = max(1, n // 10)
        latencies = []
        start = time.perf_counter()
        for index in range(n):
            name = f"model-{index % lines}"
            began = time.perf_counter()
            if index < lines:
                self.store.create_registered_model(name)
            self.store.create_model_version(name, source=f"s3://models/{index}", tags=_tags(index))
            latencies.append(time.perf_counter() - began)
        return summary(latencies, time.perf_counter() - start)

    def queries(self, repeat: int) -> dict[str, dict[str, float]]:
        calls = self.query_calls()
        return {
            name: timed(call, max(3, repeat // 10) if name == "leaderboard" else repeat)
            for name, call in calls.items()
        }

    def query_calls(self) -> dict[str, Callable[[], Any]]:
        """Each filter as a call, so a run can time them interleaved with this registry's."""
        f = facts(1)
        search = self.store.search_model_versions

        def leaderboard() -> list[Any]:
            found: list[Any] = []
            token = None
            while True:
                page = search(
                    filter_string=f"tags.benchmark = '{f['benchmark']}'",
                    max_results=1000,
                    page_token=token,
                )
                found.extend(page)
                token = page.token
                if not token:
                    break
            return sorted(found, key=lambda v: float(v.tags.get("auroc", "nan")), reverse=True)[:10]

        return {
            "state_and_family": lambda: search(
                filter_string=f"tags.state = 'candidate' and tags.family = '{f['family']}'",
                max_results=50,
            ),
            "trained_by": lambda: search(
                filter_string=f"tags.trained_by = '{f['trained_by']}'", max_results=50
            ),
            "benchmark": lambda: search(
                filter_string=f"tags.benchmark = '{f['benchmark']}'", max_results=50
            ),
            "latest_only": lambda: self.store.search_registered_models(max_results=50),
            "leaderboard": leaderboard,
        }

    def get_one(self, repeat: int) -> dict[str, float]:
        return timed(lambda: self.store.get_model_version("model-0", "1"), repeat)

    def promote(self, count: int) -> dict[str, float]:
        self.store.create_registered_model("promote-line")
        for index in range(count):
            self.store.create_model_version(
                "promote-line", source=f"s3://p/{index}", tags=_tags(index)
            )
        latencies = []
        for version in range(1, count + 1):
            began = time.perf_counter()
            # Aliases are MLflow 3's promotion (stages are deprecated, and the stage
            # transition with archive_existing_versions fails on PostgreSQL + psycopg 3).
            self.store.set_registered_model_alias("promote-line", "champion", str(version))
            latencies.append(time.perf_counter() - began)
        return summary(latencies)


def concurrent_worker(
    url: str, name: str, count: int, start: StartSignal
) -> tuple[int, int, float]:
    """Create ``count`` new versions of one registered model; (done, errors, seconds)."""
    store = _store(url)
    return count_outcomes(
        lambda index: store.create_model_version(name, source=f"s3://c/{index}", tags=_tags(index)),
        count,
        start,
    )


def version_numbers(url: str, name: str) -> list[int]:
    store = _store(url)
    found: list[int] = []
    token = None
    while True:
        page = store.search_model_versions(
            filter_string=f"name = '{name}'", max_results=1000, page_token=token
        )
        found.extend(int(v.version) for v in page)
        token = page.token
        if not token:
            return sorted(found)


def create_line(url: str, name: str) -> None:
    _store(url).create_registered_model(name)
