"""The filter queries of both registries on the same versions, timed interleaved.

    python bench/filters_side_by_side.py --backend sqlite --n 20000
    python bench/filters_side_by_side.py --backend postgresql --n 20000

``registry_bench.py`` times this registry's filters and MLflow's minutes apart,
after other workloads, and this registry's catalog then also holds the versions
of its named-line workload. On a shared machine the load moves in between, so
the ratio follows the load as much as the code. Here both catalogs get the same
N single-call registrations and nothing else, and each round times every
filter on one side then the other (the order alternating by round): the two
sides of a ratio meet the same load. Per filter it reports each side's p50
wall time and CPU of this process (all of SQLite's work, the client's share on
PostgreSQL) and the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import atlas_side
from bench.registry_bench import fresh_database, mlflow_url, progress, refresh_statistics

# MLflow's leaderboard pages through every version of the benchmark: fewer runs of it.
SLOW = {"leaderboard": 3}


def _sample(call: Callable[[], Any], runs: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return walls, cpus


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def interleaved(
    atlas: dict[str, Callable[[], Any]],
    mlflow: dict[str, Callable[[], Any]],
    rounds: int,
    runs: int,
) -> dict[str, dict[str, float]]:
    """Per filter: each side's p50 wall and CPU (ms), and the median per-round ratio."""
    walls: dict[str, dict[str, list[float]]] = {q: {"atlas": [], "mlflow": []} for q in atlas}
    cpus: dict[str, dict[str, list[float]]] = {q: {"atlas": [], "mlflow": []} for q in atlas}
    round_ratios: dict[str, list[float]] = {q: [] for q in atlas}
    for query in atlas:  # one untimed run each: the first pays for caches and statements
        atlas[query]()
        mlflow[query]()
    for number in range(rounds):
        for query in atlas:
            sides = [("atlas", atlas[query]), ("mlflow", mlflow[query])]
            if number % 2:
                sides.reverse()
            p50: dict[str, float] = {}
            for side, call in sides:
                count = SLOW.get(query, runs) if side == "mlflow" else runs
                wall, cpu = _sample(call, count)
                walls[query][side] += wall
                cpus[query][side] += cpu
                p50[side] = statistics.median(wall)
            round_ratios[query].append(p50["mlflow"] / p50["atlas"])
    return {
        query: {
            "atlas_p50_ms": _ms(walls[query]["atlas"]),
            "mlflow_p50_ms": _ms(walls[query]["mlflow"]),
            "atlas_cpu_p50_ms": _ms(cpus[query]["atlas"]),
            "mlflow_cpu_p50_ms": _ms(cpus[query]["mlflow"]),
            "ratio_of_p50": _ms(walls[query]["mlflow"]) / _ms(walls[query]["atlas"]),
            "ratio_median_of_rounds": statistics.median(round_ratios[query]),
            "ratio_min_of_rounds": min(round_ratios[query]),
            "ratio_cpu_p50": _ms(cpus[query]["mlflow"]) / _ms(cpus[query]["atlas"]),
            "atlas_runs": len(walls[query]["atlas"]),
            "mlflow_runs": len(walls[query]["mlflow"]),
        }
        for query in atlas
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--n", type=int, default=20_000, help="versions in each catalog")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=10, help="runs of a filter per side a round")
    parser.add_argument(
        "--pg-url", default="postgresql://postgres@127.0.0.1:5432/test", help="an admin database"
    )
    parser.add_argument(
        "--mlflow-url",
        help="an MLflow registry already holding the N versions (as registry_bench fills it), "
        "used as it is instead of filling a new one: MLflow's fill is most of a run",
    )
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args(argv)

    from bench import mlflow_side

    with (
        fresh_database(args.backend, args.pg_url, "atlas") as atlas_url,
        fresh_database(args.backend, args.pg_url, "mlflow") as mlflow_db,
    ):
        atlas = atlas_side.AtlasSide(atlas_url)
        try:
            progress(f"atlas: {args.n} single-call registrations")
            atlas.register_single(args.n)
            refresh_statistics(atlas_url)
            if args.mlflow_url:
                mlflow = mlflow_side.MlflowSide(mlflow_url(args.mlflow_url))
            else:
                progress(f"mlflow: {args.n} single-call registrations")
                mlflow = mlflow_side.MlflowSide(mlflow_url(mlflow_db))
                mlflow.register_single(args.n)
                refresh_statistics(mlflow_db)
            progress(f"filters: {args.rounds} rounds of {args.runs} runs, interleaved")
            result = {
                "backend": args.backend,
                "versions_each": args.n,
                "mlflow": mlflow_side.mlflow_version(),
                "filters": interleaved(
                    atlas.query_calls(), mlflow.query_calls(), args.rounds, args.runs
                ),
            }
        finally:
            atlas.close()
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
