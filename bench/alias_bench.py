"""Benchmark: an as-of alias read (which version ``LINE@champion`` named at a time) at scale.

    python bench/alias_bench.py --backend sqlite --versions 1000000 --moves 1000000
    python bench/alias_bench.py --backend postgresql --versions 1000000 --moves 1000000
    python bench/alias_bench.py --backend sqlite --quick       # a reduced catalog, to check

The catalog is filled through the batch registration path, as
``registry_bench.py``'s scale workload fills it (lines of 10 versions); its
lines are named and their aliases' history is loaded in bulk (every line gets
``champion``, ``staging`` and ``shadow``, each moved many times, spread over a
year), then current aliases are derived from the moves. Reads go through the
public ``Registry`` verbs, each its own transaction, as the CLI and the API
call them: ``named_at`` of an alias at a random time, ``NAME@ALIAS`` now, and
``named_at`` of ``promoted`` on a line with a long promotion history; a set is
timed too. Prints a JSON document (also written with ``--out``) and each
target with "met" or "MISSED".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from atlas_registry import Registry
from atlas_registry.store.db import Database, insert_many
from atlas_registry.store.tables import alias_moves, model_lines
from bench.atlas_side import AtlasSide
from bench.registry_bench import fresh_database, refresh_statistics
from bench.timing import summary, timed

ALIASES = ("champion", "staging", "shadow")
START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_SECONDS = 365 * 24 * 3600
TARGET_P50_MS = 5.0
CHUNK = 20_000


def progress(message: str) -> None:
    print(f"[alias bench] {message}", file=sys.stderr, flush=True)


def _lines(db: Database) -> dict[str, list[str]]:
    """Each line's root -> its version ids in version order (the fill's lines of 10)."""
    members: dict[str, list[str]] = {}
    with db.transaction() as conn:
        rows = conn.execute(
            text(
                "SELECT v.line_id, v.artifact_id FROM model_versions v "
                "JOIN artifacts a ON a.id = v.artifact_id ORDER BY v.line_id, a.version_number"
            )
        )
        for line_id, artifact_id in rows:
            members.setdefault(line_id, []).append(artifact_id)
    return members


def _name_lines(db: Database, roots: list[str]) -> dict[str, str]:
    """Name every line ``bench-line-N``; root -> name."""
    names = {root: f"bench-line-{n}" for n, root in enumerate(roots)}
    now = "2026-01-01 00:00:00"
    with db.transaction(write=True) as conn:
        for first in range(0, len(roots), CHUNK):
            rows = [
                {"name": names[r], "root_id": r, "created_at": now, "named_by": "bench"}
                for r in roots[first : first + CHUNK]
            ]
            insert_many(conn, model_lines, rows)
    return names


def _when(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def _load_moves(db: Database, lines: dict[str, list[str]], total: int, seed: int) -> int:
    """``total`` moves spread over every line's three aliases, each alias's moves in time order."""
    rng = random.Random(seed)
    per_alias = max(1, total // (len(lines) * len(ALIASES)))
    rows: list[dict[str, Any]] = []
    written = 0
    with db.transaction(write=True) as conn:
        for root, versions in lines.items():
            for alias in ALIASES:
                steps = sorted(rng.uniform(0, YEAR_SECONDS) for _ in range(per_alias))
                before = None
                for step in steps:
                    to = rng.choice(versions)
                    rows.append(
                        {
                            "line_id": root,
                            "alias": alias,
                            "from_artifact_id": before,
                            "artifact_id": to,
                            "moved_by": "bench",
                            "notes": None,
                            "override": 0,
                            "moved_at": _when(step),
                        }
                    )
                    before = to
            if len(rows) >= CHUNK:
                insert_many(conn, alias_moves, rows)
                written += len(rows)
                rows = []
        if rows:
            insert_many(conn, alias_moves, rows)
            written += len(rows)
        conn.execute(
            text(
                "INSERT INTO model_aliases (line_id, alias, artifact_id, move_id) "
                "SELECT m.line_id, m.alias, m.artifact_id, m.id FROM model_alias_moves m "
                "JOIN (SELECT line_id, alias, max(id) AS id FROM model_alias_moves "
                "GROUP BY line_id, alias) last ON last.id = m.id"
            )
        )
    return written


def _promotion_history(registry: Registry, line: str, versions: int) -> None:
    """Promote each version of ``line`` in turn and roll back after each: a long history."""
    for number in range(1, versions + 1):
        registry.promote(f"{line}@{number}", actor="bench", override=True, notes="bench")


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"backend": args.backend, "sizes": {}}
    with fresh_database(args.backend, args.pg_url, "aliases") as url:
        side = AtlasSide(url)
        progress(f"{args.versions:,} versions through the batch path")
        report["register_batch"] = side.register_batch(args.versions)
        lines = _lines(side.db)
        names = _name_lines(side.db, sorted(lines))
        progress(f"{len(lines):,} lines named; loading {args.moves:,} alias moves")
        began = time.perf_counter()
        moves = _load_moves(side.db, lines, args.moves, args.seed)
        report["load_moves_seconds"] = time.perf_counter() - began
        report["sizes"] = {"versions": args.versions, "lines": len(lines), "alias_moves": moves}
        side.close()
        report["statistics_refreshed"] = refresh_statistics(url)
        with Registry.open(url) as registry:
            report.update(_timings(registry, list(names.values()), args))
    return report


def _timings(registry: Registry, names: list[str], args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed + 1)

    def as_of() -> None:
        line, alias = rng.choice(names), rng.choice(ALIASES)
        when = START + timedelta(seconds=rng.uniform(YEAR_SECONDS * 0.05, YEAR_SECONDS))
        try:
            registry.named_at(f"{line}@{alias}", when.isoformat())
        except Exception as error:  # a time before an alias's first move names nothing
            if "named nothing" not in str(error):
                raise

    def now() -> None:
        registry.get_model(f"{rng.choice(names)}@{rng.choice(ALIASES)}")

    progress("timing as-of reads")
    first = registry.get_model(f"{names[0]}@1").id
    results: dict[str, Any] = {
        # The floor on this machine: one model by its exact id, one indexed read.
        "get_by_id": timed(lambda: registry.get_model(first), args.repeat),
        "as_of_alias": timed(as_of, args.repeat),
        "alias_now": timed(now, args.repeat),
    }
    promoted_line = names[0]
    _promotion_history(registry, promoted_line, 10)
    moment = datetime.now(UTC).isoformat()
    results["as_of_promoted"] = timed(
        lambda: registry.named_at(f"{promoted_line}@promoted", moment), args.repeat
    )
    latencies = []
    for index in range(min(args.repeat, 200)):
        line = names[index % len(names)]
        began = time.perf_counter()
        registry.set_alias(line, "canary", to_version=1 + index % 10, actor="bench")
        latencies.append(time.perf_counter() - began)
    results["set_alias"] = summary(latencies)
    return results


# The targets; ``alias_now`` (``get_model("LINE@champion")``) is shown beside them: it
# costs what any ``NAME@N`` read costs (a miss by id, then the reference resolved).
JUDGED = ("as_of_alias", "as_of_promoted")


def judge(report: dict[str, Any], quick: bool) -> list[str]:
    """Each target with met or MISSED; a --quick run's timings are shown, not judged."""
    lines = [f"get_by_id p50 {report['get_by_id']['p50_ms']:.3f} ms (the floor, not a target)"]
    lines.append(f"alias_now p50 {report['alias_now']['p50_ms']:.3f} ms (as NAME@N, not a target)")
    for name in JUDGED:
        p50 = report[name]["p50_ms"]
        verdict = "met" if p50 <= TARGET_P50_MS else "MISSED"
        if quick:
            verdict = "(quick: not judged)"
        lines.append(f"{name} p50 {p50:.3f} ms (target <= {TARGET_P50_MS} ms): {verdict}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "ATLAS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--moves", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="10,000 versions, 10,000 moves")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.quick:
        args.versions, args.moves, args.repeat = 10_000, 10_000, 200
    report = run(args)
    document = json.dumps(report, indent=2)
    print(document)
    if args.out:
        args.out.write_text(document + "\n", "utf-8")
    verdicts = judge(report, args.quick)
    print("\n".join(verdicts))
    if any("MISSED" in line for line in verdicts):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
