"""`schema upgrade`: models a released version accepts are re-stamped; the rest are held."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import text

from atlas_registry import InputError, ModelRegistration, Registry
from atlas_registry.catalog import schema_upgrade
from atlas_registry.schema.validation import MetadataValidator, load_schema
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression


def _capped(limit: int, version: str = "2.0.0") -> MetadataValidator:
    """A later version that refuses models with more than ``limit`` parameters."""
    schema = copy.deepcopy(load_schema())
    schema["$id"] = schema["$id"].rsplit(":", 1)[0] + f":{version}"
    schema["properties"]["parameter_count"]["maximum"] = limit
    return MetadataValidator(schema)


def _stored(registry: Registry) -> tuple[str, str]:
    small = registry.register_model(
        ModelRegistration(title="small", metadata=logistic_regression())
    )
    large_metadata = {**logistic_regression(), "parameter_count": 5000}
    large = registry.register_model(ModelRegistration(title="large", metadata=large_metadata))
    return small.id, large.id


def test_accepted_models_are_restamped_and_refused_ones_held(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, large = _stored(registry)
    monkeypatch.setattr(schema_upgrade, "PAGE", 1)  # one transaction per model
    pages: list[int] = []
    result = schema_upgrade.upgrade_stored(registry.database, _capped(1000), pages.append)
    assert (result.checked, result.restamped, result.held, result.current) == (2, 1, 1, 0)
    assert pages == [1, 1]
    assert registry.get_model(small).metadata_schema_version == "2.0.0"
    assert registry.get_model(large).metadata_schema_version == "1.0.0"  # keeps its stamp
    item = registry.get_review(large)
    assert (item.status, item.blocking) == ("open", False)
    assert item.proposed["schema_upgrade"] == {"to": "2.0.0", "from": "1.0.0"}
    [reason] = item.reasons
    assert reason["field"] == "metadata.parameter_count"
    assert reason["reason"].startswith("refused by schema 2.0.0")

    again = schema_upgrade.upgrade_stored(registry.database, _capped(1000))
    assert (again.restamped, again.current, again.held) == (0, 1, 1)
    assert [i.artifact_id for i in registry.list_reviews()] == [large]


def test_an_accepted_exception_is_not_reopened_by_the_next_run(registry: Registry) -> None:
    _, large = _stored(registry)
    schema_upgrade.upgrade_stored(registry.database, _capped(1000))
    registry.resolve_review(large, [], actor="curator", notes="a known large model")
    schema_upgrade.upgrade_stored(registry.database, _capped(1000))
    assert registry.get_review(large).status == "resolved"
    schema_upgrade.upgrade_stored(registry.database, _capped(1000, "3.0.0"))
    reopened = registry.get_review(large)
    assert reopened.status == "open"  # a new version is a new question
    assert reopened.proposed["earlier_review"]["resolution_notes"] == "a known large model"


def test_models_stamped_with_a_newer_version_are_left_alone(registry: Registry) -> None:
    small, _ = _stored(registry)
    with registry.database.transaction(write=True) as conn:
        conn.execute(
            text(
                "UPDATE model_versions SET metadata_schema_version = '3.1.0' WHERE artifact_id = :i"
            ),
            {"i": small},
        )
    result = schema_upgrade.upgrade_stored(registry.database, _capped(10_000))
    assert (result.newer, result.restamped) == (1, 1)
    assert registry.get_model(small).metadata_schema_version == "3.1.0"


def test_only_released_versions_are_upgrade_targets(registry: Registry, db_url: str) -> None:
    _stored(registry)
    with pytest.raises(InputError, match=r"'9\.9\.9' is not a released schema version"):
        registry.upgrade_schema("9.9.9")
    code, out, _ = invoke("schema", "upgrade", "--to", "1.0.0", "--json", "--db", db_url)
    assert code == 0
    report = json.loads(out)
    assert (report["checked"], report["already_current"], report["restamped"]) == (2, 2, 0)
    code, _, err = invoke("schema", "upgrade", "--to", "2.0.0", "--db", db_url)
    assert code == 2
    assert "released: 1.0.0" in err
