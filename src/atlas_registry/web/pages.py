"""The pages: each reads its query string, calls library verbs, renders one template.

Every page state lives in the URL (filters, page token, ids to compare), so
Back and a shared link show the same page, and every page links its JSON
twin under /api/v1. Pages work without JavaScript; none is served.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from atlas_registry import MAX_PAGE, ModelRecord, Registry, RegistryError
from atlas_registry.api.deps import Access, Caller, reader
from atlas_registry.web.graph import GateLine, lineage_view, trend_svg
from atlas_registry.web.render import page

router = APIRouter(include_in_schema=False)
FILTERS = (
    "promotion_state",
    "model_family",
    "framework",
    "trained_by",
    "benchmark_id",
    "base_model_id",
    "line",
)
STATES = ("candidate", "promoted", "rejected", "superseded")
# Error measures, where the best value is the smallest (for highlighting only).
LOWER_IS_BETTER = frozenset({"rmse", "mae", "mse", "brier", "log_loss", "loss", "error_rate"})
# A large legacy catalog holds an item per held model: the page shows them 50 at a time.
REVIEWS_PER_PAGE = 50


def static_files() -> StaticFiles:
    """The vendored stylesheet: package data, never a path a user stored."""
    return StaticFiles(packages=[("atlas_registry.web", "static")])


def _guarded(
    request: Request, access: Access, build: Callable[[Registry], HTMLResponse]
) -> HTMLResponse:
    """A page, or the error page that says what went wrong and what to do.

    A caller the server refuses gets the API's 401 problem (with its
    ``WWW-Authenticate``), not a page: the check is outside the page's own.
    """

    def rendered(found: Registry, _caller: Caller) -> HTMLResponse:
        try:
            return build(found)
        except RegistryError as error:
            return page(request, "error.html", error.http_status, error=error, title="Error")

    return access.checked(rendered)


def _pin(model: ModelRecord) -> str:
    if model.is_external:
        return "source-pinned" if model.external_source_version else "unpinned"
    return "code-pinned" if model.code_commit_sha else "unpinned"


def _primary_metric(model: ModelRecord, found: Registry) -> tuple[str, Any] | None:
    metrics = model.eval_metrics or {}
    threshold = found.policy.benchmarks.get(model.benchmark_id or "")
    if threshold is not None and threshold.metric in metrics:
        return threshold.metric, metrics[threshold.metric]
    return next(iter(metrics.items()), None)


@router.get("/", response_class=HTMLResponse)
def models_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        # A filter typed with a space around it ("agent-7 ") means the word, as a
        # person reads it; the API's own filters stay exact.
        query = {name: value.strip() for name, value in request.query_params.items()}
        filters = {name: query.get(name) or None for name in FILTERS}
        external = {"yes": True, "no": False}.get(query.get("external", ""))
        latest = query.get("latest_only") == "1"
        result = found.list_page(
            page_size=50,
            page_token=query.get("page_token") or None,
            is_external=external,
            latest_only=latest,
            **filters,
        )
        shown = [m.id for m in result.items]
        held = {item.artifact_id for item in found.list_reviews("open", artifact_ids=shown)}
        rows = [
            {"model": m, "pin": _pin(m), "metric": _primary_metric(m, found), "held": m.id in held}
            for m in result.items
        ]
        kept = {k: v for k, v in query.items() if v and k != "page_token"}
        next_url = None
        if result.next_page_token:
            next_url = "/?" + urlencode({**kept, "page_token": result.next_page_token})
        # Only what the API takes: it refuses a parameter it does not know (a link's utm_...).
        api = {k: v for k, v in kept.items() if k in FILTERS or k == "latest_only"}
        if external is not None:
            api["is_external"] = str(external).lower()
        return page(
            request,
            "models.html",
            title="Models",
            rows=rows,
            query=query,
            states=STATES,
            next_url=next_url,
            json_url="/api/v1/models?" + urlencode(api),
        )

    return _guarded(request, access, build)


def _trend(found: Registry, model: ModelRecord) -> tuple[list[ModelRecord], Any]:
    if model.line_name:
        versions = found.list_models(line=model.line_name, limit=MAX_PAGE)
    else:
        versions = [found.get_model(e.id) for e in found.lineage(model.id).versions[:50]]
    versions.sort(key=lambda m: m.version_number)
    metric = _primary_metric(model, found)
    if metric is None:
        return versions, None
    points = [
        (m.version_number, float(m.eval_metrics[metric[0]]))
        for m in versions
        if m.eval_metrics and isinstance(m.eval_metrics.get(metric[0]), int | float)
    ]
    return versions, trend_svg(points, metric[0], _gate_line(found, model, metric[0]))


def _gate_line(found: Registry, model: ModelRecord, metric: str) -> GateLine | None:
    """The gate's threshold on the charted metric, when the model's benchmark sets one."""
    threshold = found.policy.benchmarks.get(model.benchmark_id or "")
    if threshold is None or threshold.metric != metric:
        return None
    if threshold.minimum is not None:
        return GateLine(threshold.minimum, at_least=True)
    if threshold.maximum is not None:
        return GateLine(threshold.maximum, at_least=False)
    return None


@router.get("/models/{model_ref}", response_class=HTMLResponse)
def model_page(
    model_ref: str,
    request: Request,
    access: Access = Depends(reader),
) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        model = found.get_model(model_ref)
        lineage = found.lineage(model.id)
        versions, trend = _trend(found, model)
        reviews = found.list_reviews(None, artifact_ids=[model.id])
        return page(
            request,
            "model.html",
            title=model.title,
            model=model,
            pin=_pin(model),
            graph=lineage_view(lineage),
            lineage=lineage,
            versions=versions,
            trend=trend,
            history=found.history(model.id),
            pin_check=next(iter(found.pin_checks(model.id, limit=1)), None),
            provenance=found.provenance(model.id),
            reviews=reviews,
            json_url=f"/api/v1/models/{model.id}",
        )

    return _guarded(request, access, build)


COMPARED_FIELDS = (
    "line_name",
    "version_number",
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
    values = [
        m.eval_metrics[metric]
        for m in models
        if m.eval_metrics and isinstance(m.eval_metrics.get(metric), int | float)
    ]
    if not values:
        return None
    lower = metric in LOWER_IS_BETTER or any(
        t.metric == metric and t.maximum is not None for t in found.policy.benchmarks.values()
    )
    return min(values) if lower else max(values)


COMPARED_AT_MOST = 6  # columns a screen can hold side by side


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        # "a, b" as people type it; a model named twice is shown once.
        asked = request.query_params.get("ids") or ""
        named = list(dict.fromkeys(r.strip() for r in asked.split(",") if r.strip()))
        refs = named[:COMPARED_AT_MOST]
        only_differences = request.query_params.get("diff") == "1"
        models = [found.get_model(ref) for ref in refs]
        fields = []
        for name in COMPARED_FIELDS:
            values = [getattr(m, name) for m in models]
            if not only_differences or len({str(v) for v in values}) > 1:
                fields.append((name, values))
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

    return _guarded(request, access, build)


@router.get("/leaderboards", response_class=HTMLResponse)
def leaderboards_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        benchmarks = found.benchmarks()
        chosen = request.query_params.get("benchmark") or (
            benchmarks[0]["benchmark_id"] if benchmarks else None
        )
        spec = next((b for b in benchmarks if b["benchmark_id"] == chosen), None)
        board, metric, gate, lower = [], None, None, False
        if spec is not None:
            gate = spec["gate"]
            default = gate["metric"] if gate else spec["metrics"][0]
            metric = request.query_params.get("metric") or default
            lower = bool(gate and gate["metric"] == metric and not gate["higher_is_better"])
            board = found.leaderboard(chosen or "", metric, limit=50, higher_is_better=not lower)
        threshold = None
        if gate and gate["metric"] == metric:
            threshold = gate["maximum"] if lower else gate["minimum"]
        return page(
            request,
            "leaderboards.html",
            title="Leaderboards",
            benchmarks=benchmarks,
            chosen=chosen,
            spec=spec,
            metric=metric,
            board=board,
            threshold=threshold,
            lower=lower,
            json_url=(
                f"/api/v1/leaderboards/{quote(chosen, safe='')}?" + urlencode({"metric": metric})
                if chosen and metric
                else "/api/v1/benchmarks"
            ),
        )

    return _guarded(request, access, build)


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        actor = request.query_params.get("actor") or None
        before = request.query_params.get("before_id")
        before_id = int(before) if before and before.isdigit() and len(before) < 19 else None
        overrides_only = request.query_params.get("overrides") == "1"
        events = found.recent_events(
            50, before_id=before_id, actor=actor, overrides_only=overrides_only
        )
        kept = {k: v for k, v in request.query_params.items() if v and k != "before_id"}
        older = None
        if events and len(events) == 50:
            older = "/history?" + urlencode({**kept, "before_id": events[-1].id})
        return page(
            request,
            "history.html",
            title="History",
            events=events,
            actor=actor or "",
            overrides_only=overrides_only,
            older_url=older,
            json_url="/api/v1/events?"
            + urlencode(
                {
                    **({"actor": actor} if actor else {}),
                    **({"overrides_only": "true"} if overrides_only else {}),
                }
            ),
        )

    return _guarded(request, access, build)


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        status = "resolved" if request.query_params.get("status") == "resolved" else "open"
        token = request.query_params.get("page_token") or None
        shown = found.review_page(status, page_size=REVIEWS_PER_PAGE, page_token=token)
        excerpts = {i.artifact_id: found.provenance(i.artifact_id) for i in shown.items}
        next_url = None
        if shown.next_page_token:
            next_url = "/review?" + urlencode(
                {"status": status, "page_token": shown.next_page_token}
            )
        return page(
            request,
            "review.html",
            title="Review queue",
            items=shown.items,
            excerpts=excerpts,
            queue_status=status,
            next_url=next_url,
            json_url=f"/api/v1/review-queue?status={status}",
        )

    return _guarded(request, access, build)
