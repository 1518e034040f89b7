"""Which tables hold facts the registry never rewrites, and why every other table may change.

One list, read by the migrations' tests and by ``migrate down``: a table named
here refuses UPDATE, DELETE and (on PostgreSQL) TRUNCATE in the database
itself, by triggers, so neither a bug nor a hand-typed statement in a shell
erases the audit trail. ``tests/test_append_only.py`` tries each statement on
each table named here, and checks that every table the migrations build is
named in exactly one of the lists below, so a new table cannot be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AppendOnly:
    """An append-only table, and the one way (if any) its rows may leave."""

    table: str
    keeps: str
    # A row may be deleted only together with its artifact (ON DELETE CASCADE);
    # a DELETE of a row whose artifact still exists is refused.
    goes_with_artifact: bool = False
    # The message its UPDATE trigger raises.
    update_refusal: str = "is append-only"


APPEND_ONLY: tuple[AppendOnly, ...] = (
    AppendOnly("model_promotion_events", "every promotion transition: who, when, why"),
    AppendOnly(
        "model_legacy_metadata",
        "the exact legacy text of every backfilled artifact",
        goes_with_artifact=True,
        update_refusal="keeps the legacy text verbatim",
    ),
    AppendOnly("code_pin_checks", "every check of a model's pin against its repository"),
    AppendOnly("code_pin_changes", "every change of a model's code pin: old, new, who, why"),
    AppendOnly(
        "model_tag_events", "every tag set or removed on a version or a line: old, new, who"
    ),
    AppendOnly("model_text_edits", "every edit of a description or changelog: before, after, who"),
    AppendOnly("model_files", "every file a version listed: URI, size, SHA-256, role, who"),
    AppendOnly("model_file_checks", "every re-read of a listed file: what was found, and when"),
    AppendOnly("registry_events", "every change, in commit order: what a follower reads"),
    AppendOnly(
        "model_evaluations",
        "every evaluation of a version: benchmark, data, split, who, when, harness pin",
        goes_with_artifact=True,
    ),
    AppendOnly(
        "model_evaluation_metrics",
        "the typed metrics of every evaluation",
        goes_with_artifact=True,
    ),
    AppendOnly("model_alias_moves", "every set, move and delete of a line's alias: who, when, why"),
    AppendOnly(
        "webhook_attempts",
        "every attempt to deliver a webhook: outcome, latency, status code, a short excerpt",
    ),
)

# Tables whose rows change in place, each with the reason it may.
MUTABLE: dict[str, str] = {
    "artifacts": "the platform's catalog: is_latest, lifecycle_state and superseded_by move "
    "with new versions and transitions (an artifact with history cannot be deleted)",
    "model_versions": "promotion_state and promotion_notes move with each transition; "
    "every move is also appended to model_promotion_events",
    "model_lines": "a line's name is written once and the code never moves it, but an "
    "operator may repair a name by hand; the row goes with its line's root artifact",
    "api_tokens": "last_used_at is touched on use and revoked_at set on revocation",
    "model_review_queue": "a work list: items are opened, resolved and reopened by the backfill",
    "schema_migrations": "the migration runner's bookkeeping, one row per applied migration",
    "model_aliases": "each live alias's current version moves with every set and delete; "
    "every change is also appended to model_alias_moves",
    "webhooks": "a subscription's cursor, lease and state (active, failing, deleted) move as "
    "the worker delivers; deleting one destroys its secret (its creation and deletion are events)",
    "webhook_deliveries": "a delivery's state, attempt count and next attempt move with each "
    "attempt; every attempt is also appended to webhook_attempts",
    "idempotency_keys": "the answers kept for retried HTTP writes: each keyed write deletes "
    "the keys older than 24 hours",
}

# Tables whose rows are computed from other tables and are rebuilt when the
# migrations run up again; losing them in a down migration loses no fact.
DERIVED: dict[str, str] = {
    "model_metrics": "rebuilt from model_versions.eval_metrics_json by 0006 and 0007",
    "model_catalog_columns_saved": "the catalog columns 0003's down file keeps aside for 0009",
    "model_tags": "each tag's current value: the newest of its model_tag_events, written with "
    "it and rebuilt from them by 0023",
    "model_dataset_uses": "the datasets each model names (training_data[].artifact_id, "
    "evaluation_dataset.artifact_id), read from the stored models by 0025 and written "
    "with the model's facts",
    "model_evaluation_board": "the newest evaluation of each version per benchmark, data, "
    "split and metric: rebuilt from model_evaluations by 0021, kept by each new evaluation",
}

# Rows of fact tables that are computed from other facts and come back when the
# migrations run up again (a SQL condition per table): a down file dropping them
# loses no fact. A version's first evaluation is its registration's metrics.
DERIVED_ROWS: dict[str, str] = {
    "model_evaluations": "origin = 'registration'",
    "model_evaluation_metrics": "evaluation_id IN "
    "(SELECT id FROM model_evaluations WHERE origin = 'registration')",
}

# Columns of fact tables whose values are computed from other data and come
# back when the migrations run up again; a down file dropping them loses no fact.
DERIVED_COLUMNS: dict[str, str] = {
    "model_versions.line_id": "COALESCE(lineage_id, id) of the artifact, set again by 0019",
    "model_versions.model_family": "kept aside by 0003's down file, read back by 0009",
    "model_versions.framework": "kept aside by 0003's down file, read back by 0009",
    "model_versions.metadata_schema_version": "kept aside by 0003's down file, read back by 0009",
}

APPEND_ONLY_TABLES: frozenset[str] = frozenset(t.table for t in APPEND_ONLY)
