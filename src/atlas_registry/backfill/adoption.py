"""Turning a mapped legacy artifact into a catalog adoption, with the same validators."""

from __future__ import annotations

from typing import Any

from atlas_registry.catalog_adoption import LegacyAdoption
from atlas_registry.errors import Violation
from atlas_registry.records import ModelRegistration
from atlas_registry.registration_checks import prepare
from atlas_registry.validation import MetadataValidator, default_validator

FACT_FIELDS = ("code_repo_url", "code_commit_sha", "code_entrypoint")


def build_adoption(
    artifact_id: str,
    title: str,
    original_metadata: str,
    proposed: dict[str, Any],
    validator: MetadataValidator | None = None,
) -> tuple[LegacyAdoption | None, list[Violation]]:
    """Validate a proposed ``{"metadata", "facts", "trace"}`` exactly as a registration."""
    facts = {k: v for k, v in (proposed.get("facts") or {}).items() if k in FACT_FIELDS}
    registration = ModelRegistration(
        title=title, metadata=proposed.get("metadata") or {}, artifact_id=artifact_id, **facts
    )
    prepared, problems = prepare(registration, validator or default_validator())
    if prepared is None:
        return None, problems
    return LegacyAdoption(prepared, original_metadata, proposed.get("trace") or {}), []
