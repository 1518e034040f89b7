"""The pages: each reads its query string, calls library verbs, renders one template.

The pages of what happened to the versions live in :mod:`.history_pages`, the
pages that rank models in :mod:`.ranking_pages`; both join this module's router.

Every page state lives in the URL (filters, page token, ids to compare), so
Back and a shared link show the same page, and every page links its JSON
twin under /api/v1. Pages work without JavaScript; none is served.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from atlas_registry import (
    MAX_PAGE,
    MODEL_FILTER_FIELDS,
    PROMOTION_STATES,
    LineOverview,
    ModelRecord,
    NotFoundError,
    PinStatus,
    Registry,
    RegistryError,
    VersionName,
    evaluation_context,
    split_by_context,
)
from atlas_registry.api.deps import Access, Caller, reader
from atlas_registry.web.alias_panel import alias_panel
from atlas_registry.web.graph import GateLine, lineage_view, trend_svg
from atlas_registry.web.labels import field_label, model_version, training_window, when
from atlas_registry.web.render import ENV, page

router = APIRouter(include_in_schema=False)


# A person's words on every page: a field's label, a version's line@N, a time or "not recorded".
ENV.filters.update(label=field_label, version=model_version, when=when, shell_quote=shlex.quote)


ENV.globals.update(training_window=training_window)


# The filters of the list of every version, the library's: those whose value is
# a word are fields of the form by their own names (the state picked from the
# states, the rest typed); is_external is asked as "external" (yes or no), and
# latest_only ticked ("1").
FILTERS = tuple(f.name for f in MODEL_FILTER_FIELDS if f.takes_text)
TYPED_FILTERS = tuple(name for name in FILTERS if name != "promotion_state")


# A large legacy catalog holds an item per held model: the page shows them 50 at a time.
REVIEWS_PER_PAGE = 50


def static_files() -> StaticFiles:
    """The vendored stylesheet: package data, never a path a user stored."""
    return StaticFiles(packages=[("atlas_registry.web", "static")])


def guarded(
    request: Request, access: Access, build: Callable[[Registry], HTMLResponse]
) -> HTMLResponse:
    """A page, or the error page that says what went wrong and what to do.

    A caller the server refuses gets the API's 401 problem (with its
    ``WWW-Authenticate``), not a page: the check is outside the page's own.
    A page reads all it shows in one snapshot, so that the facts it puts side
    by side (a model and its pin's state, a list and its badges) were true at
    one moment, whatever was written meanwhile.
    """

    def rendered(found: Registry, _caller: Caller) -> HTMLResponse:
        try:
            with found.snapshot():
                return build(found)
        except RegistryError as error:
            return page(request, "error.html", error.http_status, error=error, title="Error")

    return access.checked(rendered)


def _primary_metric(model: ModelRecord, found: Registry) -> tuple[str, Any] | None:
    metrics = model.eval_metrics or {}
    threshold = found.policy.benchmarks.get(model.benchmark_id or "")
    if threshold is not None and threshold.metric in metrics:
        return threshold.metric, metrics[threshold.metric]
    return next(iter(metrics.items()), None)


LINES_PER_PAGE = 50


# The query string of the list of every version: a link made for it before lines
# had a page of their own still lands on it.
VERSION_QUERY = frozenset({*FILTERS, "external", "latest_only", "tag"})


@router.get("/", response_class=HTMLResponse)
def models_page(request: Request, access: Access = Depends(reader)) -> Response:
    """One row per model line (like a registered-models list), versions one click away;
    a search box; the models outside any named line below, each paged on its own."""
    if VERSION_QUERY & set(request.query_params):
        return RedirectResponse("/versions?" + request.url.query, status_code=307)

    def build(found: Registry) -> HTMLResponse:
        query = {name: value.strip() for name, value in request.query_params.items()}
        search = query.get("search") or None
        lines = found.lines_overview(
            page_size=LINES_PER_PAGE, page_token=query.get("page_token") or None, search=search
        )
        outside = found.unnamed_page(
            page_size=LINES_PER_PAGE, page_token=query.get("outside_token") or None, search=search
        )
        shown = [m.id for row in lines.items for m in (row.latest, row.promoted) if m]
        shown += [m.id for m in outside.items]
        held = {item.artifact_id for item in found.list_reviews("open", artifact_ids=shown)}
        models = [m for row in lines.items for m in (row.promoted or row.latest,) if m]
        pins = found.pin_statuses([*models, *outside.items])
        kept = {k: v for k, v in query.items() if v}
        return page(
            request,
            "models.html",
            title="Models",
            rows=[_line_row(found, row, held, pins) for row in lines.items],
            outside=[_version_row(found, m, held, pins) for m in outside.items],
            search=search or "",
            next_url=_next(kept, "page_token", lines.next_page_token),
            outside_next_url=_next(kept, "outside_token", outside.next_page_token),
            json_url="/api/v1/lines" + (f"?{urlencode({'search': search})}" if search else ""),
        )

    return guarded(request, access, build)


def _next(kept: dict[str, str], token_name: str, token: str | None) -> str | None:
    """The link to the next page of one listing, every other state of the page kept."""
    return "/?" + urlencode({**kept, token_name: token}) if token else None


def _version_row(
    found: Registry, model: ModelRecord, held: set[str], pins: dict[str, PinStatus]
) -> dict[str, Any]:
    return {
        "model": model,
        "pin": pins[model.id],
        "metric": _primary_metric(model, found),
        "held": model.id in held,
    }


def _line_row(
    found: Registry, line: LineOverview, held: set[str], pins: dict[str, PinStatus]
) -> dict[str, Any]:
    """A line as its row shows it: the promoted version's metric and pin, else the newest's."""
    shown = line.promoted or line.latest
    return {
        "line": line.summary,
        "latest": line.latest,
        "promoted": line.promoted,
        "metric": _primary_metric(shown, found) if shown else None,
        "pin": pins[shown.id] if shown else None,
        "held": any(m.id in held for m in (line.latest, line.promoted) if m),
    }


@router.get("/versions", response_class=HTMLResponse)
def versions_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        # A filter typed with a space around it ("agent-7 ") means the word, as a
        # person reads it; the API's own filters stay exact.
        query = {name: value.strip() for name, value in request.query_params.items()}
        filters = {name: query.get(name) or None for name in FILTERS}
        external = {"yes": True, "no": False}.get(query.get("external", ""))
        latest = query.get("latest_only") == "1"
        # Tags repeat (every one must match); an empty field of the form is none.
        tags = [t.strip() for t in request.query_params.getlist("tag") if t.strip()]
        result = found.list_page(
            page_size=50,
            page_token=query.get("page_token") or None,
            is_external=external,
            latest_only=latest,
            tag=tags or None,
            **filters,
        )
        shown = [m.id for m in result.items]
        held = {item.artifact_id for item in found.list_reviews("open", artifact_ids=shown)}
        pins = found.pin_statuses(result.items)
        rows = [
            {
                "model": m,
                "pin": pins[m.id],
                "metric": _primary_metric(m, found),
                "held": m.id in held,
            }
            for m in result.items
        ]
        kept = {k: v for k, v in query.items() if v and k not in {"page_token", "tag"}}
        tagged = [("tag", t) for t in tags]
        next_url = None
        if result.next_page_token:
            token = ("page_token", result.next_page_token)
            next_url = "/versions?" + urlencode([*kept.items(), *tagged, token])
        # Only what the API takes: it refuses a parameter it does not know (a link's utm_...).
        api = {k: v for k, v in kept.items() if k in FILTERS or k == "latest_only"}
        if external is not None:
            api["is_external"] = str(external).lower()
        return page(
            request,
            "versions.html",
            title="Versions",
            rows=rows,
            query=query,
            states=PROMOTION_STATES,
            typed_filters=TYPED_FILTERS,
            tags=tags,
            next_url=next_url,
            json_url="/api/v1/models?" + urlencode([*api.items(), *tagged]),
        )

    return guarded(request, access, build)


def _trend(found: Registry, model: ModelRecord) -> tuple[list[ModelRecord], Any, str | None]:
    """The line's versions, the chart of the shown version's primary metric, and a note.

    The chart draws only the versions of the shown version's evaluation context
    (benchmark and evaluation data): a version measured on other data is no step
    up or down. The note says how many were left out and why.
    """
    if model.line_name:
        versions = found.list_models(line=model.line_name, limit=MAX_PAGE)
    else:
        # The newest 50, as a named line's list (newest first) would give.
        versions = [found.get_model(e.id) for e in found.lineage(model.id).versions[-50:]]
    versions.sort(key=lambda m: m.version_number)
    metric = _primary_metric(model, found)
    if metric is None:
        return versions, None, None
    comparable, elsewhere = split_by_context(model, versions)
    points = [
        (m.version_number, float(m.eval_metrics[metric[0]]))
        for m in comparable
        if m.eval_metrics and isinstance(m.eval_metrics.get(metric[0]), int | float)
    ]
    gate = _gate_line(found, model, metric[0])
    chart = trend_svg(points, metric[0], gate, found.metric_direction(metric[0]))
    return versions, chart, _left_out_note(model, elsewhere)


def _left_out_note(model: ModelRecord, elsewhere: list[ModelRecord]) -> str | None:
    """Which versions the trend leaves out, because their metrics were measured elsewhere."""
    if not elsewhere:
        return None
    named = ", ".join(f"v{m.version_number}" for m in elsewhere[:10])
    more = f" and {len(elsewhere) - 10} more" if len(elsewhere) > 10 else ""
    count = f"{len(elsewhere)} version{'s' if len(elsewhere) > 1 else ''}"
    return (
        f"The trend leaves out {count} ({named}{more}): measured on another benchmark or "
        f"evaluation data than this version's ({evaluation_context(model).label}), "
        "so their values are not comparable."
    )


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
    at: str | None = None,
    access: Access = Depends(reader),
) -> HTMLResponse:
    """One version's page; ``NAME@ALIAS?at=T`` (or ``NAME@promoted``) is the version the
    alias named at T, as ``show --at`` and the API's ``?at=`` read it, saying so."""

    def build(found: Registry) -> HTMLResponse:
        as_of = found.named_at(model_ref, at) if at is not None else None
        model = found.get_model(as_of.artifact_id if as_of else model_ref)
        lineage = found.lineage(model.id)
        versions, trend, left_out = _trend(found, model)
        reviews = found.list_reviews(None, artifact_ids=[model.id])
        return page(
            request,
            "model.html",
            title=model.title,
            model=model,
            pin=found.pin_statuses([model])[model.id],
            pin_changes=found.pin_changes(model.id),
            files=found.files(model.id),
            evaluations=found.evaluations(model.id, limit=50),
            graph=lineage_view(lineage),
            lineage=lineage,
            versions=versions,
            trend=trend,
            trend_note=left_out,
            context=evaluation_context(model),
            history=found.line_history(model.id),
            pin_check=next(iter(found.pin_checks(model.id, limit=1)), None),
            provenance=found.provenance(model.id),
            reviews=reviews,
            base_name=_name_of(found, model.base_model_id),
            tags=found.tags_of(model.id),
            tag_history=found.tag_history(model.id),
            text_edits=found.text_history(model.id),
            aliases=alias_panel(found, model),
            as_of=as_of,
            now_url=f"/models/{quote(model_ref, safe='@')}",
            json_url=f"/api/v1/models/{model.id}"
            if as_of is None
            else f"/api/v1/models/{quote(model_ref, safe='@')}?{urlencode({'at': at})}",
        )

    return guarded(request, access, build)


def _name_of(found: Registry, model_id: str | None) -> VersionName | None:
    """How a person names the version ``model_id`` (None: no such version, or none given)."""
    return found.version_names([model_id]).get(model_id) if model_id else None


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        status = "resolved" if request.query_params.get("status") == "resolved" else "open"
        token = request.query_params.get("page_token") or None
        shown = found.review_page(status, page_size=REVIEWS_PER_PAGE, page_token=token)
        # Each item's source as what it is: a backfill item's legacy text, or the
        # metadata the model was registered with (a pin to repair, a schema upgrade).
        excerpts = {
            i.artifact_id: found.provenance(i.artifact_id) for i in shown.items if i.from_backfill
        }
        registered = _registered(found, [i.artifact_id for i in shown.items if not i.from_backfill])
        names = found.version_names(i.artifact_id for i in shown.items)
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
            registered=registered,
            names=names,
            queue_status=status,
            next_url=next_url,
            json_url=f"/api/v1/review-queue?status={status}",
        )

    return guarded(request, access, build)


def _registered(found: Registry, model_ids: list[str]) -> dict[str, ModelRecord]:
    """The registered models of review items the backfill did not open, by id."""
    models = {}
    for model_id in model_ids:
        try:
            models[model_id] = found.get_model(model_id)
        except NotFoundError:  # not registered (yet): nothing to show as its source
            continue
    return models
