"""The interactive API reference at /docs: local files only, no inline script, tokens declared."""

from __future__ import annotations

import re

from atlas_registry.api.guards import CSP
from tests.test_api import Service, svc  # noqa: F401  (the fixture)


def test_the_reference_loads_only_files_this_server_serves(svc: Service) -> None:  # noqa: F811
    page = svc.client.get("/docs")
    assert page.status_code == 200
    assert page.headers.get_list("content-security-policy") == [f"{CSP}; img-src 'self' data:"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.DOTALL)
    assert scripts
    assert all(body.strip() == "" for _, body in scripts), "an inline script"
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert all(url.startswith("/") and not url.startswith("//") for url in sources), sources
    for url in sources:
        served = svc.client.get(url)
        assert served.status_code == 200, url
        assert served.headers["content-security-policy"] == CSP, url


def test_every_other_answer_keeps_the_sites_policy(svc: Service) -> None:  # noqa: F811
    for path in ("/", "/api/v1/models", "/openapi.json", "/problems/not_found"):
        assert svc.client.get(path).headers.get_list("content-security-policy") == [CSP], path


def test_the_document_declares_the_bearer_token_authorize_sends(svc: Service) -> None:  # noqa: F811
    document = svc.client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "atlas-registry token",
    }
    assert {"bearer": []} in document["security"]
    assert {} in document["security"]  # reads may be anonymous
