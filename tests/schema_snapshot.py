"""A dialect-neutral description of a database's schema, for comparing the two dialects.

Run ``python -m tests.schema_snapshot sqlite:///x.db`` on a freshly migrated database
to regenerate ``tests/snapshots/schema.json`` after adding a migration.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, inspect, text

from atlas_registry.store.db import Database

SNAPSHOT = Path(__file__).parent / "snapshots" / "schema.json"


def _normalise_index(sql: str) -> str:
    sql = sql.lower().replace("public.", "").replace("using btree", "")
    sql = re.sub(r"\bcreate\s+(unique\s+)?index\s+\S+\s+on\s+\S+", "", sql)
    sql = sql.replace("::text", "")  # PostgreSQL's cast of a literal in a partial index's WHERE
    return re.sub(r"[\s()\"]", "", sql)


def _indexes(db: Database) -> dict[str, dict[str, Any]]:
    if db.dialect == "sqlite":
        query = (
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    else:
        query = (
            "SELECT indexname, tablename, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')"
        )
    with db.transaction() as conn:
        rows = conn.execute(text(query)).all()
    return {
        name: {
            "table": table,
            "unique": " unique index " in f" {sql.lower()} ",
            "definition": _normalise_index(sql),
        }
        for name, table, sql in rows
    }


def _foreign_keys(db: Database, conn: Connection, table: str) -> list[list[Any]]:
    """(column, referred table, referred column, ON DELETE) per foreign key.

    Read from SQLite's pragma because SQLAlchemy's SQLite reflection drops the
    ON DELETE action of a named column constraint.
    """
    if db.dialect == "sqlite":
        rows = conn.exec_driver_sql(f"PRAGMA foreign_key_list({table})").all()
        return sorted([[r[3]], r[2], [r[4]], r[6].upper()] for r in rows)
    return sorted(
        [
            fk["constrained_columns"],
            fk["referred_table"],
            fk["referred_columns"],
            (fk.get("options") or {}).get("ondelete", "NO ACTION").upper(),
        ]
        for fk in inspect(conn).get_foreign_keys(table)
    )


def _type_name(column_type: Any) -> str:
    name = str(column_type).upper()
    aliases = {"VARCHAR": "TEXT", "DOUBLE PRECISION": "REAL", "FLOAT": "REAL", "DOUBLE": "REAL"}
    return aliases.get(name, name)


def snapshot(db: Database) -> dict[str, Any]:
    """Tables with columns (type, nullability, whether a default exists), keys, checks, indexes."""
    tables: dict[str, Any] = {}
    with db.transaction() as conn:
        inspector = inspect(conn)
        for table in sorted(inspector.get_table_names()):
            tables[table] = {
                "columns": {
                    c["name"]: {
                        "type": _type_name(c["type"]),
                        "nullable": bool(c["nullable"]),
                        "has_default": c.get("default") is not None,
                    }
                    for c in inspector.get_columns(table)
                },
                "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                "foreign_keys": _foreign_keys(db, conn, table),
                "checks": sorted(str(c["name"]) for c in inspector.get_check_constraints(table)),
            }
    for name, index in _indexes(db).items():
        tables[index["table"]].setdefault("indexes", {})[name] = {
            "unique": index["unique"],
            "definition": index["definition"],
        }
    return tables


def bookkeeping_free(snap: dict[str, Any]) -> dict[str, Any]:
    return {name: spec for name, spec in snap.items() if name != "schema_migrations"}


if __name__ == "__main__":
    database = Database(sys.argv[1])
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(json.dumps(snapshot(database), indent=2, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")
