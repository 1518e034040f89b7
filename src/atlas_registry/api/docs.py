"""The interactive API reference at ``/docs``: Swagger UI, served from installed files.

The reader's browser fetches nothing from elsewhere: Swagger UI's script and
stylesheet come from the ``fastapi-offline`` package (which ships a current
Swagger UI build and nothing else we load), and the page starts it from
``/static/api-docs.js`` because the Content-Security-Policy allows no inline
script. The page holds no stored text, only fixed markup.

Its policy is the site's plus one source: ``img-src data:``, for the icons
Swagger UI's stylesheet embeds as ``data:`` SVG images (an image cannot run
script). Scripts, styles and requests stay limited to this server.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from atlas_registry.api.guards import CSP

ASSETS_URL = "/docs-assets"
docs_router = APIRouter(include_in_schema=False)
DOCS_CSP = f"{CSP}; img-src 'self' data:"

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · Atlas Model Registry</title>
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
<link rel="stylesheet" href="/static/api-docs.css">
</head>
<body>
<header class="top"><a class="brand" href="/">Atlas Model Registry</a> · API reference</header>
<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


def docs_assets() -> StaticFiles:
    """Swagger UI's script and stylesheet, from the installed package (never a CDN)."""
    return StaticFiles(packages=[("fastapi_offline", "static")])


@docs_router.get("/docs", response_class=HTMLResponse)
async def api_reference() -> HTMLResponse:
    """The API reference; public like ``/openapi.json`` it reads."""
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": DOCS_CSP})
