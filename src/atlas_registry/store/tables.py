"""SQLAlchemy Core descriptions of the migrated tables, for building queries.

The migrations own the schema; these objects only name its columns so queries
are composed rather than concatenated. ``tests/test_tables.py`` checks they
match what the migrations build.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Integer, MetaData, Table, Text

metadata = MetaData()

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("artifact_type", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("metadata", Text, nullable=False),
    Column("created_by", Text),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("version_number", Integer, nullable=False),
    Column("parent_version_id", Text),
    Column("version_tag", Text),
    Column("changelog", Text),
    Column("is_latest", Integer, nullable=False),
    Column("lifecycle_state", Text, nullable=False),
    Column("superseded_by", Text),
    Column("origin_type", Text),
    Column("origin_url", Text),
    Column("lineage_id", Text),
    Column("claimed_by", Text),  # 0027: a dataset's claimed author (a model's is its version's)
)

# artifacts as 0001 creates it: what a platform's own table must have to be adopted
# as 0001 (store/baseline.py) and what its legacy rows hold; later migrations add
# the other columns.
ARTIFACT_COLUMNS_OF_0001 = tuple(c for c in artifacts.columns if c.name != "claimed_by")

model_versions = Table(
    "model_versions",
    metadata,
    Column("artifact_id", Text, primary_key=True),
    Column("is_external", Integer, nullable=False),
    Column("external_source_url", Text),
    Column("external_source_version", Text),
    Column("base_model_id", Text),
    Column("code_repo_url", Text),
    Column("code_commit_sha", Text),
    Column("code_entrypoint", Text),
    Column("training_started_at", Text),
    Column("training_completed_at", Text),
    Column("trained_by", Text),
    Column("gpu_allocation_id", Text),
    Column("training_params_json", Text),
    Column("eval_metrics_json", Text),
    Column("eval_dataset_artifact_id", Text),
    Column("benchmark_id", Text),
    Column("promotion_state", Text, nullable=False),
    Column("promotion_notes", Text),
    Column("created_at", Text, nullable=False),
    Column("model_family", Text),
    Column("framework", Text),
    Column("metadata_schema_version", Text),
    Column("claimed_by", Text),
    # COALESCE(lineage_id, id) of the artifact, set by the database (0019) for
    # its index of one promoted version per line; writers leave it out.
    Column("line_id", Text),
)

model_lines = Table(
    "model_lines",
    metadata,
    Column("name", Text, primary_key=True),
    Column("root_id", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("named_by", Text),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("secret_sha256", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text),
    Column("last_used_at", Text),
    Column("revoked_at", Text),
)

promotion_events = Table(
    "model_promotion_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("artifact_id", Text, nullable=False),
    Column("from_state", Text, nullable=False),
    Column("to_state", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("notes", Text),
    Column("override", Integer, nullable=False),
    Column("created_at", Text, nullable=False),
)

legacy_metadata = Table(
    "model_legacy_metadata",
    metadata,
    Column("artifact_id", Text, primary_key=True),
    Column("original_metadata", Text, nullable=False),
    Column("original_sha256", Text, nullable=False),
    Column("mapping_json", Text, nullable=False),
    Column("captured_at", Text, nullable=False),
)

review_queue = Table(
    "model_review_queue",
    metadata,
    Column("artifact_id", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("blocking", Integer, nullable=False),
    Column("reasons_json", Text, nullable=False),
    Column("proposed_json", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("resolved_at", Text),
    Column("resolved_by", Text),
    Column("resolution_notes", Text),
)

model_metrics = Table(
    "model_metrics",
    metadata,
    Column("artifact_id", Text, primary_key=True),
    Column("benchmark_id", Text),
    Column("metric", Text, primary_key=True),
    Column("value", Float, nullable=False),
)

code_pin_checks = Table(
    "code_pin_checks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("artifact_id", Text, nullable=False),
    Column("checked_at", Text, nullable=False),
    Column("pin_kind", Text, nullable=False),
    Column("repo_url", Text),
    Column("pinned", Text),
    Column("commit_found", Text),
    Column("entrypoint_found", Integer),
    Column("status", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("checked_by", Text, nullable=False),
)

model_tag_events = Table(
    "model_tag_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", Text, nullable=False),
    Column("subject_id", Text, nullable=False),
    Column("tag_key", Text, nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("actor", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)

model_tags = Table(
    "model_tags",
    metadata,
    Column("scope", Text, primary_key=True),
    Column("subject_id", Text, primary_key=True),
    Column("tag_key", Text, primary_key=True),
    Column("tag_value", Text, nullable=False),
    Column("event_id", Integer, nullable=False),
)

model_text_edits = Table(
    "model_text_edits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("artifact_id", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("before_text", Text),
    Column("after_text", Text),
    Column("actor", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)

model_files = Table(
    "model_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("artifact_id", Text, nullable=False),
    Column("uri", Text, nullable=False),
    Column("size_bytes", BigInteger),
    Column("sha256", Text),
    Column("role", Text),
    Column("replaces_id", Integer),
    Column("origin", Text, nullable=False),
    Column("added_at", Text, nullable=False),
    Column("added_by", Text, nullable=False),
    Column("notes", Text),
)

model_file_checks = Table(
    "model_file_checks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_id", Integer, nullable=False),
    Column("artifact_id", Text, nullable=False),
    Column("checked_at", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("size_found", BigInteger),
    Column("sha256_found", Text),
    Column("detail", Text, nullable=False),
    Column("checked_by", Text, nullable=False),
)

# Reverse lineage (0025): one row per model, dataset it names and use (trained,
# evaluated), with the model's registration time; derived, rebuilt by 0025.
model_dataset_uses = Table(
    "model_dataset_uses",
    metadata,
    Column("dataset_id", Text, primary_key=True),
    Column("use", Text, primary_key=True),
    Column("registered_at", Text, primary_key=True),
    Column("model_id", Text, primary_key=True),
)

registry_events = Table(
    "registry_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_type", Text, nullable=False),
    Column("occurred_at", Text, nullable=False),
    Column("actor", Text),
    Column("model_id", Text),
    Column("line_id", Text),
    Column("payload", Text, nullable=False),
)

model_evaluations = Table(
    "model_evaluations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("artifact_id", Text, nullable=False),
    Column("origin", Text, nullable=False),
    Column("benchmark_id", Text),
    Column("dataset_artifact_id", Text),
    Column("dataset_revision", Text),
    Column("dataset_key", Text, nullable=False),
    Column("dataset_json", Text),
    Column("split", Text),
    Column("harness_repo_url", Text),
    Column("harness_commit_sha", Text),
    Column("evaluated_by", Text),
    Column("notes", Text),
    Column("created_at", Text, nullable=False),
    Column("evaluator_scopes", Text),
)

model_evaluation_metrics = Table(
    "model_evaluation_metrics",
    metadata,
    Column("evaluation_id", Text, primary_key=True),
    Column("artifact_id", Text, nullable=False),
    Column("metric", Text, primary_key=True),
    Column("value", Float, nullable=False),
)

model_evaluation_board = Table(
    "model_evaluation_board",
    metadata,
    Column("benchmark_id", Text, primary_key=True),
    Column("dataset_key", Text, primary_key=True),
    Column("split_key", Text, primary_key=True),
    Column("metric", Text, primary_key=True),
    Column("artifact_id", Text, primary_key=True),
    Column("value", Float, nullable=False),
    Column("evaluation_id", Text, nullable=False),
)

# Every set, move and delete of a line's alias (append-only, 0022); artifact_id
# (the version it names after the move) is NULL when the move deleted the alias.
alias_moves = Table(
    "model_alias_moves",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("line_id", Text, nullable=False),
    Column("alias", Text, nullable=False),
    Column("from_artifact_id", Text),
    Column("artifact_id", Text),
    Column("moved_by", Text, nullable=False),
    Column("notes", Text),
    Column("override", Integer, nullable=False),
    Column("moved_at", Text, nullable=False),
)

# Each live alias and the version it names now (0022), keyed by the line's root.
model_aliases = Table(
    "model_aliases",
    metadata,
    Column("line_id", Text, primary_key=True),
    Column("alias", Text, primary_key=True),
    Column("artifact_id", Text, nullable=False),
    Column("move_id", Integer, nullable=False),
)
