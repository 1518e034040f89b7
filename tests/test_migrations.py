"""The migration runner and the schema it builds, on both dialects."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text

from atlas_registry.errors import ConstraintViolationError, MigrationError, SchemaOutOfDateError
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database
from atlas_registry.store.migration_runner import Migration
from tests.schema_snapshot import SNAPSHOT, snapshot

# SPEC 2.2: column -> (type, nullable, default as the database reports it, normalised)
CONTRACT_COLUMNS: dict[str, tuple[str, bool, str | None]] = {
    "artifact_id": ("TEXT", False, None),
    "is_external": ("INTEGER", False, "0"),
    "external_source_url": ("TEXT", True, None),
    "external_source_version": ("TEXT", True, None),
    "base_model_id": ("TEXT", True, None),
    "code_repo_url": ("TEXT", True, None),
    "code_commit_sha": ("TEXT", True, None),
    "code_entrypoint": ("TEXT", True, None),
    "training_started_at": ("TEXT", True, None),
    "training_completed_at": ("TEXT", True, None),
    "trained_by": ("TEXT", True, None),
    "gpu_allocation_id": ("TEXT", True, None),
    "training_params_json": ("TEXT", True, None),
    "eval_metrics_json": ("TEXT", True, None),
    "eval_dataset_artifact_id": ("TEXT", True, None),
    "benchmark_id": ("TEXT", True, None),
    "promotion_state": ("TEXT", False, "candidate"),
    "promotion_notes": ("TEXT", True, None),
    "created_at": ("TEXT", False, "now"),
}
CONTRACT_INDEXES = {
    "idx_model_versions_base": ["base_model_id"],
    "idx_model_versions_trained_by": ["trained_by"],
    "idx_model_versions_promotion": ["promotion_state"],
}


def _insert_artifact(db: Database, artifact_id: str, artifact_type: str = "model") -> None:
    with db.transaction(write=True) as conn:
        conn.execute(
            text("INSERT INTO artifacts (id, artifact_type, title) VALUES (:id, :type, :title)"),
            {"id": artifact_id, "type": artifact_type, "title": f"title of {artifact_id}"},
        )


def _insert_version(db: Database, artifact_id: str, **columns: object) -> None:
    names = ["artifact_id", *columns]
    with db.transaction(write=True) as conn:
        conn.execute(
            text(
                f"INSERT INTO model_versions ({', '.join(names)}) "
                f"VALUES ({', '.join(':' + n for n in names)})"
            ),
            {"artifact_id": artifact_id, **columns},
        )


def _default_kind(default: str | None) -> str | None:
    if default is None:
        return None
    if "now" in default.lower():
        return "now"
    return default.strip("()'").split("'")[0]


def test_contract_columns_exist_with_nullability_and_defaults(migrated_db: Database) -> None:
    with migrated_db.transaction() as conn:
        columns = {c["name"]: c for c in inspect(conn).get_columns("model_versions")}
    for name, (type_name, nullable, default) in CONTRACT_COLUMNS.items():
        assert name in columns, f"model_versions.{name} is missing"
        column = columns[name]
        assert str(column["type"]).upper() == type_name, name
        assert bool(column["nullable"]) is nullable, name
        assert _default_kind(column.get("default")) == default, (name, column.get("default"))


def test_contract_indexes_exist(migrated_db: Database) -> None:
    """The contract's indexes keep their names and lead with the contract's columns.

    0012 extended two of them with the columns of newest-first paging (so one
    index serves both the filter and the page), which a filter on the leading
    column uses exactly as before.
    """
    with migrated_db.transaction() as conn:
        indexes = {
            i["name"]: i["column_names"] for i in inspect(conn).get_indexes("model_versions")
        }
    for name, columns in CONTRACT_INDEXES.items():
        assert name in indexes, name
        assert indexes[name][: len(columns)] == columns, (name, indexes[name])


def test_defaults_fill_a_minimal_row(migrated_db: Database) -> None:
    _insert_artifact(migrated_db, "model-a")
    _insert_version(migrated_db, "model-a")
    with migrated_db.transaction() as conn:
        row = conn.execute(text("SELECT * FROM model_versions")).mappings().one()
        artifact = conn.execute(text("SELECT * FROM artifacts")).mappings().one()
    assert row["promotion_state"] == "candidate"
    assert row["is_external"] == 0
    for stamp in (row["created_at"], artifact["created_at"], artifact["updated_at"]):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", stamp), stamp
        written = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        assert abs((datetime.now(UTC) - written).total_seconds()) < 120, "not UTC now"
    assert (artifact["version_number"], artifact["is_latest"]) == (1, 1)
    assert artifact["metadata"] == "{}"


def test_check_rejects_unknown_promotion_state(migrated_db: Database) -> None:
    _insert_artifact(migrated_db, "model-a")
    with pytest.raises(ConstraintViolationError):
        _insert_version(migrated_db, "model-a", promotion_state="bogus")
    with migrated_db.transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM model_versions")).scalar() == 0


def test_foreign_keys_reject_unknown_references(migrated_db: Database) -> None:
    _insert_artifact(migrated_db, "model-a")
    with pytest.raises(ConstraintViolationError):
        _insert_version(migrated_db, "model-a", base_model_id="model-nope")
    with pytest.raises(ConstraintViolationError):
        _insert_version(migrated_db, "model-a", eval_dataset_artifact_id="dataset-nope")
    with pytest.raises(ConstraintViolationError):
        _insert_version(migrated_db, "model-missing")


def test_deleting_an_artifact_cascades_to_its_version_row(migrated_db: Database) -> None:
    _insert_artifact(migrated_db, "model-a")
    _insert_version(migrated_db, "model-a")
    with migrated_db.transaction(write=True) as conn:
        conn.execute(text("DELETE FROM artifacts WHERE id = 'model-a'"))
    with migrated_db.transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM model_versions")).scalar() == 0


def test_one_latest_version_per_lineage(migrated_db: Database) -> None:
    _insert_artifact(migrated_db, "model-a")
    with pytest.raises(ConstraintViolationError), migrated_db.transaction(write=True) as conn:
        conn.execute(
            text(
                "INSERT INTO artifacts (id, artifact_type, title, lineage_id, version_number, "
                "parent_version_id, is_latest) VALUES ('model-a2', 'model', 't', 'model-a', 2, "
                "'model-a', 1)"
            )
        )


@pytest.mark.parametrize(
    ("column", "value"),
    [("artifact_type", "Not A Type"), ("lifecycle_state", "gone"), ("origin_type", "alien")],
)
def test_artifact_enumerations_are_checked(migrated_db: Database, column: str, value: str) -> None:
    values = {"id": "x-1", "artifact_type": "model", "title": "t", column: value}
    with pytest.raises(ConstraintViolationError), migrated_db.transaction(write=True) as conn:
        conn.execute(
            text(
                f"INSERT INTO artifacts ({', '.join(values)}) VALUES "
                f"({', '.join(':' + k for k in values)})"
            ),
            values,
        )


def test_schema_matches_the_checked_in_snapshot(migrated_db: Database) -> None:
    expected = json.loads(SNAPSHOT.read_text())
    actual = json.loads(json.dumps(snapshot(migrated_db)))
    assert actual == expected, (
        f"the {migrated_db.dialect} schema differs from {SNAPSHOT.name}; if the change is "
        "intended, regenerate it with `python -m tests.schema_snapshot URL` on a freshly "
        "migrated database and check both dialects produce the same file"
    )


def test_migrate_twice_changes_nothing(db: Database) -> None:
    first = migration_runner.migrate(db)
    assert [m.number for m in first] == [
        m.number for m in migration_runner.load_migrations(db.dialect)
    ]
    before = snapshot(db)
    with db.transaction() as conn:
        bookkeeping = conn.execute(text("SELECT * FROM schema_migrations ORDER BY number")).all()
    assert migration_runner.migrate(db) == []
    assert snapshot(db) == before
    with db.transaction() as conn:
        assert conn.execute(text("SELECT * FROM schema_migrations ORDER BY number")).all() == (
            bookkeeping
        )


def _with_checksum(
    migrations: tuple[Migration, ...], number: int, checksum: str
) -> tuple[Migration, ...]:
    return tuple(
        dataclasses.replace(m, checksum=checksum) if m.number == number else m for m in migrations
    )


def test_an_edited_applied_migration_is_refused(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    migration_runner.migrate(db, to=1)
    original = migration_runner.load_migrations(db.dialect)
    monkeypatch.setattr(
        migration_runner, "load_migrations", lambda _d: _with_checksum(original, 1, "0" * 64)
    )
    with pytest.raises(
        MigrationError, match=r"0001_artifacts\.sql was edited after it was applied"
    ):
        migration_runner.migrate(db)
    with pytest.raises(MigrationError, match="edited"):
        migration_runner.ensure_current(db)
    assert migration_runner.current_version(db) == 1


def test_a_failing_migration_leaves_the_previous_state(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = migration_runner.load_migrations(db.dialect)
    broken = Migration(
        number=99,
        name="broken",
        filename="migrations/test/0099_broken.sql",
        sql="CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);",
        down_sql="DROP TABLE half_done",
        checksum="1" * 64,
    )
    monkeypatch.setattr(migration_runner, "load_migrations", lambda _d: (*original, broken))
    with pytest.raises(
        MigrationError, match=r"0099_broken\.sql: statement 2 .*INSERT INTO no_such_table"
    ):
        migration_runner.migrate(db)
    assert migration_runner.current_version(db) == original[-1].number
    with db.transaction() as conn:
        assert not inspect(conn).has_table("half_done")

    fixed = dataclasses.replace(broken, sql="CREATE TABLE half_done (x INTEGER)")
    monkeypatch.setattr(migration_runner, "load_migrations", lambda _d: (*original, fixed))
    assert [m.number for m in migration_runner.migrate(db)] == [99]
    with db.transaction() as conn:
        assert inspect(conn).has_table("half_done")


def test_migrate_refuses_to_go_backwards_and_unknown_targets(db: Database) -> None:
    migration_runner.migrate(db)
    with pytest.raises(MigrationError, match="only moves forward"):
        migration_runner.migrate(db, to=1)
    with pytest.raises(MigrationError, match="no migration 0042"):
        migration_runner.migrate(db, to=42)


def test_unmigrated_database_is_reported_out_of_date(db: Database) -> None:
    migration_runner.migrate(db, to=1)
    with pytest.raises(SchemaOutOfDateError, match=r"run `atlas-registry migrate --db \S+`"):
        migration_runner.ensure_current(db)
    migration_runner.migrate(db)
    migration_runner.ensure_current(db)


def _migrate_at(url: str, start_at: float) -> list[int]:
    database = Database(url, must_exist=False)
    time.sleep(max(0.0, start_at - time.time()))
    try:
        return [m.number for m in migration_runner.migrate(database)]
    finally:
        database.dispose()


@pytest.mark.slow
def test_concurrent_runners_apply_each_migration_once(db_url: str) -> None:
    with ProcessPoolExecutor(max_workers=2) as pool:
        for _ in range(3):  # several rounds: the race must be lost cleanly every time
            database = Database(db_url, must_exist=False)
            if migration_runner.current_version(database):
                migration_runner.downgrade(database, to=0)
            database.dispose()
            start_at = time.time() + 1.0
            results = list(pool.map(_migrate_at, [db_url, db_url], [start_at, start_at]))
            applied = sorted(n for result in results for n in result)
            expected = [m.number for m in migration_runner.load_migrations(database.dialect)]
            assert applied == expected, results
