"""Invariants the database keeps itself, against raw SQL as from a shell.

At most one promoted version per line is a partial unique index; an artifact
with history cannot be deleted, on SQLite even with foreign keys off.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from atlas_registry import ConstraintViolationError, ModelRegistration, Registry
from tests.payloads import logistic_regression

NOW = "2026-01-01 00:00:00"


def _version(registry: Registry, line: str = "inv") -> str:
    registration = ModelRegistration(title="m", line=line, metadata=logistic_regression())
    return registry.register_model(registration).id


def _promote(registry: Registry, model: str) -> None:
    registry.promote(model, actor="me", notes="pilot", override=True)


def _states(registry: Registry) -> dict[str, str]:
    with registry.database.transaction() as conn:
        rows = conn.execute(text("SELECT artifact_id, promotion_state FROM model_versions"))
        return {row[0]: row[1] for row in rows}


def test_a_raw_second_promotion_in_a_line_is_refused(registry: Registry) -> None:
    first, second = _version(registry), _version(registry)
    other_line = _version(registry, "other")
    _promote(registry, first)
    _promote(registry, other_line)  # another line's promoted version is no conflict
    with (
        pytest.raises(ConstraintViolationError, match=r"line_id|uq_model_versions_one_promoted"),
        registry.database.transaction(write=True) as conn,
    ):
        conn.execute(
            text("UPDATE model_versions SET promotion_state = 'promoted' WHERE artifact_id = :id"),
            {"id": second},
        )
    assert _states(registry)[second] == "candidate"


def test_a_version_cannot_be_moved_to_another_line(registry: Registry) -> None:
    first, other = _version(registry), _version(registry, "other")
    with registry.database.transaction() as conn:
        rows = conn.execute(text("SELECT artifact_id, line_id FROM model_versions"))
        lines = {row[0]: row[1] for row in rows}
    assert lines == {first: first, other: other}  # set by the database on insert
    _promote(registry, first)
    _promote(registry, other)
    with (
        pytest.raises(ConstraintViolationError, match="line_id"),
        registry.database.transaction(write=True) as conn,
    ):
        conn.execute(text("UPDATE model_versions SET line_id = :line"), {"line": first})


def test_promotion_and_rollback_move_the_promoted_version_in_any_row_order(
    registry: Registry,
) -> None:
    """A rollback promotes an older version as it demotes the newer, in one transition.

    Its UPDATE meets the older row first (ids grow with time); the index, checked
    row by row on SQLite, would refuse it were the demotion not written first.
    """
    versions = [_version(registry) for _ in range(3)]
    for model in versions:
        _promote(registry, model)
    assert [_states(registry)[m] for m in versions] == ["superseded", "superseded", "promoted"]
    registry.rollback("inv", actor="me", notes="back", override=True)
    promoted = [m for m, state in _states(registry).items() if state == "promoted"]
    assert promoted == [versions[1]]


def test_an_artifact_with_history_cannot_be_deleted(registry: Registry) -> None:
    model = _version(registry)
    _promote(registry, model)
    with (
        pytest.raises(ConstraintViolationError, match="an artifact with history"),
        registry.database.transaction(write=True) as conn,
    ):
        conn.execute(text("DELETE FROM artifacts WHERE id = :id"), {"id": model})


@pytest.mark.parametrize(
    "history",
    [
        "INSERT INTO model_promotion_events (artifact_id, from_state, to_state, actor, "
        f"override, created_at) VALUES (:id, 'candidate', 'rejected', 'a', 0, '{NOW}')",
        "INSERT INTO code_pin_checks (artifact_id, checked_at, pin_kind, status, detail, "
        f"checked_by) VALUES (:id, '{NOW}', 'code', 'missing', 'no pin', 'a')",
        "INSERT INTO code_pin_changes (artifact_id, changed_at, new_repo_url, new_commit_sha, "
        f"changed_by) VALUES (:id, '{NOW}', 'https://example.org/r.git', 'abcdef1', 'a')",
    ],
    ids=["promotion_events", "pin_checks", "pin_changes"],
)
def test_an_artifact_with_history_survives_a_shell_with_foreign_keys_off(
    registry: Registry, history: str
) -> None:
    file = registry.database.sqlite_file
    if file is None:
        pytest.skip("PostgreSQL enforces its foreign keys in every session")
    model = _version(registry)
    with registry.database.transaction(write=True) as conn:
        conn.execute(text(history), {"id": model})
    shell = sqlite3.connect(file)
    try:
        shell.execute("PRAGMA foreign_keys = OFF")
        with pytest.raises(sqlite3.IntegrityError, match="an artifact with history"):
            shell.execute("DELETE FROM artifacts WHERE id = ?", (model,))
    finally:
        shell.close()
    with registry.database.transaction() as conn:
        found = conn.execute(text("SELECT count(*) FROM artifacts WHERE id = :id"), {"id": model})
        assert found.scalar_one() == 1


def _promoted_per_line(registry: Registry) -> dict[str, int]:
    with registry.database.transaction() as conn:
        rows = conn.execute(
            text(
                "SELECT COALESCE(a.lineage_id, a.id), count(*) FROM model_versions v "
                "JOIN artifacts a ON a.id = v.artifact_id "
                "WHERE v.promotion_state = 'promoted' GROUP BY COALESCE(a.lineage_id, a.id)"
            )
        )
        return {row[0]: row[1] for row in rows}


@pytest.mark.parametrize("column", ["lineage_id", "id"])
def test_a_versions_artifact_cannot_be_moved_to_another_line(
    registry: Registry, column: str
) -> None:
    """Moving the artifact, not the version row, was the way round 0019's index."""
    root = _version(registry)
    _promote(registry, root)
    moved = _version(registry, "other")
    _promote(registry, moved)
    with (
        pytest.raises(ConstraintViolationError, match=r"line_id"),
        registry.database.transaction(write=True) as conn,
    ):
        conn.execute(
            text(f"UPDATE artifacts SET {column} = :root, version_number = 99 WHERE id = :id"),
            {"root": root, "id": moved},
        )
    assert _promoted_per_line(registry) == {root: 1, moved: 1}


def test_an_artifact_without_a_version_may_still_be_relinked(registry: Registry) -> None:
    """Only a model version's line is fixed: a catalog row with no version is the platform's."""
    root = _version(registry)
    with registry.database.transaction(write=True) as conn:
        conn.execute(
            text(
                "INSERT INTO artifacts (id, artifact_type, title, is_latest, version_number) "
                "VALUES ('plain', 'dataset', 'p', 0, 2)"
            )
        )
        conn.execute(
            text("UPDATE artifacts SET lineage_id = :root WHERE id = 'plain'"), {"root": root}
        )
        found = conn.execute(text("SELECT lineage_id FROM artifacts WHERE id = 'plain'"))
        assert found.scalar_one() == root
