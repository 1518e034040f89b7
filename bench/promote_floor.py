"""A promotion against the replay of its own SQL, and against MLflow's alias call, side by side.

The floor of a write is what the database takes for that write's own statements,
sent by the bare driver with no registry code around them: here each promotion of
one line is recorded statement by statement (on a line of its own, untimed), then,
one promotion at a time and in turn, the registry promotes a version of a second
line, the bare driver replays the recorded statements on a third line (its ids put
in), and MLflow moves its ``champion`` alias to the next version. On PostgreSQL the
replay is one pipeline (BEGIN, the statements, COMMIT), as the registry sends it;
on SQLite, BEGIN IMMEDIATE, the statements, COMMIT.

``python -m bench.promote_floor --backend postgresql --runs 3`` prints each run's
medians and ratios and their medians across runs (JSON); ``registry_bench`` calls
:func:`side_by_side` for its promote figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from atlas_registry.catalog import registrar
from atlas_registry.lifecycle import transitions
from atlas_registry.records import short_id_of
from atlas_registry.store import sql_session
from atlas_registry.store.db import Database
from bench.atlas_side import OPEN_GATE, AtlasSide, registration
from bench.timing import summary

Statement = tuple[str, Any]


@contextlib.contextmanager
def _recorded() -> Iterator[list[Statement]]:
    """Every statement the registry's plain-SQL sessions send meanwhile, as the driver got it."""
    sent: list[Statement] = []
    run, run_many = sql_session.SqlSession._run, sql_session.SqlSession.run_many

    def recording_run(self: sql_session.SqlSession, sql: str, params: Any) -> Any:
        sent.append((self._sql(sql), tuple(params)))
        return run(self, sql, params)

    def recording_many(self: sql_session.SqlSession, sql: str, rows: Any) -> None:
        rows = list(rows)
        sent.extend((self._sql(sql), tuple(row)) for row in rows)
        run_many(self, sql, rows)

    sql_session.SqlSession._run = recording_run  # type: ignore[method-assign]
    sql_session.SqlSession.run_many = recording_many  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        sql_session.SqlSession._run = run  # type: ignore[method-assign]
        sql_session.SqlSession.run_many = run_many  # type: ignore[method-assign]


def _line(db: Database, count: int, base: int) -> list[str]:
    ids = [registrar.register_model(db, registration(base, None)).id]
    for index in range(1, count):
        ids.append(registrar.register_model(db, registration(base + index, ids[-1])).id)
    return ids


def _put_in(statements: list[Statement], ids: dict[str, str]) -> list[Statement]:
    """``statements`` with every recorded id (and short id, as a note names it) replaced."""
    swaps = [*ids.items(), *((short_id_of(a), short_id_of(b)) for a, b in ids.items())]

    def swapped(value: Any) -> Any:
        if isinstance(value, str):
            for old, new in swaps:
                value = value.replace(old, new)
        return value

    return [(sql, tuple(swapped(v) for v in params)) for sql, params in statements]


def _replay(db: Database, driver: Any, statements: list[Statement]) -> None:
    """The statements in one transaction on the bare driver, every result read."""
    if db.dialect == "sqlite":
        driver.execute("BEGIN IMMEDIATE")
        for sql, params in statements:
            driver.execute(sql, params).fetchall()
        driver.execute("COMMIT")
        return
    with driver.pipeline():
        driver.execute("BEGIN", prepare=False)
        cursors = [driver.execute(sql, params) for sql, params in statements]
        driver.execute("COMMIT", prepare=False)
    for cursor in cursors:
        if cursor.description is not None:
            cursor.fetchall()


def side_by_side(url: str, count: int, mlflow_url: str | None) -> dict[str, Any]:
    """``count`` promotions down one line each: the registry, its SQL replayed, MLflow."""
    side = AtlasSide(url)
    db = side.db
    store = None
    if mlflow_url is not None:
        from bench.mlflow_side import MlflowSide

        store = MlflowSide(mlflow_url).store
        store.create_registered_model("promote-line")
        for index in range(count):
            store.create_model_version("promote-line", source=f"s3://p/{index}")
    recorded_line, timed_line, replayed_line = (
        _line(db, count, base) for base in (10**7, 2 * 10**7, 3 * 10**7)
    )
    recorded = []
    for model_id in recorded_line:
        with _recorded() as sent:
            transitions.promote(db, model_id, actor="bench", policy=OPEN_GATE)
        recorded.append(sent)
    mapping = dict(zip(recorded_line, replayed_line, strict=True))
    pooled = db.engine.raw_connection()
    driver: Any = pooled.driver_connection
    if db.dialect == "postgresql":
        driver.autocommit = True
    wall: dict[str, list[float]] = {"promote": [], "own_sql_floor": [], "mlflow_alias": []}
    cpu: dict[str, list[float]] = {key: [] for key in wall}

    def timed(key: str, call: Callable[[], object]) -> None:
        began, used = time.perf_counter(), time.process_time()
        call()
        wall[key].append(time.perf_counter() - began)
        cpu[key].append(time.process_time() - used)

    try:
        for index in range(count):
            promote = partial(transitions.promote, actor="bench", policy=OPEN_GATE)
            timed("promote", partial(promote, db, timed_line[index]))
            timed("own_sql_floor", partial(_replay, db, driver, _put_in(recorded[index], mapping)))
            if store is not None:
                alias = partial(store.set_registered_model_alias, "promote-line", "champion")
                timed("mlflow_alias", partial(alias, str(index + 1)))
    finally:
        if db.dialect == "postgresql":
            driver.autocommit = False
        pooled.close()
        side.close()
    found: dict[str, Any] = {"statements": len(recorded[-1])}
    for key, samples in wall.items():
        if samples:
            found[key] = summary(samples)
            # This process's CPU: on SQLite nearly all of the work, and less moved by a
            # shared machine than the wall clock; on PostgreSQL the client's part.
            found[key]["cpu_p50_ms"] = statistics.median(cpu[key]) * 1000
    found["over_floor"] = found["promote"]["p50_ms"] / found["own_sql_floor"]["p50_ms"]
    if "mlflow_alias" in found:
        found["vs_mlflow"] = found["mlflow_alias"]["p50_ms"] / found["promote"]["p50_ms"]
        found["vs_mlflow_cpu"] = (
            found["mlflow_alias"]["cpu_p50_ms"] / found["promote"]["cpu_p50_ms"]
        )
    return found


def main() -> None:
    from bench.registry_bench import fresh_database, mlflow_url

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--promotions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        with (
            fresh_database(args.backend, args.pg_url, "promote") as url,
            fresh_database(args.backend, args.pg_url, "mlflow") as theirs,
        ):
            other = None if args.no_mlflow else mlflow_url(theirs)
            runs.append(side_by_side(url, args.promotions, other))
    medians: dict[str, float] = {
        key: statistics.median(run[key] for run in runs)
        for key in ("over_floor", "vs_mlflow", "vs_mlflow_cpu")
        if key in runs[0]
    }
    for part in ("promote", "own_sql_floor", "mlflow_alias"):
        if part in runs[0]:
            for figure in ("p50_ms", "cpu_p50_ms"):
                medians[f"{part}_{figure}"] = statistics.median(run[part][figure] for run in runs)
    print(json.dumps({"backend": args.backend, "runs": runs, "medians": medians}, indent=1))


if __name__ == "__main__":
    main()
