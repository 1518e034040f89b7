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
    webhook_id: int, request: Request, access: Access = Depends(reader)
) -> HTMLResponse:
    def build(found: Registry) -> HTMLResponse:
        hook = found.webhook(webhook_id)
        deliveries = found.webhook_deliveries(webhook_id, limit=DELIVERIES_SHOWN)
        return page(
            request,
            "webhook.html",
            title=f"Webhook {hook.id}",
            hook=hook,
            deliveries=deliveries,
        )

    return guarded(request, access, build)
