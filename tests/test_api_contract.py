"""The API keeps its contract: the committed OpenAPI document, and Schemathesis against it.

Schemathesis generates requests from the app's own OpenAPI document (fixed
seed, bounded examples per operation) and runs all its default checks on each
response: no server error, every status and body declared. The app runs
in-process over a migrated SQLite database holding the legacy models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from atlas_registry import Registry, SchemaAdmin
from atlas_registry.api import create_app
from tests.openapi_snapshot import COMMITTED, current_document, render


def test_the_committed_openapi_document_is_current() -> None:
    assert COMMITTED.read_text("utf-8") == render(current_document()), (
        "docs/openapi.json is stale: run `python -m tests.openapi_snapshot` and commit it"
    )


def _app(folder: Path) -> Any:
    url = f"sqlite:///{folder / 'fuzz.db'}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
        admin.load_legacy()
    registry = Registry.open(url)
    registry.backfill()
    token = registry.create_token("fuzzer", ["admin"]).token
    # Schemathesis's in-process client names its host "testserver".
    return create_app(registry, allowed_hosts=("testserver", "127.0.0.1")), token


_FOLDER = Path(__import__("tempfile").mkdtemp(prefix="atlas-fuzz-"))
APP, TOKEN = _app(_FOLDER)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_declared(case: Any) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
