"""validate_metadata: every violation, each with its path and a sentence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from atlas_registry.errors import MetadataValidationError, RegistryError, ValidationError
from atlas_registry.schema.validation import validate_metadata
from tests.payloads import BAD_PAYLOADS, GOOD_BY_FAMILY, bad_payload, logistic_regression


@pytest.mark.parametrize("family", GOOD_BY_FAMILY)
def test_a_good_payload_of_each_family_is_accepted(family: str) -> None:
    validate_metadata(GOOD_BY_FAMILY[family]())


@pytest.mark.parametrize(
    ("mutation", "paths"), [(m, p) for _, m, p in BAD_PAYLOADS], ids=[c for c, _, _ in BAD_PAYLOADS]
)
def test_bad_payload_reports_exactly_its_paths(
    mutation: Callable[[Any], Any], paths: set[str]
) -> None:
    with pytest.raises(MetadataValidationError) as caught:
        validate_metadata(bad_payload(mutation))
    assert set(caught.value.paths) == paths
    for violation in caught.value.violations:
        assert violation.message, violation
        assert "{" not in violation.message, violation


def test_every_violation_is_listed_not_only_the_first() -> None:
    payload = logistic_regression()
    for key in ("framework", "parameter_count", "training_data"):
        payload.pop(key)
    payload["evaluation_metrics"]["auroc"] = float("nan")
    with pytest.raises(MetadataValidationError) as caught:
        validate_metadata(payload)
    assert set(caught.value.paths) == {
        "framework",
        "parameter_count",
        "training_data",
        "evaluation_metrics.auroc",
    }
    text = str(caught.value)
    assert "evaluation_metrics.auroc: must be a finite number, got NaN" in text
    assert "framework: is required" in text


def test_error_is_part_of_the_package_error_tree() -> None:
    assert issubclass(MetadataValidationError, ValidationError)
    assert issubclass(MetadataValidationError, RegistryError)
    assert MetadataValidationError.http_status == 422


@pytest.mark.parametrize("document", [[], "model", 3, None])
def test_metadata_must_be_an_object(document: Any) -> None:
    with pytest.raises(MetadataValidationError) as caught:
        validate_metadata(document)
    assert caught.value.paths == ["$"]


@pytest.mark.parametrize(
    "pin", ["3f1c2a9", "a" * 40, "b" * 64, "v1.2.0", "2.0", "1.0.0-rc1", "10.5281/zenodo.1234567"]
)
def test_immutable_pins_are_accepted(pin: str) -> None:
    payload = GOOD_BY_FAMILY["external_fine_tune"]()
    payload["external_source_version"] = pin
    validate_metadata(payload)


@pytest.mark.parametrize(
    "pin", ["main", "master", "develop", "HEAD", "latest", "refs/heads/main", ""]
)
def test_moving_refs_are_refused(pin: str) -> None:
    payload = GOOD_BY_FAMILY["external_fine_tune"]()
    payload["external_source_version"] = pin
    with pytest.raises(MetadataValidationError) as caught:
        validate_metadata(payload)
    assert caught.value.paths == ["external_source_version"]
