"""A fine-tune names its base model in any form a model reference takes.

The reference is resolved to an id inside the write transaction and stored as
that id (model_versions.base_model_id and the metadata alike); one that names
no model, or several, is refused with the resolver's own explanation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from atlas_registry import ModelRegistration, Registry, ValidationError
from atlas_registry.api import create_app
from tests.catalog_helpers import table_contents
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def _registration(base: str | None = None, **fields: Any) -> ModelRegistration:
    metadata = logistic_regression()
    if base is not None:
        metadata["base_model_id"] = base
    return ModelRegistration(title="AD risk", metadata=metadata, **{**PIN, **fields})


def _stored_base(registry: Registry, model_id: str) -> tuple[str, str]:
    """The base model as model_versions and the stored metadata hold it."""
    with registry.database.transaction() as conn:
        row = conn.execute(
            text(
                "SELECT mv.base_model_id, a.metadata FROM model_versions mv "
                "JOIN artifacts a ON a.id = mv.artifact_id WHERE a.id = :id"
            ),
            {"id": model_id},
        ).one()
    return row[0], json.loads(row[1])["base_model_id"]


@pytest.mark.parametrize("form", ["line", "line@1", "line@latest", "line@promoted", "short id"])
def test_every_reference_form_is_stored_as_the_id_it_names(registry: Registry, form: str) -> None:
    first = registry.register_model(_registration(line="base-line")).id
    latest = registry.register_model(_registration(line="base-line")).id
    registry.promote(first, actor="me")
    reference, named = {
        "line": ("base-line", latest),
        "line@1": ("base-line@1", first),
        "line@latest": ("base-line@latest", latest),
        "line@promoted": ("base-line@promoted", first),
        "short id": (first[-8:], first),
    }[form]
    tuned = registry.register_model(_registration(reference, line="tuned"))
    assert tuned.base_model_id == named
    assert tuned.metadata["base_model_id"] == named
    assert _stored_base(registry, tuned.id) == (named, named)
    assert [m.id for m in registry.list_models(base_model_id="base-line@1")] == (
        [tuned.id] if named == first else []
    )
    assert [d.id for d in registry.lineage(named).descendants] == [tuned.id]


def test_a_reference_that_names_no_model_says_why_and_writes_nothing(registry: Registry) -> None:
    registry.register_model(_registration(line="base-line"))
    before = table_contents(registry.database)
    with pytest.raises(ValidationError) as refused:
        registry.register_model(_registration("base-lin", line="tuned"))
    [problem] = refused.value.violations
    assert problem.path == "metadata.base_model_id"
    assert "model lines with similar names: base-line" in problem.message
    with pytest.raises(ValidationError) as refused:
        registry.register_model(_registration("base-line@7"))
    assert "model line base-line has no version 7" in refused.value.violations[0].message
    with pytest.raises(ValidationError, match="has no promoted version"):
        registry.register_model(_registration("base-line@promoted"))
    assert table_contents(registry.database) == before


def test_an_ambiguous_short_id_lists_the_candidates(registry: Registry) -> None:
    first = registry.register_model(_registration(artifact_id="model-a-0badcafe")).id
    second = registry.register_model(_registration(artifact_id="model-b-0badcafe")).id
    with pytest.raises(ValidationError) as refused:
        registry.register_model(_registration("0badcafe"))
    message = refused.value.violations[0].message
    assert first in message
    assert second in message


def test_a_batch_resolves_each_item_and_keeps_earlier_items_ids(registry: Registry) -> None:
    base = registry.register_model(_registration(line="base-line")).id
    ids = registry.register_models(
        [
            _registration("base-line", artifact_id="model-tuned-1"),
            _registration("model-tuned-1", artifact_id="model-tuned-2"),
        ]
    )
    assert [registry.get_model(i).base_model_id for i in ids] == [base, "model-tuned-1"]


def test_cli_and_api_accept_a_line_as_the_base_model(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    base = registry.register_model(_registration(line="base-line")).id
    document: dict[str, Any] = {
        "title": "t",
        **PIN,
        "metadata": {**logistic_regression(), "base_model_id": "base-line@1"},
    }
    source = tmp_path / "tuned.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    code, out, _ = invoke("register", str(source), "--db", db_url, "--json")
    assert code == 0
    assert json.loads(out)["base_model_id"] == base
    code, _, err = invoke("validate", str(source))  # the schema takes NAME@N as a reference
    assert code == 0, err
    token = registry.create_token("agent-register", ["register"]).token
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        answer = client.post(
            "/api/v1/models",
            json={**document, "metadata": {**document["metadata"], "base_model_id": "base-line"}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["base_model_id"] == base
        refused = client.post(
            "/api/v1/models",
            json={**document, "metadata": {**document["metadata"], "base_model_id": "base-lin"}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert refused.status_code == 422
        assert "base-line" in refused.json()["violations"][0]["message"]
