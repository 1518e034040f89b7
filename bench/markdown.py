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


def side_by_side(report: dict[str, Any]) -> str:
    """Workloads 1-5: this registry and MLflow on the same data, same database kind."""
    atlas, mlflow = report["atlas"], report.get("mlflow", {})
    lines = [
        "| workload | this registry | MLflow | this registry is |",
        "|---|---|---|---|",
    ]

    def row(label: str, ours: Any, theirs: Any, unit: str, higher_is_better: bool) -> None:
        if ours is None:
            return
        ratio = "-"
        if theirs:
            ratio = f"{(ours / theirs) if higher_is_better else (theirs / ours):.1f}x faster"
        shown_theirs = "-" if theirs is None else f"{theirs:,.2f} {unit}"
        lines.append(f"| {label} | {ours:,.2f} {unit} | {shown_theirs} | {ratio} |")

    row(
        "register, one call per version",
        _get(atlas, "register_single", "per_second"),
        _get(mlflow, "register_single", "per_second"),
        "/s",
        True,
    )
    for pct in ("p50_ms", "p95_ms"):
        row(
            f"register latency {pct[:3]}",
            _get(atlas, "register_single", pct),
            _get(mlflow, "register_single", pct),
            "ms",
            False,
        )
    for query in QUERIES:
        for pct in ("p50_ms", "p95_ms"):
            row(
                f"query `{query}` {pct[:3]}",
                _get(atlas, "queries_same_data", query, pct),
                _get(mlflow, "queries_same_data", query, pct),
                "ms",
                False,
            )
    row(
        "get one model p50",
        _get(atlas, "get_model", "p50_ms"),
        _get(mlflow, "get_model", "p50_ms"),
        "ms",
        False,
    )
    row("lineage, 50-deep chain p50", _get(atlas, "lineage_50_deep", "p50_ms"), None, "ms", False)
    row(
        "promote (with supersession) p50",
        _get(atlas, "promote", "p50_ms"),
        _get(mlflow, "promote", "p50_ms"),
        "ms",
        False,
    )
    row(
        "4 processes, one model line",
        _get(atlas, "concurrent", "per_second"),
        _get(mlflow, "concurrent", "per_second"),
        "/s",
        True,
    )
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
