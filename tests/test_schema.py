"""The model metadata schema checks itself: meta-schema, examples, descriptions."""

from __future__ import annotations

from typing import Any

import jsonschema
import jsonschema_rs
import pytest

from atlas_registry.schema.validation import load_schema, schema_version, validate_metadata


def test_schema_is_valid_draft_07() -> None:
    schema = load_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    assert jsonschema_rs.meta.is_valid(schema)


def test_schema_carries_a_version_in_its_id() -> None:
    assert load_schema()["$id"].endswith(":" + schema_version())
    assert schema_version().count(".") == 2


@pytest.mark.parametrize("index", range(len(load_schema()["examples"])))
def test_every_example_validates(index: int) -> None:
    validate_metadata(load_schema()["examples"][index])


def test_examples_cover_every_family_the_platform_uses() -> None:
    families = {e["model_family"] for e in load_schema()["examples"]}
    assert {
        "transformer_classifier",
        "logistic_regression",
        "rule_based_ranker",
        "biophysical_ode",
    } <= families
    assert any(e.get("is_external") and e.get("base_model_id") for e in load_schema()["examples"])


def _properties(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            found.append((f"{path}.{name}", sub))
        for key, value in node.items():
            if key not in {"examples", "const", "enum"}:
                found += _properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _properties(value, f"{path}[{index}]")
    return found


def test_every_property_has_a_description() -> None:
    missing = [
        path
        for path, spec in _properties(load_schema())
        if "description" not in spec and "/oneOf" not in path
    ]
    assert not missing, f"properties without a description: {missing}"


def test_required_fields_and_one_of_variants_match_the_spec() -> None:
    schema = load_schema()
    assert set(schema["required"]) == {
        "model_family",
        "framework",
        "parameter_count",
        "training_data",
        "evaluation_dataset",
        "evaluation_metrics",
    }
    external, internal = schema["oneOf"]
    assert set(external["required"]) == {
        "is_external",
        "external_source_url",
        "external_source_version",
    }
    assert internal["required"] == ["training_config"]
