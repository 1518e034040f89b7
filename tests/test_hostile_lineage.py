"""Lineage is a tree, always: no writer closes a cycle, and no answer repeats a node."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from atlas_registry import ValidationError
from atlas_registry.catalog import lineage
from atlas_registry.catalog.facts import closes_cycle
from atlas_registry.store.db import Database
from tests.catalog_helpers import register
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression


def _fine_tune(db: Database, base: str, artifact_id: str) -> str:
    metadata = {**logistic_regression(), "base_model_id": base}
    return register(db, metadata, artifact_id=artifact_id).id


def _chain(db: Database, length: int) -> list[str]:
    ids = [register(db, artifact_id="chain-0").id]
    for index in range(1, length):
        ids.append(_fine_tune(db, ids[-1], f"chain-{index}"))
    return ids


def test_a_stored_cycle_is_listed_once_per_model(migrated_db: Database) -> None:
    """Data written before cycles were refused still gives a finite, repeat-free answer."""
    a, b = _chain(migrated_db, 2)
    with migrated_db.transaction(write=True) as conn:  # close the loop behind the writer's back
        conn.execute(
            text("UPDATE model_versions SET base_model_id = :b WHERE artifact_id = :a"),
            {"a": a, "b": b},
        )
    result = lineage.lineage(migrated_db, a)
    assert [e.id for e in result.ancestors] == [b, a]
    assert [e.id for e in result.descendants] == [b, a]
    assert len({e.id for e in result.ancestors}) == len(result.ancestors)


def test_the_writer_refuses_a_model_that_would_be_its_own_ancestor(migrated_db: Database) -> None:
    a, b = _chain(migrated_db, 2)
    with migrated_db.session() as session:
        assert closes_cycle(session, a, b, {})
        assert not closes_cycle(session, b, a, {})
        assert closes_cycle(session, "new", "x", {"x": "new"})


def test_a_chain_past_the_depth_limit_says_so(
    migrated_db: Database, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    ids = _chain(migrated_db, 6)
    monkeypatch.setattr(lineage, "MAX_LINEAGE_DEPTH", 3)
    result = lineage.lineage(migrated_db, ids[-1])
    assert [e.depth for e in result.ancestors] == [1, 2, 3]
    assert result.truncated
    assert result.depth_limit == 3
    whole = lineage.lineage(migrated_db, ids[2])
    assert not whole.truncated
    code, out, _ = invoke("lineage", ids[-1], "--db", db_url, "--json")
    assert code == 0
    assert json.loads(out)["truncated"] is True
    assert json.loads(out)["depth_limit"] == 3
    code, out, _ = invoke("lineage", ids[-1], "--db", db_url)
    assert "goes on past 3 levels" in out


def test_a_model_cannot_be_its_own_base(migrated_db: Database) -> None:
    metadata = {**logistic_regression(), "base_model_id": "model-self"}
    with pytest.raises(ValidationError, match="must not be the model itself"):
        register(migrated_db, metadata, artifact_id="model-self")
