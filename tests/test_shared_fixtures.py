"""The set-ups a module shares (tests/conftest.py) hold what the module wrote, on each backend."""

from __future__ import annotations

import pytest

from atlas_registry import ModelRegistration, Registry
from tests.payloads import logistic_regression
from tests.server_helpers import call


@pytest.fixture(scope="module")
def seeded(shared_migrated_url: str) -> str:
    """One model written once for the module, before its server starts: its id."""
    with Registry.open(shared_migrated_url) as registry:
        model = registry.register_model(
            ModelRegistration(title="shared", line="shared", metadata=logistic_regression())
        )
    return model.id


def test_the_shared_database_holds_what_the_module_wrote(
    shared_migrated_url: str, seeded: str
) -> None:
    with Registry.open(shared_migrated_url) as shared:
        assert [m.id for m in shared.list_models()] == [seeded]


@pytest.mark.slow  # a server process, once per backend
def test_the_shared_server_serves_what_the_module_wrote(
    seeded: str, shared_served_url: str
) -> None:
    status, body = call(shared_served_url, "GET", f"/api/v1/models/{seeded}")
    assert status == 200, body
    assert body["id"] == seeded
    status, body = call(shared_served_url, "GET", "/api/v1/models/shared@latest")
    assert (status, body["id"]) == (200, seeded)
