"""The page of what happened (``/history``): the event log, newest first, 50 at a time.

It reads the one log of every change (registrations, promotions, evaluations,
alias moves, tags, files, reviews, pins, tokens), filtered to one line
(``?line=`` a line's name or any of its versions), one type, one actor or the
gate's overrides, and pages back with ``before_id``. Each event is a sentence
(:mod:`.event_text`); every stored value in it is escaped where it is printed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from atlas_registry import EVENT_TYPES, Registry
from atlas_registry.api.deps import Access, reader
from atlas_registry.web.event_text import event_row
from atlas_registry.web.pages import guarded, router
from atlas_registry.web.render import page

EVENTS_PER_PAGE = 50


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        query = request.query_params
        line = (query.get("line") or "").strip()
        kind = (query.get("type") or "").strip()
        actor = query.get("actor") or None
        overrides_only = query.get("overrides") == "1"
        before = query.get("before_id")
        before_id = int(before) if before and before.isdigit() and len(before) < 19 else None
        root, line_name = None, None
        if line:  # any name of a version stands for its line: the error page says what is wrong
            model = found.get_model(line)
            root, line_name = model.lineage_id, model.line_name
        events = found.events_before(
            before_id,
            types=[kind] if kind else [],
            line=root,
            actor=actor,
            overrides_only=overrides_only,
            limit=EVENTS_PER_PAGE,
        )
        names = found.version_names(e.model_id for e in events if e.model_id)
        kept = {k: v for k, v in query.items() if v and k != "before_id"}
        older = None
        if len(events) == EVENTS_PER_PAGE:
            older = "/history?" + urlencode({**kept, "before_id": events[-1].id})
        context: dict[str, Any] = {
            "title": f"History of {line_name or line}" if line else "History",
            "rows": [(event_row(e), names.get(e.model_id or "")) for e in events],
            "line": line,
            "line_name": line_name,
            "kind": kind,
            "types": EVENT_TYPES,
            "actor": actor or "",
            "overrides_only": overrides_only,
            "older_url": older,
            "newest_url": "/history?" + urlencode(kept) if before_id is not None else None,
        }
        json_url = _json_twin(root, kind, actor, overrides_only)
        if json_url is not None:
            context["json_url"] = json_url
        return page(request, "history.html", **context)

    return guarded(request, access, build)


def _json_twin(root: str | None, kind: str, actor: str | None, overrides: bool) -> str | None:
    """The same events as JSON: the log after a cursor, or the promotion feed for overrides.

    The log's API filters by line and type; the promotion feed by actor and
    override. A page filtered by actor over every type has no twin.
    """
    if overrides:
        return "/api/v1/events?" + urlencode(
            {**({"actor": actor} if actor else {}), "overrides_only": "true"}
        )
    if actor:
        return None
    params = {"after": "0", **({"line": root} if root else {}), **({"types": kind} if kind else {})}
    return "/api/v1/events?" + urlencode(params)
