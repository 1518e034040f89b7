"""The webhook pages: ``/webhooks`` (every subscription and its state) and ``/webhooks/{id}``
(its newest deliveries, each with every attempt).

Who may read the pages may read these (anonymous readers, unless the server
runs with ``--no-anonymous-read``), so they show less than the admin API: a
subscription's URL as its origin only (``https://host:port``: a path or query
may carry a capability, as many webhook URLs do), never its secret. What a
receiver answered is shown as its excerpt of at most 200 characters, escaped
like every stored text.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from atlas_registry import Registry
from atlas_registry.api.deps import Access, reader
from atlas_registry.errors import NotFoundError
from atlas_registry.web.pages import guarded, router
from atlas_registry.web.render import page

DELIVERIES_SHOWN = 100


@router.get("/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, access: Access = Depends(reader)) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        return page(request, "webhooks.html", title="Webhooks", webhooks=found.webhooks())

    return guarded(request, access, build)


@router.get("/webhooks/{webhook_id}", response_class=HTMLResponse)
def webhook_page(
    webhook_id: str, request: Request, access: Access = Depends(reader)
) -> HTMLResponse:
    """A subscription's page; an id that is not a number gets the 404 page, not the API's
    JSON problem that the path parameter's validation would send."""

    def build(found: Registry) -> HTMLResponse:
        number = _webhook_number(webhook_id)
        hook = found.webhook(number)
        deliveries = found.webhook_deliveries(number, limit=DELIVERIES_SHOWN)
        return page(
            request,
            "webhook.html",
            title=f"Webhook {hook.id}",
            hook=hook,
            deliveries=deliveries,
        )

    return guarded(request, access, build)


def _webhook_number(webhook_id: str) -> int:
    if webhook_id.isascii() and webhook_id.isdigit() and len(webhook_id) <= 18:
        return int(webhook_id)
    raise NotFoundError(f"no webhook has id {webhook_id[:40]!r}: a webhook's id is a number")
