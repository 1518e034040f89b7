"""A platform's own artifacts table, adopted as migration 0001 instead of created by it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from atlas_registry.backfill.legacy_fixture import load_legacy
from atlas_registry.backfill.runner import backfill
from atlas_registry.errors import MigrationError, ValidationError
from atlas_registry.review.queue import list_reviews
from atlas_registry.store import migration_runner
from atlas_registry.store.baseline import baseline, column_definitions
from atlas_registry.store.db import Database
from atlas_registry.store.tables import ARTIFACT_COLUMNS_OF_0001
from tests.cli_helpers import invoke

UNIQUE_INDEXES = {"ux_artifacts_latest_per_lineage", "ux_artifacts_lineage_version"}
DEFAULTS = {
    "metadata": "'{}'",
    "created_at": "'2024-01-01 00:00:00'",
    "updated_at": "'2024-01-01 00:00:00'",
    "version_number": "1",
    "is_latest": "1",
    "lifecycle_state": "'active'",
}


def _platform_table(
    db: Database, *, leave_out: tuple[str, ...] = (), types: dict[str, str] | None = None
) -> None:
    """The catalog as a platform made it: its own DDL, no 0001 indexes or checks, a column more."""
    columns = []
    for column in ARTIFACT_COLUMNS_OF_0001:
        if column.name in leave_out:
            continue
        kind = "INTEGER" if column.name in {"version_number", "is_latest"} else "TEXT"
        kind = "VARCHAR(200)" if column.name == "id" else kind
        kind = (types or {}).get(column.name) or kind
        default = f" DEFAULT {DEFAULTS[column.name]}" if column.name in DEFAULTS else ""
        key = " PRIMARY KEY" if column.name == "id" else ""
        columns.append(f"{column.name} {kind}{key}{default}")
    columns.append("platform_notes TEXT")
    with db.transaction(write=True) as conn:
        conn.exec_driver_sql(f"CREATE TABLE artifacts ({', '.join(columns)})")


def _indexes(db: Database) -> set[str]:
    # By name from the catalog: reflection skips (and warns of) expression indexes.
    query = (
        "SELECT indexname FROM pg_indexes WHERE tablename = 'artifacts'"
        if db.dialect == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'artifacts'"
    )
    with db.transaction() as conn:
        return set(conn.exec_driver_sql(query).scalars())


def _recorded(db: Database) -> list[int]:
    with db.transaction() as conn:
        return sorted(migration_runner.read_applied(conn))


def test_a_platform_catalog_is_adopted_then_migrated_and_backfilled(db: Database) -> None:
    _platform_table(db)
    load_legacy(db)
    with pytest.raises(MigrationError, match="atlas-registry migrate baseline"):
        migration_runner.migrate(db)

    adopted = baseline(db)

    assert adopted.number == 1
    assert _recorded(db) == [1]
    assert _indexes(db) >= UNIQUE_INDEXES  # what keeps version numbering race-safe
    migration_runner.migrate(db)
    result = backfill(db)
    assert (result.backfilled, result.promoted) == (8, 6)
    with db.transaction() as conn:  # the platform's own column is untouched
        assert conn.execute(text("SELECT count(platform_notes) FROM artifacts")).scalar() == 0


def test_every_model_the_catalog_counts_is_backfilled_or_held_however_its_types_compare(
    db: Database,
) -> None:
    """A platform's type column may compare loosely; what the database calls a model is one.

    A case-blind collation on SQLite (one model typed "Model"), a blank-padded
    CHAR column on PostgreSQL (every type padded to 64 characters; baseline
    refuses one now, but a catalog adopted before it did holds one): no model
    the database counts may be passed over in silence.
    """
    loose = "TEXT COLLATE NOCASE" if db.dialect == "sqlite" else "TEXT"
    _platform_table(db, types={"artifact_type": loose})
    load_legacy(db)
    if db.dialect == "sqlite":
        with db.transaction(write=True) as conn:
            conn.execute(
                text(
                    "UPDATE artifacts SET artifact_type = 'Model' WHERE id = "
                    "(SELECT min(id) FROM artifacts WHERE artifact_type = 'model')"
                )
            )
    baseline(db)
    if db.dialect == "postgresql":
        with db.transaction(write=True) as conn:
            conn.execute(text("ALTER TABLE artifacts ALTER COLUMN artifact_type TYPE CHAR(64)"))
    migration_runner.migrate(db)

    result = backfill(db)

    with db.transaction() as conn:
        models = set(
            conn.execute(text("SELECT id FROM artifacts WHERE artifact_type = 'model'")).scalars()
        )
        with_version = set(conn.execute(text("SELECT artifact_id FROM model_versions")).scalars())
    held = {item.artifact_id for item in list_reviews(db)}
    assert len(models) == 8
    assert models <= with_version | held, f"passed over: {sorted(models - with_version - held)}"
    assert result.backfilled == len(models & with_version)


def test_a_table_the_registry_cannot_read_is_refused_whole(db: Database) -> None:
    timestamp = "TIMESTAMP" if db.dialect == "postgresql" else "DATETIME"
    _platform_table(db, leave_out=("lineage_id", "is_latest"), types={"created_at": timestamp})
    with pytest.raises(ValidationError) as refused:
        baseline(db)
    found = {v.path: v.message for v in refused.value.violations}
    assert set(found) == {"artifacts.lineage_id", "artifacts.is_latest", "artifacts.created_at"}
    assert found["artifacts.is_latest"].startswith("is missing: `migrate baseline --add-columns`")
    assert "the registry reads and writes it as text" in found["artifacts.created_at"]
    assert _recorded(db) == []
    assert not UNIQUE_INDEXES & _indexes(db)  # nothing was built either


def test_nulls_and_rows_that_break_0001_s_indexes_are_refused(db: Database) -> None:
    _platform_table(db)
    with db.transaction(write=True) as conn:
        conn.exec_driver_sql(
            "INSERT INTO artifacts (id, artifact_type, title, version_number) "
            "VALUES ('a', 'model', 'a', NULL)"
        )
    with pytest.raises(ValidationError, match="cannot stand for 0001") as nulls:
        baseline(db)
    assert [v.path for v in nulls.value.violations] == ["artifacts.version_number"]
    with db.transaction(write=True) as conn:
        conn.exec_driver_sql("UPDATE artifacts SET version_number = 1")
        conn.exec_driver_sql(  # a second version 1, and a second latest, of lineage a
            "INSERT INTO artifacts (id, artifact_type, title, lineage_id) "
            "VALUES ('b', 'model', 'b', 'a')"
        )
    with pytest.raises(MigrationError, match="break an index 0001 builds"):
        baseline(db)
    assert _recorded(db) == []


def test_a_baseline_is_only_for_a_catalog_never_migrated(db: Database) -> None:
    with pytest.raises(MigrationError, match="no artifacts table to adopt"):
        baseline(db)
    migration_runner.migrate(db, to=1)
    with pytest.raises(MigrationError, match="already recorded here"):
        baseline(db)


def test_the_cli_adopts_the_catalog(db: Database, db_url: str, tmp_path: Path) -> None:
    _platform_table(db)
    code, _, err = invoke("migrate", "--db", db_url)
    assert code == MigrationError.exit_code
    assert "migrate baseline" in err
    code, out, _ = invoke("migrate", "baseline", "--db", db_url)
    assert (code, out.strip()) == (0, "adopted 0001_artifacts")
    assert invoke("migrate", "--db", db_url)[0] == 0


LINEAGE_COLUMNS = (
    "version_number",
    "parent_version_id",
    "version_tag",
    "changelog",
    "is_latest",
    "lifecycle_state",
    "superseded_by",
    "origin_type",
    "origin_url",
    "lineage_id",
)


def test_add_columns_gives_a_minimal_catalog_0001_s_columns(db: Database) -> None:
    # A platform whose catalog has no versioning columns at all, with rows in it.
    _platform_table(db, leave_out=LINEAGE_COLUMNS)
    load_legacy(db)
    with pytest.raises(ValidationError) as refused:
        baseline(db)
    assert len(refused.value.violations) == len(LINEAGE_COLUMNS)
    assert all("--add-columns" in v.message for v in refused.value.violations)

    baseline(db, add_columns=True)

    with db.transaction() as conn:
        rows = conn.execute(
            text("SELECT version_number, is_latest, lifecycle_state, origin_type FROM artifacts")
        ).all()
    assert set(rows) == {(1, 1, "active", "internal")}  # 0001's defaults for every row
    migration_runner.migrate(db)
    assert backfill(db).backfilled == 8
    with (
        db.transaction(write=True) as conn,
        pytest.raises(IntegrityError, match="ck_artifacts_is_latest"),
    ):
        conn.exec_driver_sql("UPDATE artifacts SET is_latest = 7")  # the added column's check


def test_add_columns_leaves_nothing_changed_when_the_table_is_still_refused(db: Database) -> None:
    timestamp = "TIMESTAMP" if db.dialect == "postgresql" else "DATETIME"
    _platform_table(db, leave_out=LINEAGE_COLUMNS, types={"created_at": timestamp})
    with pytest.raises(ValidationError) as refused:
        baseline(db, add_columns=True)
    assert [v.path for v in refused.value.violations] == ["artifacts.created_at"]
    with db.transaction() as conn:
        columns = {column["name"] for column in inspect(conn).get_columns("artifacts")}
    assert not columns & set(LINEAGE_COLUMNS)  # the added columns were rolled back


def test_a_column_add_columns_cannot_add_is_refused_saying_why(db: Database) -> None:
    _platform_table(db, leave_out=("title", "created_at", "version_number"))
    one_row = "INSERT INTO artifacts (id, artifact_type, metadata) VALUES ('m1', 'model', '{}')"
    with db.transaction(write=True) as conn:
        conn.execute(text(one_row))
    with pytest.raises(ValidationError) as refused:
        baseline(db, add_columns=True)
    found = {v.path.removeprefix("artifacts."): v.message for v in refused.value.violations}
    cannot = "is missing, and --add-columns cannot add it: "
    assert found["title"] == (
        f"{cannot}0001 makes it NOT NULL with no default, and the rows here would have no "
        "value; add it with a value for each row"
    )
    if db.dialect == "sqlite":
        assert found["created_at"].startswith(f"{cannot}SQLite adds no column whose default")
        assert set(found) == {"title", "created_at"}  # version_number: added with its default
    else:
        assert set(found) == {"title"}
    with db.transaction() as conn:  # nothing was added
        columns = {column["name"] for column in inspect(conn).get_columns("artifacts")}
    assert "version_number" not in columns


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_every_column_of_0001_is_read_whole_from_its_file(dialect: str) -> None:
    catalog = migration_runner.load_migrations(dialect)[0]
    definitions = column_definitions(catalog)
    assert list(definitions) == [column.name for column in ARTIFACT_COLUMNS_OF_0001]
    assert definitions["is_latest"] == (
        "is_latest INTEGER NOT NULL DEFAULT 1 "
        "CONSTRAINT ck_artifacts_is_latest CHECK (is_latest IN (0, 1))"
    )
    assert not any("parent_not_self" in d for d in definitions.values())  # the table's own


def test_json_metadata_is_refused_with_the_lossless_change(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no JSON column type")
    _platform_table(db, types={"metadata": "JSONB"})
    with pytest.raises(ValidationError) as refused:
        baseline(db)
    [problem] = refused.value.violations
    assert problem.path == "artifacts.metadata"
    assert "ALTER COLUMN metadata TYPE text keeps every value" in problem.message


def test_a_column_too_short_for_what_the_registry_writes_is_refused(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite keeps text of any length whatever VARCHAR(n) says")
    _platform_table(db, types={"id": "VARCHAR(36)", "metadata": "VARCHAR(4000)", "title": "UUID"})
    with pytest.raises(ValidationError) as refused:
        baseline(db)
    found = {v.path: v.message for v in refused.value.violations}
    assert found["artifacts.id"].endswith("the registry writes up to 200 characters here")
    assert found["artifacts.metadata"].endswith("the registry writes text of any length here")
    assert "TYPE text keeps every value" in found["artifacts.title"]


def _drop_schema(db: Database, name: str) -> None:
    with db.transaction(write=True) as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))


def test_text_postgresql_would_pad_or_cut_is_refused_with_the_change_that_fixes_it(
    db: Database, request: pytest.FixtureRequest
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite's CHAR(n) is text of any length, never padded")
    # The longest name PostgreSQL keeps, shown twice as long, for a schema off the search
    # path and a domain in it: the type's name alone is 258 characters.
    quotes = '"' + '"' * 126 + '"'
    request.addfinalizer(lambda: _drop_schema(db, quotes))
    with db.transaction(write=True) as conn:
        for statement in (
            "CREATE DOMAIN short_code AS char(20)",
            "CREATE DOMAIN code_again AS short_code",
            f"CREATE SCHEMA {quotes}",
            f"CREATE DOMAIN {quotes}.{quotes} AS character(10)",
            "CREATE DOMAIN plain_text AS text CHECK (VALUE <> '')",
            "CREATE DOMAIN tiny AS varchar(10)",
            "CREATE DOMAIN json_doc AS jsonb",
            "CREATE TYPE lifecycle AS ENUM ('active', 'deprecated', 'archived')",
        ):
            conn.execute(text(statement))
    unfit = {
        "artifact_type": "CHAR(64)",
        "title": "name",  # cut to 63 bytes
        "description": '"char"',  # one byte
        "created_by": "bpchar",  # blank-padded, no length
        "origin_type": "code_again",  # a domain over a domain over char(20)
        "superseded_by": "NCHAR(300)",
        "parent_version_id": f"{quotes}.{quotes}",
        "lineage_id": "tiny",  # a domain over a VARCHAR too short for an id
        "lifecycle_state": "lifecycle",  # an enum without the registry's states
        "metadata": "json_doc",
    }
    accepted = {"origin_url": "plain_text", "changelog": "varchar", "version_tag": "text"}
    _platform_table(db, types={**unfit, **accepted})
    with pytest.raises(ValidationError) as refused:
        baseline(db)
    found = {v.path.removeprefix("artifacts."): v.message for v in refused.value.violations}
    assert set(found) == set(unfit)  # a domain over text is text

    def change(column: str) -> str:
        return f"ALTER TABLE artifacts ALTER COLUMN {column} TYPE text"

    padded = "PostgreSQL pads it with blanks, read back as text"
    assert (
        found["artifact_type"]
        == f"is character(64): {padded}; {change('artifact_type')} drops them"
    )
    assert found["created_by"] == f"is bpchar: {padded}; {change('created_by')} drops them"
    assert found["origin_type"].startswith(f"is code_again (a domain over character(20)): {padded}")
    assert found["title"] == f"is name: PostgreSQL cuts it to 63 bytes; {change('title')}"
    assert (
        found["description"]
        == f'is "char": PostgreSQL keeps one byte of it; {change("description")}'
    )
    assert found["lifecycle_state"] == (
        "is lifecycle, an enum: the registry writes values of its own here; "
        + change("lifecycle_state")
    )
    assert found["metadata"] == (
        "is json_doc (a domain over jsonb); the registry reads and writes it as text "
        f"({change('metadata')} keeps every value)"
    )
    assert found["lineage_id"] == (
        "is tiny (a domain over character varying(10)); "
        "the registry writes up to 200 characters here"
    )
    # The longest name PostgreSQL keeps still leaves the change whole (messages are capped).
    assert found["parent_version_id"].endswith(f"{change('parent_version_id')} drops them")
    assert _recorded(db) == []

    with db.transaction(write=True) as conn:  # the changes the messages give
        for column in unfit:
            conn.execute(text(change(column)))
    load_legacy(db)
    baseline(db)
    migration_runner.migrate(db)
    assert backfill(db).backfilled == 8
    with db.transaction() as conn:
        padded_rows = (
            "SELECT count(*) FROM artifacts WHERE artifact_type LIKE '% ' OR title LIKE '% '"
        )
        assert conn.execute(text(padded_rows)).scalar() == 0


def test_a_column_not_of_its_family_is_named_as_the_table_declares_it(db: Database) -> None:
    """SQLite changes a column's type only by rebuilding its table: no ALTER is suggested."""
    integer_domain = ""
    if db.dialect == "postgresql":
        with db.transaction(write=True) as conn:
            conn.execute(text("CREATE DOMAIN fractional AS double precision"))
        integer_domain = "fractional"
    types = {"metadata": "JSON", "is_latest": "REAL"}
    if integer_domain:
        types["version_number"] = integer_domain
    _platform_table(db, types=types)
    with pytest.raises(ValidationError) as refused:
        baseline(db)
    found = {v.path.removeprefix("artifacts."): v.message for v in refused.value.violations}
    if db.dialect == "sqlite":
        assert found == {
            "metadata": "is JSON; the registry reads and writes it as text",
            "is_latest": "is REAL; the registry reads and writes it as an integer",
        }
    else:
        assert found["version_number"] == (
            "is fractional (a domain over double precision); "
            "the registry reads and writes it as an integer"
        )
        assert found["is_latest"] == "is real; the registry reads and writes it as an integer"
        assert found["metadata"].endswith(
            "(ALTER TABLE artifacts ALTER COLUMN metadata TYPE text keeps every value)"
        )
