"""Loading a platform's legacy catalog rows: every column kept, nothing dropped unsaid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from atlas_registry.backfill.legacy_fixture import insertion_order, load_legacy
from atlas_registry.errors import ValidationError
from atlas_registry.store.db import Database
from atlas_registry.store.migration_runner import migrate
from atlas_registry.store.tables import ARTIFACT_COLUMNS_OF_0001, artifacts


def _file(tmp_path: Path, rows: list[dict[str, Any]]) -> str:
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps({"artifacts": rows}))
    return str(path)


def _row(artifact_id: str, **columns: Any) -> dict[str, Any]:
    return {
        "id": artifact_id,
        "artifact_type": "model",
        "title": artifact_id,
        "metadata": "{}",
    } | columns


@pytest.fixture
def catalog(db: Database) -> Database:
    migrate(db, to=1)
    return db


def test_a_platform_line_keeps_its_versions_parents_and_supersession(
    catalog: Database, tmp_path: Path
) -> None:
    # The child comes first in the file, and the old version names the new one
    # as its replacement: both directions of the foreign keys hold as loaded. The
    # latest flag may be a boolean, as a PostgreSQL export writes it.
    rows = [
        _row("m2", parent_version_id="m1", lineage_id="m1", version_number=2, version_tag="v2"),
        _row("m1", is_latest=False, lifecycle_state="superseded", superseded_by="m2"),
    ]
    result = load_legacy(catalog, _file(tmp_path, rows))
    assert result.inserted == ["m2", "m1"]
    with catalog.transaction() as conn:
        stored = {r.id: r for r in conn.execute(select(*ARTIFACT_COLUMNS_OF_0001))}
    assert stored["m2"].parent_version_id == stored["m2"].lineage_id == "m1"
    assert (stored["m2"].version_number, stored["m2"].version_tag) == (2, "v2")
    assert (stored["m1"].superseded_by, stored["m1"].is_latest) == ("m2", 0)


def test_a_key_that_is_not_a_column_is_refused_not_dropped(
    catalog: Database, tmp_path: Path
) -> None:
    rows = [_row("m1", tags=["prod"]), _row("m2", version_number="2", description=7)]
    with pytest.raises(ValidationError) as refused:
        load_legacy(catalog, _file(tmp_path, rows))
    found = {v.path: v.message for v in refused.value.violations}
    assert "not a catalog column" in found["artifacts[0].tags"]
    assert found["artifacts[1].version_number"] == "must be a whole number"
    assert found["artifacts[1].description"] == "must be text"
    with catalog.transaction() as conn:
        assert conn.execute(select(artifacts.c.id)).all() == []


def test_a_row_the_database_refuses_is_named_and_nothing_is_loaded(
    catalog: Database, tmp_path: Path
) -> None:
    rows = [_row("m1"), _row("m2", title="x" * 600), _row("m3")]
    with pytest.raises(ValidationError) as refused:
        load_legacy(catalog, _file(tmp_path, rows))
    [violation] = refused.value.violations
    assert violation.path == "artifacts[1]"
    assert "ck_artifacts_title" in violation.message
    with catalog.transaction() as conn:
        assert conn.execute(select(artifacts.c.id)).all() == []


def test_repeated_ids_and_circles_are_refused_with_their_rows(
    catalog: Database, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError) as repeated:
        load_legacy(catalog, _file(tmp_path, [_row("m1"), _row("m2"), _row("m1")]))
    assert [v.path for v in repeated.value.violations] == ["artifacts[2].id"]
    circle = [
        _row("a", parent_version_id="c"),
        _row("b", parent_version_id="a"),
        _row("c", lineage_id="b"),
    ]
    with pytest.raises(ValidationError) as circled:
        load_legacy(catalog, _file(tmp_path, circle))
    assert sorted(v.message for v in circled.value.violations) == ["a", "b", "c"]


def test_a_long_line_is_ordered_without_recursion() -> None:
    rows = [_row(f"m{n}", parent_version_id=f"m{n - 1}" if n else None) for n in range(20_000)]
    order = insertion_order(list(reversed(rows)))
    assert order == list(reversed(range(20_000)))


def test_metadata_exported_as_a_json_value_is_stored_as_its_text(
    catalog: Database, tmp_path: Path
) -> None:
    """An export of a JSONB column writes the metadata as an object, not as text."""
    exported = {"Framework": "sklearn", "metrics": [{"name": "auroc", "value": 0.8}]}
    rows = [_row("as-object", metadata=exported), _row("as-list", metadata=[1, 2])]
    load_legacy(catalog, _file(tmp_path, rows))
    with catalog.transaction() as conn:
        stored = dict(conn.execute(select(artifacts.c.id, artifacts.c.metadata)).all())
    assert json.loads(stored["as-object"]) == exported
    assert list(json.loads(stored["as-object"])) == ["Framework", "metrics"]  # order kept
    assert stored["as-list"] == "[1,2]"
    with pytest.raises(ValidationError) as refused:
        load_legacy(catalog, _file(tmp_path, [_row("as-number", metadata=5)]))
    [problem] = refused.value.violations
    assert problem.path == "artifacts[0].metadata"
    assert "a JSON object or list" in problem.message
