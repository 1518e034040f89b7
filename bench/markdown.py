"""The benchmark result as Markdown tables, for docs/benchmarks.md."""

from __future__ import annotations

from typing import Any

QUERIES = ("state_and_family", "trained_by", "benchmark", "latest_only", "leaderboard")


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}"


def _get(node: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _side_by_side_rows() -> list[tuple[str, tuple[str, ...], str, bool]]:
    """(label, path in each side's report, unit, higher is better) per table row."""
    rows: list[tuple[str, tuple[str, ...], str, bool]] = [
        ("register, one call per version", ("register_single", "per_second"), "/s", True),
        ("register latency p50", ("register_single", "p50_ms"), "ms", False),
        ("register latency p95", ("register_single", "p95_ms"), "ms", False),
    ]
    for query in QUERIES:
        for pct in ("p50", "p95"):
            path = ("queries_same_data", query, f"{pct}_ms")
            rows.append((f"query `{query}` {pct}", path, "ms", False))
    rows += [
        ("get one model p50", ("get_model", "p50_ms"), "ms", False),
        ("lineage, 50-deep chain p50", ("lineage_50_deep", "p50_ms"), "ms", False),
        ("promote (with supersession) p50", ("promote", "p50_ms"), "ms", False),
        ("4 processes, one model line", ("concurrent", "per_second"), "/s", True),
    ]
    return rows


def side_by_side(report: dict[str, Any]) -> str:
    """Workloads 1-5: this registry and MLflow on the same data, same database kind."""
    atlas, mlflow = report["atlas"], report.get("mlflow", {})
    lines = [
        "| workload | this registry | MLflow | this registry is |",
        "|---|---|---|---|",
    ]
    for label, path, unit, higher_is_better in _side_by_side_rows():
        ours, theirs = _get(atlas, *path), _get(mlflow, *path)
        if ours is None:
            continue
        ratio = "-"
        if theirs:
            ratio = f"{(ours / theirs) if higher_is_better else (theirs / ours):.1f}x faster"
        shown_theirs = "-" if theirs is None else f"{theirs:,.2f} {unit}"
        lines.append(f"| {label} | {ours:,.2f} {unit} | {shown_theirs} | {ratio} |")
    return "\n".join(lines) if len(lines) > 2 else ""  # a run without these workloads


def scale(report: dict[str, Any]) -> str:
    """The batch fill and the filter queries at ``--scale`` versions."""
    found = _get(report, "atlas", "scale")
    if not found:
        return ""
    lines = [
        f"Batch registration: {_get(found, 'register_batch', 'per_second') or 0:,.0f} "
        f"versions/s filling {found.get('scale_versions', 0):,} versions.",
        "",
        "| query | p50 ms | p95 ms |",
        "|---|---|---|",
    ]
    for query in (*QUERIES, "line"):
        numbers = _get(found, "queries_at_scale", query) or {}
        lines.append(f"| `{query}` | {_ms(numbers.get('p50_ms'))} | {_ms(numbers.get('p95_ms'))} |")
    return "\n".join(lines)


def write_path(report: dict[str, Any]) -> str:
    """The write rows: this registry, MLflow at equal durability, and the bare floor."""
    atlas, mlflow = report["atlas"], report.get("mlflow", {})
    floor = _get(atlas, "floor", "p50_ms")
    lines = [
        "| write | this registry | MLflow | floor (3 INSERTs + COMMIT) | / floor | vs MLflow |",
        "|---|---|---|---|---|---|",
    ]
    for label, path, mlflow_path in (
        ("register p50", ("register_single", "p50_ms"), ("register_single", "p50_ms")),
        # MLflow's registration names its registered model: the closer match
        (
            "register into a named line p50",
            ("register_named", "p50_ms"),
            ("register_single", "p50_ms"),
        ),
        ("promote p50", ("promote", "p50_ms"), ("promote", "p50_ms")),
    ):
        ours, theirs = _get(atlas, *path), _get(mlflow, *mlflow_path)
        if ours is None:
            continue
        over = f"{ours / floor:.1f}x" if floor else "-"
        versus = f"{theirs / ours:.1f}x faster" if theirs else "-"
        lines.append(
            f"| {label} | {ours:.3f} ms | {_ms(theirs)} ms | {_ms(floor)} ms | {over} | {versus} |"
        )
    batch = _get(atlas, "write_path", "register_batch_one_call")
    if batch:
        lines.append(
            f"| `register_models`, {batch['count']:,} in one call | "
            f"{batch['per_second']:,.0f} /s | - | - | - | - |"
        )
    grow = _get(atlas, "write_path", "batch_as_tables_grow")
    if grow:
        lines.append(
            f"| a {grow['batch']:,} batch at {grow['existing']:,} versions vs on an empty "
            f"catalog | {grow['grown_seconds']:.2f} s vs {grow['empty_seconds']:.2f} s "
            f"({grow['slowdown']:.2f}x) | - | - | - | - |"
        )
    return "\n".join(lines) if len(lines) > 2 else ""  # a run without these workloads


def service(report: dict[str, Any]) -> str:
    """The service beside its floor (a bare ASGI app) and MLflow's server; 1 and 16 clients."""
    found = _get(report, "atlas", "http")
    if not found:
        return ""
    side = found["side_by_side"]
    lines = [
        "One client, rounds interleaved. The floor is a bare ASGI app on the same server "
        "stack doing the same verb; CPU is the server process's (and its children's) per "
        "request, and the client's own.",
        "",
        "| server | request | p50 ms | p95 ms | server CPU ms | client CPU ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    labels = (
        ("floor", "bare ASGI app"),
        ("guarded_floor", "bare app, token checked in the database, verb on a thread (PostgreSQL)"),
        ("atlas", "`serve`"),
        ("mlflow", "MLflow"),
    )
    for name, label in labels:
        for operation in ("register", "get"):
            row = side.get(name, {}).get(operation)
            if row:
                lines.append(
                    f"| {label} | {operation} | {row['p50_ms']:.3f} | {row['p95_ms']:.3f} | "
                    f"{row['server_cpu_ms']:.2f} | {row['client_cpu_ms']:.2f} | {row['errors']} |"
                )
    for operation in ("register", "get"):
        row = side["library"][operation]
        lines.append(
            f"| library, in process | {operation} | {row['p50_ms']:.3f} | {row['p95_ms']:.3f} | "
            f"{row['cpu_ms']:.2f} | - | - |"
        )
    if "mlflow" not in side:
        lines += ["", f"MLflow's server: {side['mlflow_note']}."]
    scaling = found["scaling"]
    lines += [
        "",
        f"`serve --workers {scaling['workers']}`, register, each client its own process:",
        "",
        "| clients | requests/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|",
    ]
    for key, row in scaling.items():
        if key.startswith("register_"):
            lines.append(
                f"| {key.removeprefix('register_')} | {row['per_second']:,.0f} | "
                f"{row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['errors']} |"
            )
    return "\n".join(lines)


def startup(report: dict[str, Any]) -> str:
    found = _get(report, "atlas", "startup")
    if not found:
        return ""
    rows = [
        ("`python -c pass`", "python_only_s"),
        ("`python -c 'import sqlalchemy'`", "import_sqlalchemy_s"),
        ("a bare Typer app's `--help`", "typer_help_s"),
        ("`sqlite-utils rows FILE model_versions --limit 50 --table`", "sqlite_utils_rows_s"),
        ("`atlas-registry --help`", "help_s"),
        ("`atlas-registry list` (SQLite)", "list_s"),
        ("`atlas-registry show ID` (SQLite)", "show_s"),
        ("`mlflow --help`", "mlflow_help_s"),
    ]
    lines = ["| process | seconds (median) |", "|---|---|"]
    lines += [f"| {label} | {found[key]:.3f} |" for label, key in rows if key in found]
    ratios = [
        ("`--help` / bare Typer `--help`", "help_vs_typer_help"),
        ("`list` / `sqlite-utils rows`", "list_vs_sqlite_utils"),
        ("`show` / `sqlite-utils rows`", "show_vs_sqlite_utils"),
    ]
    lines += [f"| {label} | {found[key]:.2f}x |" for label, key in ratios if key in found]
    return "\n".join(lines)


def backfill(report: dict[str, Any]) -> str:
    """The backfill, the replay of its own SQL, and the mapping rules alone."""
    found = _get(report, "atlas", "backfill")
    if not found:
        return ""
    lines = [
        "| backfill of legacy artifacts | seconds | per second |",
        "|---|---|---|",
        f"| the backfill of {found['artifacts']:,} | {found['seconds']:.1f} "
        f"| {found['per_second']:,.0f} |",
    ]
    floor = found.get("floor")
    if floor:
        lines.append(
            f"| the replay of its own SQL on the bare driver ({floor['statements']:,} "
            f"statements, {floor['transactions']:,} transactions) "
            f"| {floor['replay_seconds']:.1f} | - |"
        )
    mapping = found.get("mapping_alone")
    if mapping:
        lines.append(f"| the mapping rules alone, no database | {mapping['seconds']:.1f} | - |")
    return "\n".join(lines)


def targets(report: dict[str, Any]) -> str:
    """Every target this run measured (a workload left out with --only has no verdict)."""
    lines = ["| target | goal | value | status |", "|---|---|---|---|"]
    for verdict in report["targets"]:
        status = verdict["status"]
        if status.startswith("not measured") or "this backend" in status or "this size" in status:
            continue
        value = verdict["value"]
        shown = f"{value:,.3f}" if isinstance(value, float) else str(value)
        lines.append(f"| {verdict['target']} | {verdict['goal']} | {shown} | {verdict['status']} |")
    return "\n".join(lines)


def render(report: dict[str, Any]) -> str:
    parts = [
        f"### {report['backend']}: `{report['command']}`",
        side_by_side(report),
        write_path(report),
        scale(report),
        service(report),
        startup(report),
        backfill(report),
        targets(report),
    ]
    return "\n\n".join(part for part in parts if part)
