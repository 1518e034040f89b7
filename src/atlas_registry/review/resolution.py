"""Finishing a review item: a person supplies the facts, the catalog validates them.

A blocking item (no registry facts yet) is resolved by completing the proposed
registration with ``field=value`` assignments; it is then adopted through the
same validators as every registration, and the item is closed in the same
transaction. A non-blocking item (the model is registered, one optional fact
was held, or `pins suggest` listed candidate commits) takes the code pin, or
is closed as-is with notes. A code pin set here is appended to the pin's
history (:mod:`atlas_registry.pins.changes`) with the pin it replaced.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from atlas_registry.backfill.adoption import FACT_FIELDS, PIN_FIELDS, build_adoption
from atlas_registry.backfill.runner import promote_in_use
from atlas_registry.catalog.adoption import adopt_legacy_in
from atlas_registry.catalog.line_naming import name_adopted_lines
from atlas_registry.catalog.lines import lock_lines
from atlas_registry.catalog.queries import fetch_model
from atlas_registry.errors import IllegalTransitionError, ValidationError, Violation, under
from atlas_registry.lifecycle.policy import GatePolicy, load_policy
from atlas_registry.pins.changes import NewPin, change_code_pin_in
from atlas_registry.records import ModelRecord
from atlas_registry.review.queue import (
    REVIEW_LOCK,
    ReviewItem,
    get_review,
    json_or_text,
    mark_resolved,
    parse_assignments,
    place,
)
from atlas_registry.schema.recorded_text import optional_notes, required_text
from atlas_registry.schema.validation import MetadataValidator, load_schema
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.sql_session import SqlSession
from atlas_registry.store.tables import artifacts

METADATA_FIELDS = frozenset(load_schema()["properties"])


def _apply(proposed: dict[str, Any], assignments: dict[str, str]) -> dict[str, Any]:
    """The proposal with each assignment placed by its dotted path (metadata fields by name)."""
    completed = {
        "metadata": dict(proposed.get("metadata") or {}),
        "facts": dict(proposed.get("facts") or {}),
        "trace": proposed.get("trace") or {},
    }
    problems: list[Violation] = []
    for key, value in assignments.items():
        parts = key.split(".")
        if parts[0] == "metadata":
            parts = parts[1:]
        if parts[0] in FACT_FIELDS and len(parts) == 1:
            completed["facts"][parts[0]] = value
        elif parts[0] not in METADATA_FIELDS:
            why = f"is not a metadata field or one of {', '.join(FACT_FIELDS)}"
            problems.append(Violation(key, why))
        else:
            try:
                parsed = json_or_text(value, key)
            except ValidationError as refused:  # a limit broken inside the value: say where
                problems += [under(key, v) for v in refused.violations]
                continue
            try:
                place(completed["metadata"], parts, parsed, key)
            except ValidationError as refused:
                problems += refused.violations
    if problems:
        raise ValidationError("cannot use --set", problems)
    completed["trace"] = {**completed["trace"], "resolved_with": sorted(assignments)}
    return completed


def resolve(
    db: Database,
    artifact_id: str,
    assignments: list[str],
    *,
    actor: str,
    notes: str | None = None,
    validator: MetadataValidator | None = None,
    policy: GatePolicy | None = None,
) -> ReviewItem:
    """Resolve one open review item; nothing changes unless everything validates.

    A blocked model that was in use before the registry is promoted once it is
    registered, as the backfill promotes the in-use models it adopts (through
    ``policy``'s gate, or by an override whose notes say why).
    """
    actor = required_text("actor", actor, "say who is resolving the review")
    notes = optional_notes(notes)
    values = parse_assignments(assignments)
    with db.transaction(write=True) as conn:
        db.lock(conn, REVIEW_LOCK)
        item = get_review(conn, artifact_id)
        if item.status != "open":
            raise IllegalTransitionError(f"the review of {artifact_id} is already resolved")
        left_as_candidate = None
        if item.blocking:
            _complete_registration(db, conn, item, values, validator)
            trace = item.proposed.get("trace") or {}
            if trace.get("in_use"):
                lock_lines(db, SqlSession.of(conn), [artifact_id])
                outcome = promote_in_use(
                    db,
                    conn,
                    artifact_id,
                    trace.get("legacy_status"),
                    policy or load_policy(),
                    actor=actor,
                    by="review resolve",
                )
                left_as_candidate = None if outcome.promoted_by else outcome.left_as_candidate()
        elif values:
            _complete_code_pin(conn, item, values, actor, notes)
        elif notes is None:  # optional_notes made blank notes None
            raise ValidationError(
                "nothing to resolve with",
                [Violation("notes", "say why the held fact is accepted as it is, or --set it")],
            )
        if left_as_candidate is not None:  # registered, not promoted: the record says why
            said = f"{notes}; " if notes else ""
            notes = f"{said}{left_as_candidate.reason}"
        mark_resolved(conn, [artifact_id], actor, notes)
        return get_review(conn, artifact_id)


def _complete_registration(
    db: Database,
    conn: Any,
    item: ReviewItem,
    values: dict[str, str],
    validator: MetadataValidator | None,
) -> None:
    row = conn.execute(
        select(artifacts.c.title, artifacts.c.metadata).where(artifacts.c.id == item.artifact_id)
    ).one()
    proposal = _apply(item.proposed, values)
    adoption, problems = build_adoption(
        item.artifact_id, row.title, row.metadata, proposal, validator
    )
    if adoption is None:
        raise ValidationError(f"{item.artifact_id} still cannot be registered", problems)
    refused = adopt_legacy_in(conn, [adoption])
    if refused:
        raise ValidationError(
            f"{item.artifact_id} still cannot be registered", refused[item.artifact_id]
        )
    # Its line is named after its title, as the backfill names the lines it adopts;
    # a name that cannot be given leaves the line unnamed (`name-line` names it).
    name_adopted_lines(db, conn, {item.artifact_id: row.title}, utc_timestamp())


def _complete_code_pin(
    conn: Any, item: ReviewItem, values: dict[str, str], actor: str, notes: str | None
) -> None:
    """Set the code pin of a registered model; from a `pins suggest` item, one it listed.

    The change is appended to the pin's history with the pin it replaced; a
    pin is replaced only with notes saying why.
    """
    unknown = sorted(set(values) - set(PIN_FIELDS))
    if unknown:
        raise ValidationError(
            "this model is registered; only its code pin can be set here",
            [Violation(key, f"use one of {', '.join(PIN_FIELDS)}") for key in unknown],
        )
    model = fetch_model(conn, item.artifact_id)
    replaced = None
    if "pin_candidates" in item.proposed:
        from atlas_registry.pins.suggestion import still_repairable

        replaced = still_repairable(SqlSession.of(conn), model, item)
    pin = _chosen_pin(item, model, values)
    _require_reason(model, pin, notes)
    replaced_id = replaced.id if replaced else None
    change_code_pin_in(conn, model.id, pin, actor=actor, notes=notes, replaced_check_id=replaced_id)


def _chosen_pin(item: ReviewItem, model: ModelRecord, values: dict[str, str]) -> NewPin:
    """The whole pin the assignments make: a listed candidate, or the model's pin with changes."""
    if "pin_candidates" in item.proposed:
        from atlas_registry.pins.suggestion import accepted_commit

        facts = item.proposed.get("facts", {})
        values = {
            "code_repo_url": facts.get("code_repo_url", ""),
            "code_entrypoint": model.code_entrypoint or "",
            **values,
        }
        if "code_commit_sha" in values:
            values["code_commit_sha"] = accepted_commit(item, values["code_commit_sha"])
    else:  # the parts of the model's pin not set here stay as they are
        current = {
            "code_repo_url": model.code_repo_url,
            "code_commit_sha": model.code_commit_sha,
            "code_entrypoint": model.code_entrypoint,
        }
        values = {**{k: v for k, v in current.items() if v}, **values}
    repo, sha = values.get("code_repo_url"), values.get("code_commit_sha")
    if repo is None or sha is None:
        raise ValidationError(
            "a code pin needs both parts",
            [
                Violation(k, "is required")
                for k in ("code_repo_url", "code_commit_sha")
                if k not in values
            ],
        )
    return NewPin(repo, sha, values.get("code_entrypoint") or None)


def _require_reason(model: ModelRecord, pin: NewPin, notes: str | None) -> None:
    """Replacing a pin rewrites what says which code trained the model: say why."""
    old = (model.code_repo_url, (model.code_commit_sha or "").lower())
    if model.code_commit_sha and (pin.repo_url, pin.commit_sha.lower()) != old and notes is None:
        raise ValidationError(
            f"cannot re-pin {model.id} without saying why",
            [Violation("notes", f"say why this commit replaces the pin {model.code_commit_sha}")],
        )
