"""What a page calls a field, a version and a time: a person's words, not column names.

One mapping, shared by every page that names a field (the model page, compare),
so the same fact is called the same everywhere. The API and the CLI's
``--json`` keep the field names: they are for programs.
"""

from __future__ import annotations

from typing import Any

from atlas_registry import version_label

FIELD_LABELS = {
    "id": "Id",
    "short_id": "Short id",
    "title": "Title",
    "description": "Description",
    "line_name": "Line",
    "version_number": "Version",
    "promotion_state": "State",
    "model_family": "Model family",
    "framework": "Framework",
    "benchmark_id": "Benchmark",
    "trained_by": "Trained by",
    "training_started_at": "Training started",
    "training_completed_at": "Training completed",
    "registered_at": "Registered",
    "code_repo_url": "Code repository",
    "code_commit_sha": "Code commit",
    "code_entrypoint": "Entrypoint",
    "external_source_url": "Source",
    "external_source_version": "Source version",
    "is_external": "External model",
    "base_model_id": "Fine-tuned from",
    "parent_version_id": "Previous version",
    "eval_dataset_artifact_id": "Evaluation dataset",
    "training_params": "Training parameters",
    "eval_metrics": "Metrics",
    "metadata": "Metadata",
    "created_by": "Created by",
    "claimed_by": "Claimed author",
    "created_at": "Created",
    "updated_at": "Updated",
    "version_tag": "Version tag",
    "changelog": "Changelog",
    "is_latest": "Latest version",
    "lifecycle_state": "Catalog state",
    "superseded_by": "Superseded by",
    "origin_type": "Origin",
    "origin_url": "Origin URL",
    "lineage_id": "First version",
    "gpu_allocation_id": "GPU allocation",
    "promotion_notes": "Promotion notes",
    "metadata_schema_version": "Metadata schema version",
}


def field_label(name: str) -> str:
    """A field's name as a person reads it; a field the mapping lacks is still words."""
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


def model_version(model: Any) -> str:
    """A model record named as a person names a version: ``line@N``, else its short id."""
    return version_label(model.line_name, model.version_number, model.id)


def when(value: Any, unknown: str = "not recorded") -> str:
    """A stored time, or words saying it is not known: never a bare ``?``."""
    return str(value) if value else unknown


def training_window(started: Any, completed: Any) -> str:
    """The training window in words, whichever ends of it were recorded."""
    if started and completed:
        return f"{started} → {completed}"
    if completed:
        return f"completed {completed} (start not recorded)"
    if started:
        return f"started {started} (end not recorded)"
    return "not recorded"
