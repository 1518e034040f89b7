"""The pages that rank models: side by side (``/compare``) and by benchmark (``/leaderboards``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from atlas_registry import (
    ModelRecord,
    Registry,
    ValidationError,
    asking_how,
)
from atlas_registry.api.deps import Access, reader
from atlas_registry.web.labels import field_label
from atlas_registry.web.pages import guarded, router
from atlas_registry.web.render import page

COMPARED_FIELDS = (
    "promotion_state",
    "model_family",
    "framework",
    "benchmark_id",
    "trained_by",
    "code_repo_url",
    "code_commit_sha",
    "external_source_url",
    "external_source_version",
    "base_model_id",
    "training_completed_at",
)


def _best(found: Registry, models: list[ModelRecord], metric: str) -> Any:
    """The best value of ``metric`` by its direction; none for a metric of unknown direction."""
    values = [
        m.eval_metrics[metric]
        for m in models
        if m.eval_metrics and isinstance(m.eval_metrics.get(metric), int | float)
    ]
    direction = found.metric_direction(metric)
    if not values or direction == "unknown":
        return None
    return min(values) if direction == "lower" else max(values)


COMPARED_AT_MOST = 6  # columns a screen can hold side by side


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        # "a, b" as people type it; a model named twice is shown once.
        # A ticked list sends ids=a&ids=b; a typed one "a, b": both are read.
        asked = ",".join(request.query_params.getlist("ids"))
        named = list(dict.fromkeys(r.strip() for r in asked.split(",") if r.strip()))
        refs = named[:COMPARED_AT_MOST]
        only_differences = request.query_params.get("diff") == "1"
        models = [found.get_model(ref) for ref in refs]
        bases = found.version_names(m.base_model_id for m in models if m.base_model_id)
        fields = []
        for name in COMPARED_FIELDS:
            values = [getattr(m, name) for m in models]
            if name == "base_model_id":  # the version a person knows, not its id
                values = [bases[v].label if v in bases else v for v in values]
            if not only_differences or len({str(v) for v in values}) > 1:
                fields.append((field_label(name), values))
        names = sorted({k for m in models for k in (m.eval_metrics or {})})
        metrics = []
        for name in names:
            values = [(m.eval_metrics or {}).get(name) for m in models]
            if not only_differences or len({str(v) for v in values}) > 1:
                metrics.append((name, values, _best(found, models, name)))
        toggle = {"ids": ",".join(refs), **({} if only_differences else {"diff": "1"})}
        return page(
            request,
            "compare.html",
            title="Compare",
            models=models,
            fields=fields,
            metrics=metrics,
            only_differences=only_differences,
            toggle_url="/compare?" + urlencode(toggle),
            ids=",".join(refs),
            named=len(named),
        )

    return guarded(request, access, build)


def _board(
    found: Registry, benchmark: str, metric: str, given: str | None
) -> tuple[list[Any], str | None, str | None]:
    """The ranked board and its direction, or the registry's question for a direction."""
    try:
        board = found.leaderboard(benchmark, metric, limit=50, direction=given)
    except ValidationError as error:
        asked = asking_how(error, "choose a Direction above and press Show")
        if asked is error or not isinstance(asked, ValidationError):
            raise
        return [], None, asked.violations[0].message
    return board, given or found.metric_direction(metric), None


def _board_metric(spec: dict[str, Any], asked: str | None) -> tuple[str, str | None]:
    """The metric a leaderboard ranks by, and a note when it is not the one asked for.

    A form sends the metric chosen for the benchmark shown before; the new
    benchmark may not report it. The page then ranks by the benchmark's primary
    metric (the gate's, when its models report it; else the first) and says so,
    rather than answering that no model reports the metric asked for.
    """
    gate = spec["gate"]
    primary = gate["metric"] if gate and gate["metric"] in spec["metrics"] else spec["metrics"][0]
    if not asked or asked in spec["metrics"]:
        return asked or primary, None
    note = (
        f"No model of {spec['benchmark_id']} reports {asked}: "
        f"ranked by {primary}, its primary metric, instead."
    )
    return primary, note


@router.get("/leaderboards", response_class=HTMLResponse)
def leaderboards_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        benchmarks = found.benchmarks()
        chosen = request.query_params.get("benchmark") or (
            benchmarks[0]["benchmark_id"] if benchmarks else None
        )
        spec = next((b for b in benchmarks if b["benchmark_id"] == chosen), None)
        board: list[Any] = []
        metric, gate, direction, question, note = None, None, None, None, None
        unknown = False
        if spec is not None:
            gate = spec["gate"]
            metric, note = _board_metric(spec, request.query_params.get("metric"))
            unknown = found.metric_direction(metric) == "unknown"
            # The form offers a direction only for a metric of unknown direction.
            given = (request.query_params.get("direction") or None) if unknown else None
            board, direction, question = _board(found, chosen or "", metric, given)
        lower = direction == "lower"
        threshold = None
        if gate and gate["metric"] == metric:
            threshold = gate["maximum"] if lower else gate["minimum"]
        api = {"metric": metric, **({"direction": direction} if unknown and direction else {})}
        return page(
            request,
            "leaderboards.html",
            title="Leaderboards",
            benchmarks=benchmarks,
            chosen=chosen,
            spec=spec,
            metric=metric,
            note=note,
            board=board,
            threshold=threshold,
            lower=lower,
            direction=direction,
            unknown_direction=unknown,
            question=question,
            json_url=(
                f"/api/v1/leaderboards/{quote(chosen, safe='')}?" + urlencode(api)
                if chosen and metric
                else "/api/v1/benchmarks"
            ),
        )

    return guarded(request, access, build)
