"""Shared set-up for catalog tests: reference artifacts and row counting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from atlas_registry.catalog import registrar
from atlas_registry.records import ModelRecord, ModelRegistration
from atlas_registry.store.db import Database
from tests.payloads import logistic_regression


def add_artifact(db: Database, artifact_id: str, artifact_type: str) -> None:
    with db.transaction(write=True) as conn:
        conn.execute(
            text("INSERT INTO artifacts (id, artifact_type, title) VALUES (:id, :type, :id)"),
            {"id": artifact_id, "type": artifact_type},
        )


def register(db: Database, metadata: dict[str, Any] | None = None, **fields: Any) -> ModelRecord:
    fields.setdefault("title", "a model")
    registration = ModelRegistration(metadata=metadata or logistic_regression(), **fields)
    return registrar.register_model(db, registration)


def table_contents(db: Database) -> dict[str, list[Any]]:
    """Every row of the catalog tables, to prove a failed write changed nothing."""
    with db.transaction() as conn:
        return {
            name: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {name} ORDER BY 1"))]
            for name in ("artifacts", "model_versions")
        }


def sqlite_plan(db: Database, statement: Any, values: dict[str, Any] | Sequence[Any]) -> str:
    """SQLite's EXPLAIN QUERY PLAN for a statement with the given bound values.

    ``statement`` is a Core statement (``values`` by name) or the write path's
    plain SQL with ``?`` marks (``values`` in order).
    """
    with db.transaction() as conn:
        if isinstance(statement, str):
            sql, ordered = statement, tuple(values)
        else:
            assert isinstance(values, dict)
            # A LIMIT written into the text (queries.inline_count) is rendered here.
            expanded = statement.compile(conn).construct_expanded_state(values)
            sql = expanded.statement
            ordered = tuple(expanded.parameters[name] for name in expanded.positiontup or [])
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", ordered)
        return " | ".join(str(row[-1]) for row in rows)
