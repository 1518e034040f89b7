"""The pages of what happened: the recent promotion events (``/history``), filtered by
actor or to overrides, and one line's whole history (``/history?line=NAME``)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from atlas_registry import Registry
from atlas_registry.api.deps import Access, reader
from atlas_registry.web.pages import guarded, router
from atlas_registry.web.render import page


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        line = (request.query_params.get("line") or "").strip()
        if line:
            return _line_history_page(request, found, line)
        actor = request.query_params.get("actor") or None
        before = request.query_params.get("before_id")
        before_id = int(before) if before and before.isdigit() and len(before) < 19 else None
        overrides_only = request.query_params.get("overrides") == "1"
        events = found.recent_events(
            50, before_id=before_id, actor=actor, overrides_only=overrides_only
        )
        names = found.version_names(e.artifact_id for e in events)
        kept = {k: v for k, v in request.query_params.items() if v and k != "before_id"}
        older = None
        if events and len(events) == 50:
            older = "/history?" + urlencode({**kept, "before_id": events[-1].id})
        return page(
            request,
            "history.html",
            title="History",
            events=[(e, names.get(e.artifact_id)) for e in events],
            line="",
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

    return guarded(request, access, build)


def _line_history_page(request: Request, found: Registry, line: str) -> HTMLResponse:
    """One line's whole history, oldest first: a rollback shows as the moves of both versions.

    ``line`` is the line's name or any of its versions (``NAME@N``, an id), as
    everywhere else a model is named.
    """
    events = found.line_history(line)
    named = events[0].version.line_name if events else found.get_model(line).line_name
    return page(
        request,
        "history.html",
        title=f"History of {named or line}",
        events=[(e.event, e.version) for e in events],
        line=line,
        line_name=named,
        actor="",
        overrides_only=False,
        older_url=None,
        json_url=(
            f"/api/v1/lines/{quote(named, safe='')}/history"
            if named
            else f"/api/v1/models/{quote(found.resolve(line), safe='')}/history"
        ),
    )
