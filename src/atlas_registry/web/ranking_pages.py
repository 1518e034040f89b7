"""The pages that rank models: side by side (``/compare``) and by benchmark (``/leaderboards``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from atlas_registry import (
    ModelRecord,
    RankedBy,
    Registry,
    ValidationError,
    asking_how,
    best_in_context,
    evaluation_context,
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


def _metric_rows(
    found: Registry, models: list[ModelRecord], only_differences: bool
) -> list[tuple[str, list[tuple[Any, bool]]]]:
    """Each metric's values, each marked when it is the best of its evaluation context.

    The rule (same benchmark, same evaluation data; the metric's direction) is
    the library's: values measured on different data are never ranked here.
    """
    rows = []
    for name in sorted({k for m in models for k in (m.eval_metrics or {})}):
        values = [(m.eval_metrics or {}).get(name) for m in models]
        if only_differences and len({str(v) for v in values}) == 1:
            continue
        best = best_in_context(models, name, found.metric_direction(name))
        rows.append((name, [(v, m.id in best) for v, m in zip(values, models, strict=True)]))
    return rows


def _context_row(models: list[ModelRecord]) -> tuple[list[str], int]:
    """Each model's evaluation context as a person reads it, lettered when they differ."""
    contexts = [evaluation_context(m) for m in models]
    distinct = list(dict.fromkeys(contexts))
    if len(distinct) < 2:
        return [c.label for c in contexts], len(distinct)
    letters = {c: chr(ord("A") + i) for i, c in enumerate(distinct)}
    return [f"{letters[c]}: {c.label}" for c in contexts], len(distinct)


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
        contexts, context_count = _context_row(models)
        if not only_differences or context_count > 1:
            fields.append(("Evaluated on", contexts))
        toggle = {"ids": ",".join(refs), **({} if only_differences else {"diff": "1"})}
        return page(
            request,
            "compare.html",
            title="Compare",
            models=models,
            fields=fields,
            metrics=_metric_rows(found, models, only_differences),
            context_count=context_count,
            only_differences=only_differences,
            toggle_url="/compare?" + urlencode(toggle),
            ids=",".join(refs),
            named=len(named),
        )

    return guarded(request, access, build)


def _board(
    found: Registry, benchmark: str, metric: str, given: str | None, data: dict[str, str]
) -> tuple[list[Any], RankedBy | None, str | None]:
    """The ranked board and what ranked it, or the registry's question for a direction.

    ``data`` holds the ``dataset`` (and ``split``) the address narrows the board to.
    """
    try:
        board = found.leaderboard(benchmark, metric, limit=50, direction=given, **data)
    except ValidationError as error:
        asked = asking_how(error, "choose a Direction above and press Show")
        if asked is error or not isinstance(asked, ValidationError):
            raise
        return [], None, asked.violations[0].message
    return board, found.ranked_by(metric, given), None


def _asked_direction(found: Registry, metric: str, asked: str | None) -> tuple[str | None, str]:
    """The direction in the address to rank by, and a note when it is not used.

    The form offers a direction only for a metric of unknown direction, so a
    direction left in the address from one may arrive with a known metric.
    One that agrees is kept; one that contradicts the fact is not obeyed, and
    the page says so rather than dropping it without a word.
    """
    if asked is None or found.metric_direction(metric) == "unknown":
        return asked, ""
    fact = found.ranked_by(metric)
    if asked == fact.direction:
        return asked, ""
    where = "the metric vocabulary" if fact.source == "vocabulary" else "the promotion policy"
    return None, (
        f"Ranked {'highest' if fact.direction == 'higher' else 'lowest'} first: "
        f"{fact.said} for {metric} ({where}), so the direction in the address "
        f"({asked:.20} is better) was not used."
    )


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
        data = {
            key: value
            for key in ("dataset", "split")
            if (value := (request.query_params.get(key) or "").strip())
        }
        board: list[Any] = []
        metric, gate, ranked, question, note = None, None, None, None, None
        unknown = False
        if spec is not None:
            gate = spec["gate"]
            metric, note = _board_metric(spec, request.query_params.get("metric"))
            unknown = found.metric_direction(metric) == "unknown"
            asked = request.query_params.get("direction") or None
            given, unused = _asked_direction(found, metric, asked)
            note = " ".join(filter(None, (note, unused))) or None
            board, ranked, question = _board(found, chosen or "", metric, given, data)
        direction = ranked.direction if ranked else None
        lower = direction == "lower"
        threshold = None
        if gate and gate["metric"] == metric:
            threshold = gate["maximum"] if lower else gate["minimum"]
        chosen_way = ranked is not None and ranked.source == "request"
        api = {"metric": metric, **({"direction": direction} if chosen_way else {}), **data}
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
            ranked=ranked,
            unknown_direction=unknown,
            question=question,
            data=data,
            json_url=(
                f"/api/v1/leaderboards/{quote(chosen, safe='')}?" + urlencode(api)
                if chosen and metric
                else "/api/v1/benchmarks"
            ),
        )

    return guarded(request, access, build)
