"""The app's OpenAPI document, as committed in docs/openapi.json.

Run ``python -m tests.openapi_snapshot`` to regenerate it after changing the API.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from atlas_registry import Registry, SchemaAdmin
from atlas_registry.api import create_app

COMMITTED = Path(__file__).parents[1] / "docs" / "openapi.json"


def current_document() -> dict[str, Any]:
    """The document the app generates (it does not depend on the database's contents)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'openapi.db'}"
        with SchemaAdmin.open(url, create=True) as admin:
            admin.migrate()
        with Registry.open(url) as registry:
            document: dict[str, Any] = create_app(registry).fastapi.openapi()  # type: ignore[attr-defined]
            return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    COMMITTED.write_text(render(current_document()), encoding="utf-8")
    sys.stdout.write(f"wrote {COMMITTED}\n")
