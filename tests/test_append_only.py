"""Every table the docs call append-only refuses, in the database, to change or lose a row.

The tables come from one list (``store/append_only.py``); each statement is
tried with raw SQL, as from a shell, on both databases. A second test checks
that every table the migrations build is in that list or in one of the lists
saying why its rows may change, so a new table cannot be forgotten.
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from atlas_registry import ConstraintViolationError
from atlas_registry.store.append_only import (
    APPEND_ONLY,
    APPEND_ONLY_TABLES,
    DERIVED,
    MUTABLE,
    AppendOnly,
)
from atlas_registry.store.db import Database
from tests.catalog_helpers import register
from tests.payloads import logistic_regression

NOW = "2026-01-01 00:00:00"

# One row of each append-only table, for the model `model-x`.
ROWS = {
    "model_promotion_events": (
        "INSERT INTO model_promotion_events "
        "(artifact_id, from_state, to_state, actor, override, created_at) "
        f"VALUES ('model-x', 'candidate', 'rejected', 'a', 0, '{NOW}')"
    ),
    "model_legacy_metadata": (
        "INSERT INTO model_legacy_metadata "
        "(artifact_id, original_metadata, original_sha256, mapping_json, captured_at) "
        f"VALUES ('model-x', '{{}}', 'x', '{{}}', '{NOW}')"
    ),
    "code_pin_checks": (
        "INSERT INTO code_pin_checks "
        "(artifact_id, checked_at, pin_kind, status, detail, checked_by) "
        f"VALUES ('model-x', '{NOW}', 'code', 'missing', 'no pin', 'a')"
    ),
    "code_pin_changes": (
        "INSERT INTO code_pin_changes "
        "(artifact_id, changed_at, new_repo_url, new_commit_sha, changed_by) "
        f"VALUES ('model-x', '{NOW}', 'https://example.org/r.git', 'abcdef1', 'a')"
    ),
    "model_tag_events": (
        "INSERT INTO model_tag_events (scope, subject_id, tag_key, new_value, actor, created_at) "
        f"VALUES ('version', 'model-x', 'team', 'vision', 'a', '{NOW}')"
    ),
    "model_text_edits": (
        "INSERT INTO model_text_edits (artifact_id, field, before_text, after_text, actor, "
        f"created_at) VALUES ('model-x', 'changelog', NULL, 'x', 'a', '{NOW}')"
    ),
    "model_files": (
        "INSERT INTO model_files (artifact_id, uri, origin, added_at, added_by) "
        f"VALUES ('model-x', 'file:///w.bin', 'added', '{NOW}', 'a')"
    ),
    "model_file_checks": (
        "INSERT INTO model_file_checks "
        "(file_id, artifact_id, checked_at, status, detail, checked_by) "
        f"VALUES ((SELECT min(id) FROM model_files), 'model-x', '{NOW}', 'passed', 'ok', 'a')"
    ),
    "registry_events": (
        "INSERT INTO registry_events (event_type, occurred_at, actor, model_id, line_id, payload) "
        f"VALUES ('model.rejected', '{NOW}', 'a', 'model-x', 'model-x', '{{}}')"
    ),
    "model_evaluations": (
        "INSERT INTO model_evaluations (id, artifact_id, origin, benchmark_id, dataset_key, "
        f"evaluated_by, created_at) VALUES ('eval-x', 'model-x', 'evaluate', 'b', '', 'a', '{NOW}')"
    ),
    "model_evaluation_metrics": (
        "INSERT INTO model_evaluation_metrics (evaluation_id, artifact_id, metric, value) "
        "VALUES ('eval-x', 'model-x', 'auroc', 0.5)"
    ),
    "model_alias_moves": (
        "INSERT INTO model_alias_moves (line_id, alias, artifact_id, moved_by, moved_at) "
        f"VALUES ('model-x', 'champion', 'model-x', 'a', '{NOW}')"
    ),
    # An attempt names no artifact: its error column holds 'model-x' for the statements below.
    "webhook_attempts": (
        "INSERT INTO webhook_attempts (delivery_id, webhook_id, attempted_at, outcome, "
        "latency_ms, error) VALUES ((SELECT min(id) FROM webhook_deliveries), "
        f"(SELECT min(id) FROM webhooks), '{NOW}', 'failed', 5, 'model-x')"
    ),
}
# What a row of a table above stands on, inserted before it.
PREREQUISITES = {
    "webhook_attempts": [
        "INSERT INTO webhooks (url, event_types, secret_encrypted, allow_http, state, "
        f"event_cursor, created_at, created_by) VALUES ('https://h.example/', 'model.rejected', "
        f"'sealed', 0, 'active', 0, '{NOW}', 'a')",
        "INSERT INTO webhook_deliveries (webhook_id, event_id, state, next_attempt_at, "
        "created_at) VALUES ((SELECT min(id) FROM webhooks), "
        f"(SELECT min(id) FROM registry_events), 'pending', '{NOW}', '{NOW}')",
    ],
}


def _with_one_row_each(db: Database) -> None:
    register(db, logistic_regression(), artifact_id="model-x")
    with db.transaction(write=True) as conn:
        for table in ROWS:  # in order: a file before its check, an evaluation before its metrics
            for needed in PREREQUISITES.get(table, []):
                conn.execute(text(needed))
            conn.execute(text(ROWS[table]))


# The column naming each row's artifact, where it is not artifact_id (a tag's
# subject is a version or a line's root artifact; an event names its model).
ARTIFACT_COLUMN = {
    "model_tag_events": "subject_id",
    "registry_events": "model_id",
    "webhook_attempts": "error",
}


def _count(db: Database, table: str) -> int:
    with db.transaction() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _statements(db: Database, table: str) -> dict[str, str]:
    column = ARTIFACT_COLUMN.get(table, "artifact_id")
    return {
        "update": f"UPDATE {table} SET {column} = {column}",
        "delete": f"DELETE FROM {table} WHERE {column} = 'model-x'",
        # SQLite has no TRUNCATE: a DELETE of every row is its equivalent (and,
        # with triggers on the table, fires them row by row).
        "truncate": f"TRUNCATE {table} CASCADE"
        if db.dialect == "postgresql"
        else f"DELETE FROM {table}",
    }


@pytest.mark.parametrize("kind", ["update", "delete", "truncate"])
@pytest.mark.parametrize("guarded", APPEND_ONLY, ids=lambda t: t.table)
def test_each_append_only_table_refuses_to_lose_or_change_a_row(
    migrated_db: Database, guarded: AppendOnly, kind: str
) -> None:
    _with_one_row_each(migrated_db)
    before = _count(migrated_db, guarded.table)  # a registration writes its first evaluation
    statement = _statements(migrated_db, guarded.table)[kind]
    with migrated_db.transaction() as conn:
        before = conn.execute(text(f"SELECT count(*) FROM {guarded.table}")).scalar_one()
    with (
        pytest.raises(ConstraintViolationError, match=guarded.table),
        migrated_db.transaction(write=True) as conn,
    ):
        conn.execute(text(statement))
    assert _count(migrated_db, guarded.table) == before >= 1


def test_the_legacy_text_goes_with_its_artifact_and_only_so(migrated_db: Database) -> None:
    """The one documented way out: deleting an artifact without history takes its text, and
    its first evaluation (its registration's metrics, which go with it)."""
    with_artifact = [t.table for t in APPEND_ONLY if t.goes_with_artifact]
    register(migrated_db, logistic_regression(), artifact_id="model-x")
    with migrated_db.transaction(write=True) as conn:
        conn.execute(text(ROWS["model_legacy_metadata"]))
    assert _count(migrated_db, "model_evaluations") == 1
    with migrated_db.transaction(write=True) as conn:
        conn.execute(text("DELETE FROM artifacts WHERE id = 'model-x'"))
    assert [_count(migrated_db, table) for table in with_artifact] == [0] * len(with_artifact)


def test_every_table_is_append_only_or_says_why_it_may_change(migrated_db: Database) -> None:
    with migrated_db.transaction() as conn:
        tables = set(inspect(conn).get_table_names())
    lists = [APPEND_ONLY_TABLES, set(MUTABLE), set(DERIVED)]
    unlisted = tables - set().union(*lists)
    assert not unlisted, (
        f"{sorted(unlisted)}: add each to store/append_only.py, as APPEND_ONLY (with "
        "triggers in a migration) or as MUTABLE or DERIVED with the reason"
    )
    for first in range(len(lists)):
        for second in range(first + 1, len(lists)):
            assert not lists[first] & lists[second]
    assert APPEND_ONLY_TABLES | set(MUTABLE) <= tables  # no list names a table long gone
    assert all(reason.strip() for reason in (*MUTABLE.values(), *DERIVED.values()))
