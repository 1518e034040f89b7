"""The API keeps its contract: the committed OpenAPI document, and Schemathesis against it.

Schemathesis generates requests from the app's own OpenAPI document (fixed
seed, bounded examples per operation) and runs all its default checks on each
response: no server error, every status and body declared. The app runs
in-process over a migrated SQLite database holding the legacy models.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from atlas_registry import Registry, SchemaAdmin
from atlas_registry.api import create_app
from tests.conftest import copy_migrated
from tests.openapi_snapshot import COMMITTED, current_document, render


def test_the_committed_openapi_document_is_current() -> None:
    assert COMMITTED.read_text("utf-8") == render(current_document()), (
        "docs/openapi.json is stale: run `python -m tests.openapi_snapshot` and commit it"
    )


@pytest.fixture(scope="module")
def fuzzed_app(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[tuple[Any, str]]:
    """The app over the legacy models, and an admin token for it; closed after the module."""
    url = copy_migrated(migrated_sqlite, tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    with SchemaAdmin.open(url) as admin:
        admin.load_legacy()
    with Registry.open(url) as registry:
        registry.backfill()
        token = registry.create_token("fuzzer", ["admin"]).token
        # Schemathesis's in-process client names its host "testserver".
        yield create_app(registry, allowed_hosts=("testserver", "127.0.0.1")), token


# Read from the committed document (the first test proves it is the app's own),
# so importing this module builds no app and opens no database.
schema = schemathesis.openapi.from_path(COMMITTED)
# A Server-Sent Events stream never ends by design (tests/test_event_follow.py reads it).
fuzzed = schema.exclude(path="/api/v1/events/stream")


@pytest.mark.slow
@fuzzed.parametrize()
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_declared(case: Any, fuzzed_app: tuple[Any, str]) -> None:
    app, token = fuzzed_app
    if case.query and "wait" in case.query:  # a long poll would hold each example for its wait
        case.query["wait"] = 0
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"})
