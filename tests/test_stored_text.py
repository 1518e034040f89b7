"""The bytes a registration stores: the same whichever write path and encoder made them.

Other code reads the stored JSON text (exports, backups, the MLflow bridge,
checksums people keep), so a faster encoder on the write path must not change
one byte of it: the metadata as the standard library writes it (compact, ASCII
with ``\\uXXXX`` escapes, floats as ``repr``), the training configuration,
metrics and evaluation data as orjson writes them (UTF-8).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from atlas_registry.catalog import registrar
from atlas_registry.records import ModelRegistration
from atlas_registry.store.db import Database
from tests.payloads import logistic_regression


def _awkward(index: int) -> dict[str, Any]:
    """Metadata whose text two encoders would write differently, were either used."""
    metadata = logistic_regression()
    metadata["training_data"][0]["description"] = f"Zürich cohort № {index}, ∂ε \x7f tab\there"
    metadata["evaluation_metrics"] = {"auroc": 0.83, "tiny": 1e-05, "huge": 1e16, "neg": -0.0}
    metadata["training_config"] = {
        "procedure": "L2 — logistic",
        "hyperparameters": {"C": 2.5e-07, "steps": 10**15, "flags": [True, None, 1.0]},
    }
    metadata["evaluation_dataset"]["description"] = "held-out 20 % (Genève)"
    return metadata


def _standard(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def _stored(db: Database, model_id: str) -> dict[str, str]:
    with db.transaction() as conn:
        row = conn.execute(
            text(
                "SELECT a.metadata, v.training_params_json, v.eval_metrics_json, e.dataset_json "
                "FROM artifacts a JOIN model_versions v ON v.artifact_id = a.id "
                "JOIN model_evaluations e ON e.artifact_id = a.id WHERE a.id = :id"
            ),
            {"id": model_id},
        ).one()
    return dict(zip(("metadata", "training", "metrics", "dataset"), row, strict=True))


def _expected(metadata: dict[str, Any]) -> dict[str, str]:
    return {
        "metadata": _standard(metadata),
        "training": orjson.dumps(metadata["training_config"]).decode(),
        "metrics": orjson.dumps(metadata["evaluation_metrics"]).decode(),
        "dataset": orjson.dumps(metadata["evaluation_dataset"]).decode(),
    }


@pytest.mark.parametrize("batch", [False, True], ids=["register_model", "register_models"])
def test_stored_json_text_is_byte_for_byte_what_it_always_was(
    migrated_db: Database, batch: bool
) -> None:
    documents = [_awkward(i) for i in range(3)]
    items = [ModelRegistration(title=f"m{i}", metadata=m) for i, m in enumerate(documents)]
    if batch:
        ids = registrar.register_models(migrated_db, items)
    else:
        ids = [registrar.register_model(migrated_db, item).id for item in items]
    for model_id, metadata in zip(ids, documents, strict=True):
        assert _stored(migrated_db, model_id) == _expected(metadata)


def test_a_generated_id_is_a_version_7_uuid_in_canonical_form(migrated_db: Database) -> None:
    first, second = (
        registrar.register_model(migrated_db, ModelRegistration(title="m", metadata=m)).id
        for m in (logistic_regression(), logistic_regression())
    )
    for model_id in (first, second):
        value = uuid.UUID(model_id.removeprefix("model-"))
        assert model_id == f"model-{value}"
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
    assert first < second  # made in that order: ids sort by creation
