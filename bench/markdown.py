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
    return "\n".join(lines)


def scale(report: dict[str, Any]) -> str:
    """The batch fill and the filter queries at ``--scale`` versions."""
    found = _get(report, "atlas", "scale") or {}
    lines = [
        f"Batch registration: {_get(found, 'register_batch', 'per_second') or 0:,.0f} "
        f"versions/s filling {found.get('scale_versions', 0):,} versions.",
        "",
        "| query | p50 ms | p95 ms |",
        "|---|---|---|",
    ]
    for query in QUERIES:
        numbers = _get(found, "queries_at_scale", query) or {}
        lines.append(f"| `{query}` | {_ms(numbers.get('p50_ms'))} | {_ms(numbers.get('p95_ms'))} |")
    return "\n".join(lines)


def targets(report: dict[str, Any]) -> str:
    lines = ["| target | goal | value | status |", "|---|---|---|---|"]
    for verdict in report["targets"]:
        value = verdict["value"]
        shown = f"{value:,.3f}" if isinstance(value, float) else str(value)
        lines.append(f"| {verdict['target']} | {verdict['goal']} | {shown} | {verdict['status']} |")
    return "\n".join(lines)


def render(report: dict[str, Any]) -> str:
    return "\n\n".join(
        [
            f"### {report['backend']}: `{report['command']}`",
            side_by_side(report),
            scale(report),
            targets(report),
        ]
    )
