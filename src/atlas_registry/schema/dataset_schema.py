"""The dataset metadata schema, run by the same validator as the model schema.

A dataset registered through the registry keeps its facts (uri, revision or
digest, licence) in ``artifacts.metadata``, checked by
``schemas/dataset_artifact_metadata/VERSION.json`` with the machinery of
:class:`~atlas_registry.schema.validation.MetadataValidator`: every violation
with its path and the schema's own hint. Legacy dataset rows, written before
the registry, need not follow it; they are read as they are.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from atlas_registry.schema.validation import MetadataValidator, version_key

DATASET_SCHEMA_FOLDER = "dataset_artifact_metadata"


def _folder() -> Any:
    return resources.files("atlas_registry") / "schemas" / DATASET_SCHEMA_FOLDER


@cache
def load_dataset_schema() -> dict[str, Any]:
    """The newest packaged dataset metadata schema (Draft-07)."""
    versions = [e.name.removesuffix(".json") for e in _folder().iterdir() if e.name[0].isdigit()]
    newest = max(versions, key=version_key)
    schema: dict[str, Any] = json.loads((_folder() / f"{newest}.json").read_text("utf-8"))
    return schema


@cache
def dataset_validator() -> MetadataValidator:
    """The dataset schema compiled once (jsonschema-rs), with plain-words violations."""
    return MetadataValidator(load_dataset_schema())
