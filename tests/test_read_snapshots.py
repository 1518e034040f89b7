"""A read of several statements sees the registry as of one moment, on both databases.

A lineage is four statements. Under PostgreSQL's default (READ COMMITTED) each
statement saw whatever had committed by then, so a version registered between
two of them could show in one part of the answer and not in another. SQLite
gives every transaction one snapshot; reads on PostgreSQL now do the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event

from atlas_registry import ModelRegistration, Registry
from tests.payloads import logistic_regression


def _register(registry: Registry, **fields: Any) -> str:
    registration = ModelRegistration(title="snapshot", metadata=logistic_regression(), **fields)
    return registry.register_model(registration).id


def _after_first_statement(registry: Registry, write: Callable[[], object]) -> list[str]:
    """Run ``write`` (on another connection) before the next read's first SQLAlchemy statement.

    The reads below fetch the model first, on the driver's own cursor, which
    SQLAlchemy does not see: the write lands after that first statement. (If
    it landed before, every statement would see it and the tests would fail.)
    """
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):  # SQLite's, sent by a hook: no read yet
            return
        statements.append(statement)
        if len(statements) == 1:
            write()

    event.listen(registry.database.engine, "before_cursor_execute", before)
    return statements


def test_a_lineage_is_one_moment_of_the_line(registry: Registry) -> None:
    first = _register(registry, line="snapshot-line")
    statements = _after_first_statement(
        registry, lambda: _register(registry, parent_version_id=first)
    )
    seen = registry.lineage(first)
    assert statements  # the write ran
    assert [v.version_number for v in seen.versions] == [1]
    assert [v.version_number for v in registry.lineage(first).versions] == [1, 2]


def test_a_history_is_one_moment_of_the_model(registry: Registry) -> None:
    model = _register(registry)
    _after_first_statement(
        registry, lambda: registry.promote(model, actor="lead", override=True, notes="test")
    )
    assert registry.history(model) == []
    assert [e.to_state for e in registry.history(model)] == ["promoted"]
