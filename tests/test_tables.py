"""The Core table descriptions name exactly the columns the migrations build."""

from __future__ import annotations

from sqlalchemy import inspect

from atlas_registry.store.db import Database
from atlas_registry.store.tables import metadata


def test_table_objects_match_the_migrated_schema(migrated_db: Database) -> None:
    with migrated_db.transaction() as conn:
        inspector = inspect(conn)
        for table in metadata.sorted_tables:
            migrated = {c["name"]: bool(c["nullable"]) for c in inspector.get_columns(table.name)}
            described = {c.name: bool(c.nullable) and not c.primary_key for c in table.columns}
            assert described == migrated, table.name
