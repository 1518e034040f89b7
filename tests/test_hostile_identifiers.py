"""Identifiers and URLs mean exactly what they say, on every path that reads one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas_registry import ModelRegistration, Registry, ValidationError
from atlas_registry.backfill.legacy_fixture import load_legacy
from atlas_registry.backfill.runner import backfill
from atlas_registry.review.queue import list_reviews
from atlas_registry.review.resolution import resolve
from atlas_registry.store.db import Database
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression
from tests.test_backfill import add_legacy

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
PADDED = ["{}\n", "{} ", " {}", "{}\t", "{}\r\n"]


def _registration(**fields: str) -> dict[str, object]:
    return {"title": "t", **PIN, **fields, "metadata": logistic_regression()}


@pytest.mark.parametrize("padding", PADDED)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("artifact_id", "model-1"),
        ("code_commit_sha", "3f1c2a9"),
        ("code_repo_url", "https://github.com/lab/ad-risk"),
    ],
)
def test_a_padded_identifier_is_refused_by_the_cli(
    registry: Registry, db_url: str, tmp_path: Path, field: str, value: str, padding: str
) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_registration(**{field: padding.format(value)})))
    code, _, err = invoke("register", str(path), "--db", db_url)
    assert code == ValidationError.exit_code
    assert f"{field}: " in err
    assert registry.list_models() == []


@pytest.mark.parametrize("padding", PADDED)
def test_a_padded_parent_version_is_refused_by_the_library(
    registry: Registry, padding: str
) -> None:
    parent = registry.register_model(ModelRegistration(title="p", metadata=logistic_regression()))
    with pytest.raises(ValidationError) as caught:
        registry.register_model(
            ModelRegistration(
                title="c",
                metadata=logistic_regression(),
                parent_version_id=padding.format(parent.id),
            )
        )
    assert caught.value.paths == ["parent_version_id"]


def test_a_padded_base_model_is_refused_in_metadata(registry: Registry) -> None:
    base = registry.register_model(ModelRegistration(title="b", metadata=logistic_regression()))
    metadata = {**logistic_regression(), "base_model_id": base.id + "\n"}
    with pytest.raises(ValidationError) as caught:
        registry.register_model(ModelRegistration(title="f", metadata=metadata))
    assert caught.value.paths == ["metadata.base_model_id"]


def test_titles_are_kept_exactly_as_written(registry: Registry) -> None:
    record = registry.register_model(
        ModelRegistration(title="  AD risk  (v2)\t", metadata=logistic_regression())
    )
    assert registry.get_model(record.id).title == "  AD risk  (v2)\t"
    with pytest.raises(ValidationError, match="must not be empty"):
        registry.register_model(ModelRegistration(title=" \n ", metadata=logistic_regression()))


def test_review_resolve_refuses_a_padded_identifier(db: Database) -> None:
    from atlas_registry.store import migration_runner

    migration_runner.migrate(db, to=1)
    load_legacy(db)
    migration_runner.migrate(db)
    add_legacy(db, "legacy-x", {k: v for k, v in logistic_regression().items() if k != "framework"})
    backfill(db)
    assert "legacy-x" in {item.artifact_id for item in list_reviews(db)}
    for assignment in ("base_model_id=model-8479a365-5b1e-4c2d-9f3a-1e2d3c4b5a69\n",):
        with pytest.raises(ValidationError, match="base_model_id"):
            resolve(db, "legacy-x", ["framework=scikit-learn", assignment], actor="curator")
    for assignment in ("code_commit_sha=3f1c2a9\n", "code_repo_url=https://g.org/r "):
        with pytest.raises(ValidationError):
            resolve(db, "legacy-x", ["framework=scikit-learn", assignment], actor="curator")
