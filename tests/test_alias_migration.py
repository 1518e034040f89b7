"""Migration 0022 (aliases) down and up again loses nothing, on both databases.

Below 0022 every alias and every recorded move would go: ``migrate down`` is
refused naming both tables unless told to drop them; without aliases the
path down and up again leaves every other fact as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry import MigrationError, Registry
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database
from tests.cli_helpers import invoke
from tests.test_aliases import line_of
from tests.test_backup import empty_target  # noqa: F401  (the fixture)


def _below(db: Database) -> int:
    """The migration before 0022, whichever number it has."""
    return max(m.number for m in migration_runner.load_migrations(db.dialect) if m.number < 22)


def _facts(db: Database) -> dict[str, list[Any]]:
    with db.transaction() as conn:
        return {
            table: [tuple(row) for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
            for table in ("artifacts", "model_versions", "model_lines", "model_promotion_events")
        }


def test_a_down_path_that_would_drop_aliases_is_refused_naming_them(migrated_url: str) -> None:
    with Registry.open(migrated_url) as registry:
        line_of(registry, versions=2)
        registry.set_alias("ad-risk", "champion", to_version=1, actor="ada")
        registry.set_alias("ad-risk", "champion", to_version=2, actor="ada")
        database = registry.database
        head = migration_runner.current_version(database)
        with pytest.raises(MigrationError) as refused:
            migration_runner.downgrade(database, to=_below(database))
        message = refused.value.message
        assert "model_alias_moves (2 rows, by 0022_model_aliases.down.sql)" in message
        assert "model_aliases (1 row, by 0022_model_aliases.down.sql)" in message
        assert "Nothing was reverted" in message
        assert migration_runner.current_version(database) == head
        assert registry.get_model("ad-risk@champion").version_number == 2


def test_down_and_up_again_loses_nothing(db: Database, migrated_url: str) -> None:
    with Registry.open(migrated_url) as registry:
        line_of(registry, versions=2)
        registry.promote("ad-risk@1", actor="ada")
        registry.promote("ad-risk@2", actor="ada")
    before = _facts(db)
    # No alias: nothing to consent to but the event log, which 0026 rebuilds on the way up.
    reverted = migration_runner.downgrade(db, to=_below(db), discard=["registry_events"])
    assert "0022_model_aliases" in [m.label for m in reverted]
    migration_runner.migrate(db)
    assert _facts(db) == before
    with Registry.open(migrated_url) as registry:
        registry.set_alias("ad-risk", "champion", to_version=2, actor="ada")
        assert registry.named_at("ad-risk@champion", "2100-01-01T00:00Z").version == "ad-risk@2"


def test_consenting_to_drop_the_aliases_lets_the_path_down_and_up_through(
    db: Database, migrated_url: str
) -> None:
    with Registry.open(migrated_url) as registry:
        line_of(registry, versions=1)
        registry.set_alias("ad-risk", "champion", to_version=1, actor="ada")
    before = _facts(db)
    migration_runner.downgrade(
        db, to=_below(db), discard=["model_alias_moves", "model_aliases", "registry_events"]
    )
    migration_runner.migrate(db)
    assert _facts(db) == before
    with Registry.open(migrated_url) as registry:
        assert registry.aliases("ad-risk") == []


def test_a_backup_restores_the_aliases_and_their_moves(
    registry: Registry,
    db_url: str,
    empty_target: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Restored with the database's triggers in place: every alias names a version of its line."""
    ids = line_of(registry, versions=2)
    registry.set_alias("ad-risk", "champion", to_version=1, actor="ops")
    registry.set_alias("ad-risk", "champion", to_version=2, actor="ops", notes="v2 won")
    file = tmp_path / "registry.backup"
    code, _, err = invoke("backup", "--to", str(file), "--db", db_url)
    assert code == 0, err
    code, _, err = invoke("restore", "--from", str(file), "--db", empty_target)
    assert code == 0, err
    with Registry.open(empty_target) as back:
        assert back.get_model("ad-risk@champion").id == ids[1]
        assert [m.notes for m in back.alias_history("ad-risk")] == [None, "v2 won"]
        back.set_alias("ad-risk", "champion", to_version=1, actor="ops")  # its ids go on
        assert len(back.alias_history("ad-risk", "champion")) == 3
