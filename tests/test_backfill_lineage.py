"""The backfill takes a legacy model's version links only where a model line can hold them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update

from atlas_registry.backfill.legacy_fixture import load_legacy, read_fixture
from atlas_registry.backfill.report import write_report
from atlas_registry.backfill.runner import ACTOR, SETTLED_NOTES, backfill
from atlas_registry.catalog.line_listing import list_lines
from atlas_registry.review.queue import list_reviews
from atlas_registry.review.resolution import resolve
from atlas_registry.store import migration_runner
from atlas_registry.store.db import Database
from atlas_registry.store.tables import artifacts

IN_USE = read_fixture()[0]  # a legacy model that adopts cleanly


def _platform(db: Database, tmp_path: Path, rows: list[dict[str, Any]]) -> Database:
    """A platform database holding ``rows`` as they were before the registry, migrated."""
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps({"artifacts": rows}))
    migration_runner.migrate(db, to=1)
    load_legacy(db, str(path))
    migration_runner.migrate(db)
    return db


def _model(artifact_id: str, title: str, **links: Any) -> dict[str, Any]:
    return {**IN_USE, "id": artifact_id, "title": title, **links}


def _facts(db: Database) -> dict[str, tuple[str, int, str | None]]:
    with db.transaction() as conn:
        rows = conn.execute(
            text(
                "SELECT a.id, a.version_number, a.lineage_id FROM artifacts a "
                "JOIN model_versions v ON v.artifact_id = a.id"
            )
        )
        return {r.id: (r.id, r.version_number, r.lineage_id) for r in rows}


def test_a_model_linked_to_a_dataset_is_held_not_made_a_line_of_a_dataset(
    db: Database, tmp_path: Path
) -> None:
    dataset = {"id": "d1", "artifact_type": "dataset", "title": "Cohort", "metadata": "{}"}
    child = _model("m-child", "Child model", parent_version_id="d1", lineage_id="d1")
    _platform(db, tmp_path, [{**dataset, "is_latest": 0}, {**child, "version_number": 2}])

    result = backfill(db)

    assert (result.backfilled, result.held_blocking) == (0, 1)
    assert _facts(db) == {}
    [item] = list_reviews(db)
    assert item.blocking
    assert [r["field"] for r in item.reasons] == ["parent_version_id", "lineage_id"]
    assert all("d1, a dataset artifact" in r["reason"] for r in item.reasons)
    assert list_lines(db) == []

    # Corrected at the source, the next run adopts it and closes the item.
    with db.transaction(write=True) as conn:
        conn.execute(
            update(artifacts)
            .where(artifacts.c.id == "m-child")
            .values(parent_version_id=None, lineage_id=None, version_number=1, is_latest=1)
        )
    assert backfill(db).backfilled == 1
    assert list_reviews(db) == []
    [closed] = list_reviews(db, status="resolved")
    assert (closed.artifact_id, closed.resolved_by) == ("m-child", ACTOR)
    assert [line.name for line in list_lines(db)] == ["child-model"]
    # The report tells the story: a blocking hold, settled, and by whom.
    report = write_report(db, tmp_path / "report.md").read_text("utf-8")
    assert "| `m-child` | Child model | backfilled, after review |" in report
    assert "- `parent_version_id` (blocking, resolved): the catalog row links" in report
    assert f"Resolved by `{ACTOR}`: {SETTLED_NOTES}." in report


@pytest.mark.parametrize("order", ["parents first", "children first"])
def test_a_legacy_line_of_models_is_adopted_as_one_line(
    db: Database, tmp_path: Path, order: str
) -> None:
    rows = [
        _model("m-a1", "Line model", is_latest=0),
        _model(
            "m-a2", "Line model v2", parent_version_id="m-a1", lineage_id="m-a1", version_number=2
        ),
    ]
    _platform(db, tmp_path, rows if order == "parents first" else rows[::-1])

    assert backfill(db).backfilled == 2
    assert _facts(db) == {"m-a1": ("m-a1", 1, None), "m-a2": ("m-a2", 2, "m-a1")}
    [line] = list_lines(db)
    assert (line.name, line.versions) == ("line-model", 2)


@pytest.mark.parametrize("chunk_size", [500, 1])
@pytest.mark.parametrize(("old_id", "new_id"), [("m-b", "m-a"), ("m-a", "m-b")])
def test_a_stale_in_use_status_never_promotes_an_older_version_over_a_newer(
    db: Database, tmp_path: Path, chunk_size: int, old_id: str, new_id: str
) -> None:
    # Both versions still say "production": the platform replaced v1 without
    # updating its metadata. Whatever order the ids (and chunks) put them in,
    # the line ends with v2 promoted.
    rows = [
        _model(old_id, "Line", is_latest=0, lifecycle_state="superseded", superseded_by=new_id),
        _model(new_id, "Line v2", parent_version_id=old_id, lineage_id=old_id, version_number=2),
    ]
    _platform(db, tmp_path, rows)

    backfill(db, chunk_size=chunk_size)

    [line] = list_lines(db)
    assert (line.promoted_id, line.promoted_version) == (new_id, 2)
    with db.transaction() as conn:
        old_state = conn.execute(
            text("SELECT promotion_state FROM model_versions WHERE artifact_id = :id"),
            {"id": old_id},
        ).scalar_one()
    # Promoted first in an earlier chunk, it was superseded; otherwise it was
    # left a candidate, with a note saying why.
    assert old_state in {"candidate", "superseded"}
    if old_state == "candidate":
        [item] = list_reviews(db)
        assert (item.artifact_id, item.blocking) == (old_id, False)
        assert (
            f"version 2 of its line ({new_id}) is newer and promoted" in item.reasons[0]["reason"]
        )


def test_resolving_an_older_in_use_version_leaves_the_newer_promoted(
    db: Database, tmp_path: Path
) -> None:
    blocked = json.loads(IN_USE["metadata"])
    del blocked["n_parameters"]  # held: the parameter count is required
    rows = [
        _model("m-old", "Line", metadata=json.dumps(blocked), is_latest=0),
        _model("m-new", "Line v2", parent_version_id="m-old", lineage_id="m-old", version_number=2),
    ]
    _platform(db, tmp_path, rows)
    backfill(db)

    item = resolve(db, "m-old", ["parameter_count=3200"], actor="curator", notes="counted")

    [line] = list_lines(db)
    assert (line.promoted_id, line.promoted_version) == ("m-new", 2)
    assert (item.status, item.resolved_by) == ("resolved", "curator")
    notes = item.resolution_notes or ""
    assert notes.startswith("counted; in use before the registry")
    assert "version 2 of its line (m-new) is newer and promoted" in notes
