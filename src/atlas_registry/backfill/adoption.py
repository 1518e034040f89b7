"""Turning a mapped legacy artifact into a catalog adoption, with the same validators."""

from __future__ import annotations

import dataclasses
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
    *,
    optional_facts: bool = False,
) -> tuple[LegacyAdoption | None, list[Violation]]:
    """Validate a proposed ``{"metadata", "facts", "trace"}`` exactly as a registration.

    Returns the adoption, or None, and the problems. With ``optional_facts``
    (the backfill's reading of legacy text), a code pin the checks refuse (an
    entrypoint of a whole command line, past its length) is left out rather
    than holding the model: the adoption comes back with the pin's problems,
    which the caller records as held, not blocking.
    """
    validator = validator or default_validator()
    facts = {k: v for k, v in (proposed.get("facts") or {}).items() if k in FACT_FIELDS}
    registration = ModelRegistration(
        title=title, metadata=proposed.get("metadata") or {}, artifact_id=artifact_id, **facts
    )
    prepared, problems = prepare(registration, validator)
    refused = {v.path for v in problems}
    if prepared is None and optional_facts and facts and refused <= set(FACT_FIELDS):
        # The refused parts of the pin go first; if the rest cannot stand alone
        # (a commit without its repository), the whole pin does.
        for drop in (refused, set(FACT_FIELDS)):
            kept = dataclasses.replace(
                registration,
                code_repo_url=None if "code_repo_url" in drop else registration.code_repo_url,
                code_commit_sha=None if "code_commit_sha" in drop else registration.code_commit_sha,
                code_entrypoint=None if "code_entrypoint" in drop else registration.code_entrypoint,
            )
            prepared, _ = prepare(kept, validator)
            if prepared is not None:
                break
    if prepared is None:
        return None, problems
    trace = proposed.get("trace") or {}
    return LegacyAdoption(prepared, original_metadata, trace), problems
