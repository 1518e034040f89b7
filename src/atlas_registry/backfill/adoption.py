"""Turning a mapped legacy artifact into a catalog adoption, with the same validators."""

from __future__ import annotations

import dataclasses
from typing import Any

from atlas_registry.backfill.rules_training_run import RUN_FIELDS
from atlas_registry.catalog.adoption import LegacyAdoption
from atlas_registry.catalog.prepare import prepare
from atlas_registry.errors import Violation
from atlas_registry.records import ModelRegistration
from atlas_registry.schema.validation import MetadataValidator, default_validator

# The version's own facts a legacy artifact may carry beside its metadata.
PIN_FIELDS = ("code_repo_url", "code_commit_sha", "code_entrypoint")
FACT_FIELDS = PIN_FIELDS + RUN_FIELDS


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
    (the backfill's reading of legacy text), a fact the checks refuse (an
    entrypoint of a whole command line, past its length; a training that ends
    before it starts) is left out rather than holding the model: the adoption
    comes back with the facts' problems, which the caller records as held, not
    blocking.
    """
    validator = validator or default_validator()
    facts = {k: v for k, v in (proposed.get("facts") or {}).items() if k in FACT_FIELDS}
    registration = ModelRegistration(
        title=title, metadata=proposed.get("metadata") or {}, artifact_id=artifact_id, **facts
    )
    prepared, problems = prepare(registration, validator)
    refused = {v.path for v in problems}
    if prepared is None and optional_facts and facts and refused <= set(FACT_FIELDS):
        # The refused facts go first; if the rest of the pin cannot stand alone
        # (a commit without its repository), the whole pin does.
        for drop in (refused, refused | set(PIN_FIELDS)):
            left_out: dict[str, Any] = dict.fromkeys(drop)
            kept = dataclasses.replace(registration, **left_out)
            prepared, _ = prepare(kept, validator)
            if prepared is not None:
                break
    problems = [_from_the_row(v) for v in problems]
    if prepared is None:
        return None, problems
    trace = proposed.get("trace") or {}
    return LegacyAdoption(prepared, original_metadata, trace), problems


# Fields a legacy artifact brings in its catalog row, not in its metadata: no
# `review resolve --set` can change them, since other platform code refers to them.
_ROW_FIELDS = {"artifact_id": "id", "title": "title"}


def _from_the_row(violation: Violation) -> Violation:
    """A problem with the catalog row's own id or title, saying where it is fixed."""
    column = _ROW_FIELDS.get(violation.path)
    if column is None:
        return violation
    return Violation(
        violation.path,
        f"{violation.message}: it is the catalog row's {column}; correct it in the catalog "
        "(with whatever refers to it), then run the backfill again",
    )
