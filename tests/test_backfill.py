"""The legacy backfill on both dialects: outcome, losslessness, idempotency, atomicity."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry.backfill import runner
from atlas_registry.backfill.legacy_fixture import read_fixture
from atlas_registry.backfill.report import write_report
from atlas_registry.backfill.runner import backfill
from atlas_registry.catalog import registrar
from atlas_registry.errors import ValidationError
from atlas_registry.lifecycle import history, transitions
from atlas_registry.review.queue import list_reviews
from atlas_registry.review.resolution import resolve
from atlas_registry.store.db import Database
from tests.catalog_helpers import add_artifact

REPORT = Path(__file__).parents[1] / "docs" / "model_artifacts" / "migration_report_ws1.md"
ODES = {"model-56e6e50d-3f2a-4b8c-a1d7-0e9f8a7b6c52", "model-biophys-microglia-001"}
AMBIGUOUS = "model-45e16a37-9c8b-4d7e-b6f5-a4e3d2c1b0f9"
TABLES = (
    "artifacts",
    "model_versions",
    "model_metrics",
    "model_promotion_events",
    "model_legacy_metadata",
    "model_review_queue",
)


@pytest.fixture
def legacy_db(legacy_url: str, db: Database) -> Database:
    """A platform database before the registry: 0001 plus the legacy rows, then migrated."""
    return db


def add_legacy(db: Database, artifact_id: str, metadata: Any) -> str:
    text_value = metadata if isinstance(metadata, str) else json.dumps(metadata)
    with db.transaction(write=True) as conn:
        conn.execute(
            text(
                "INSERT INTO artifacts (id, artifact_type, title, metadata) "
                "VALUES (:id, 'model', :id, :m)"
            ),
            {"id": artifact_id, "m": text_value},
        )
    return text_value


def everything(db: Database) -> dict[str, list[Any]]:
    with db.transaction() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
            for t in TABLES
        }


def states(db: Database) -> dict[str, str]:
    with db.transaction() as conn:
        rows = conn.execute(text("SELECT artifact_id, promotion_state FROM model_versions"))
        return {r.artifact_id: r.promotion_state for r in rows}


def test_fixture_outcome(legacy_db: Database) -> None:
    result = backfill(legacy_db)
    fixture_ids = {row["id"] for row in read_fixture()}
    assert len(fixture_ids) == 8
    found = states(legacy_db)
    assert set(found) == fixture_ids
    assert "rejected" not in found.values()
    promoted = {i for i, s in found.items() if s == "promoted"}
    assert len(promoted) >= 6
    assert promoted | ODES == fixture_ids
    assert result.backfilled == 8
    for artifact_id in fixture_ids:
        record = registrar.get_model(legacy_db, artifact_id)
        assert record.metadata_schema_version is not None
        if record.promotion_state == "promoted":
            [event] = history.history(legacy_db, artifact_id)
            assert event.actor == runner.ACTOR
            assert event.notes
            assert event.override == (not record.code_commit_sha and not record.is_external)


def test_the_ambiguous_fact_is_held_not_guessed(legacy_db: Database) -> None:
    backfill(legacy_db)
    record = registrar.get_model(legacy_db, AMBIGUOUS)
    assert record.code_commit_sha is None
    [item] = list_reviews(legacy_db)
    assert item.artifact_id == AMBIGUOUS
    assert not item.blocking
    assert "2 different commits" in item.reasons[0]["reason"]


def test_rerun_is_a_no_op(legacy_db: Database) -> None:
    backfill(legacy_db)
    before = everything(legacy_db)
    second = backfill(legacy_db)
    assert not second.changed
    assert second.backfilled == 0
    assert everything(legacy_db) == before


def test_legacy_blobs_recover_byte_for_byte(legacy_db: Database) -> None:
    backfill(legacy_db)
    with legacy_db.transaction() as conn:
        kept = {
            r.artifact_id: (r.original_metadata, r.original_sha256)
            for r in conn.execute(text("SELECT * FROM model_legacy_metadata"))
        }
        current = {
            r.id: r.metadata for r in conn.execute(text("SELECT id, metadata FROM artifacts"))
        }
    for row in read_fixture():
        original, digest = kept[row["id"]]
        assert original == row["metadata"]
        assert original.encode() == row["metadata"].encode()
        assert digest == hashlib.sha256(row["metadata"].encode()).hexdigest()
        assert current[row["id"]] != row["metadata"], "artifacts.metadata now holds valid metadata"


def test_dry_run_changes_nothing(legacy_db: Database) -> None:
    before = everything(legacy_db)
    result = backfill(legacy_db, dry_run=True)
    assert result.dry_run
    assert result.backfilled == 8
    assert result.promoted == 6
    assert everything(legacy_db) == before


CONTRADICTORY = {
    "framework": "pytorch",
    "library": "scikit-learn",
    "model_type": "logistic regression",
    "params": 12,
    "n_parameters": 14,
    "training_data": "ADNI (https://adni.loni.usc.edu)",
    "test_set": "ADNI held-out (https://adni.loni.usc.edu)",
    "metrics": {"auroc": 0.8},
    "eval": {"auroc": 0.7},
    "hyperparameters": {"C": 1.0},
    "status": "production",
}


def test_contradictory_legacy_model_lands_in_review_not_a_guess(legacy_db: Database) -> None:
    original = add_legacy(legacy_db, "model-contradictory", CONTRADICTORY)
    result = backfill(legacy_db)
    assert "model-contradictory" not in states(legacy_db)
    [item] = [i for i in list_reviews(legacy_db) if i.artifact_id == "model-contradictory"]
    assert item.blocking
    assert {r["field"] for r in item.reasons} == {
        "framework",
        "parameter_count",
        "evaluation_metrics",
    }
    assert result.held_blocking == 1
    with legacy_db.transaction() as conn:
        kept = conn.execute(
            text("SELECT metadata FROM artifacts WHERE id = 'model-contradictory'")
        ).scalar()
    assert kept == original
    assert not backfill(legacy_db).changed


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ("{not json", "metadata"),
        ("[1, 2]", "metadata"),
        ({"framework": "jax"}, "model_family"),
        (
            {
                **CONTRADICTORY,
                "library": "pytorch",
                "n_parameters": 12,
                "eval": {},
                "source": "https://huggingface.co/a/b/tree/main",
                "is_external": True,
            },
            "external_source_version",
        ),
    ],
)
def test_unreadable_legacy_data_is_held_with_a_reason(
    legacy_db: Database, metadata: Any, field: str
) -> None:
    add_legacy(legacy_db, "model-odd", metadata)
    backfill(legacy_db)
    [item] = [i for i in list_reviews(legacy_db) if i.artifact_id == "model-odd"]
    assert field in {r["field"] for r in item.reasons}


def test_failure_half_way_leaves_each_artifact_whole_or_untouched(
    legacy_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = transitions.promote_checked_in
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 4:  # the first promotion of the second chunk
            raise RuntimeError("injected failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(transitions, "promote_checked_in", flaky)
    with pytest.raises(RuntimeError, match="injected"):
        backfill(legacy_db, chunk_size=3)
    fixture = {row["id"]: row["metadata"] for row in read_fixture()}
    found = states(legacy_db)
    with legacy_db.transaction() as conn:
        current = {
            r.id: r.metadata for r in conn.execute(text("SELECT id, metadata FROM artifacts"))
        }
        kept = set(conn.execute(text("SELECT artifact_id FROM model_legacy_metadata")).scalars())
    assert 0 < len(found) < 8
    for artifact_id, original in fixture.items():
        if artifact_id in found:
            assert artifact_id in kept
            assert current[artifact_id] != original
        else:
            assert artifact_id not in kept
            assert current[artifact_id] == original
    monkeypatch.setattr(transitions, "promote_checked_in", real)
    backfill(legacy_db)
    assert len(states(legacy_db)) == 8


def test_report_is_deterministic_and_the_committed_one_is_current(
    legacy_db: Database, tmp_path: Path
) -> None:
    backfill(legacy_db)
    first = write_report(legacy_db, tmp_path / "a.md").read_bytes()
    backfill(legacy_db)
    second = write_report(legacy_db, tmp_path / "b.md").read_bytes()
    assert first == second
    assert len(first) >= 2048
    assert first == REPORT.read_bytes(), (
        "docs/model_artifacts/migration_report_ws1.md is stale: run ./scripts/run and commit it"
    )


def test_a_report_that_fails_half_way_leaves_the_previous_one(
    legacy_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report is streamed from the database: a failure once left a truncated file."""
    from atlas_registry.backfill import report

    backfill(legacy_db)
    target = write_report(legacy_db, tmp_path / "reports" / "report.md")
    complete = target.read_bytes()
    written = 0

    def fails_on_the_third(*args: Any) -> None:
        nonlocal written
        written += 1
        if written == 3:
            raise RuntimeError("the database went away")
        real_entry(*args)

    real_entry = report._write_entry
    monkeypatch.setattr(report, "_write_entry", fails_on_the_third)
    with pytest.raises(RuntimeError, match="went away"):
        write_report(legacy_db, target)
    assert target.read_bytes() == complete
    assert [p.name for p in target.parent.iterdir()] == ["report.md"]


def test_resolving_a_held_code_pin(legacy_db: Database) -> None:
    backfill(legacy_db)
    sha = "7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
    with pytest.raises(ValidationError):
        resolve(legacy_db, AMBIGUOUS, ["code_commit_sha=" + sha], actor="curator")
    with pytest.raises(ValidationError):
        resolve(
            legacy_db,
            AMBIGUOUS,
            ["code_commit_sha=nope", "code_repo_url=https://g.org/r"],
            actor="c",
        )
    for blank in (None, "   "):  # accepting the held fact as it is needs a reason
        with pytest.raises(ValidationError, match="nothing to resolve with"):
            resolve(legacy_db, AMBIGUOUS, [], actor="c", notes=blank)
    item = resolve(
        legacy_db,
        AMBIGUOUS,
        ["code_repo_url=https://github.com/atlas-platform/glia-models", f"code_commit_sha={sha}"],
        actor="curator",
        notes="the re-run after the label fix is the deployed one",
    )
    assert (item.status, item.resolved_by) == ("resolved", "curator")
    assert registrar.get_model(legacy_db, AMBIGUOUS).code_commit_sha == sha
    assert list_reviews(legacy_db) == []


def test_resolving_a_blocked_artifact_goes_through_the_validators(legacy_db: Database) -> None:
    add_legacy(legacy_db, "model-contradictory", CONTRADICTORY)
    with legacy_db.transaction(write=True) as conn:
        conn.execute(
            text("UPDATE artifacts SET title = 'Contradictory Model' WHERE id = :id"),
            {"id": "model-contradictory"},
        )
    backfill(legacy_db)
    before = everything(legacy_db)
    with pytest.raises(ValidationError) as caught:
        resolve(legacy_db, "model-contradictory", ["framework=Not A Framework"], actor="c")
    assert "metadata.framework" in caught.value.paths
    assert everything(legacy_db) == before
    resolve(
        legacy_db,
        "model-contradictory",
        ["framework=scikit-learn", "parameter_count=12", 'evaluation_metrics={"auroc": 0.8}'],
        actor="curator",
    )
    record = registrar.get_model(legacy_db, "model-contradictory")
    assert (record.framework, record.metadata["parameter_count"]) == ("scikit-learn", 12)
    assert record.promotion_state == "promoted"  # its legacy status says it was in use
    assert record.line_name == "contradictory-model"  # named after its title, as the backfill does
    with legacy_db.transaction() as conn:
        kept = conn.execute(
            text(
                "SELECT original_metadata FROM model_legacy_metadata "
                "WHERE artifact_id = 'model-contradictory'"
            )
        ).scalar()
    assert kept == json.dumps(CONTRADICTORY)


def test_every_unusable_set_is_named_at_once_by_its_field(legacy_db: Database) -> None:
    add_legacy(legacy_db, "model-contradictory", CONTRADICTORY)
    backfill(legacy_db)
    before = everything(legacy_db)
    assignments = [
        "parameter_count=1e400",
        'training_config={"optimizer": {"lr": NaN}}',
        "training_data=[1e999]",
        "modelfamily=logistic_regression",
    ]
    with pytest.raises(ValidationError) as caught:
        resolve(legacy_db, "model-contradictory", assignments, actor="curator")
    assert caught.value.paths == [
        "parameter_count",
        "training_config.optimizer.lr",
        "training_data[0]",
        "modelfamily",
    ]
    assert everything(legacy_db) == before


def test_a_held_model_in_use_is_promoted_once_review_resolve_registers_it(
    legacy_db: Database,
) -> None:
    """The backfill promotes the in-use models it adopts; one it held stayed a candidate."""
    add_legacy(legacy_db, "model-in-use", {"model_type": "ode", "status": "production"})
    backfill(legacy_db)
    facts = [
        "framework=scipy",
        "parameter_count=6",
        'training_data=[{"url": "https://x.org/d", "description": "d"}]',
        'evaluation_dataset={"url": "https://x.org/d", "description": "d"}',
        'evaluation_metrics={"r2": 0.9}',
        'training_config={"procedure": "least squares"}',
    ]
    resolve(legacy_db, "model-in-use", facts, actor="curator", notes="checked")
    record = registrar.get_model(legacy_db, "model-in-use")
    assert record.promotion_state == "promoted"
    [event] = history.history(legacy_db, "model-in-use")
    assert (event.actor, event.override) == ("curator", True)  # no code pin: past the gate
    assert event.notes is not None
    assert event.notes.startswith("review resolve override: model in use before the registry")


def test_small_chunks_among_other_artifacts_find_every_pending_model(
    legacy_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paging walks windows of the whole catalog; nothing pending may fall between them."""
    for prefix in ("a", "model-3", "model-5", "model-9", "z"):
        for index in range(3):
            add_artifact(legacy_db, f"{prefix}-dataset-{index}", "dataset")
    seen: list[list[str]] = []
    real_chunk = runner._Chunk

    def recording(items: Any, *rest: Any) -> Any:
        seen.append([item.id for item in items])
        return real_chunk(items, *rest)

    monkeypatch.setattr(runner, "_Chunk", recording)
    result = backfill(legacy_db, chunk_size=2)
    assert result.backfilled == 8
    assert all(len(chunk) <= 2 for chunk in seen)
    flat = [artifact_id for chunk in seen for artifact_id in chunk]
    assert flat == sorted({row["id"] for row in read_fixture()})
    assert len(states(legacy_db)) == 8


def test_a_code_pin_the_checks_refuse_holds_only_the_pin(legacy_db: Database) -> None:
    # The entrypoint is a whole command line, past its 500 characters: the model
    # is still registered, with the repository and commit, and the entrypoint held.
    pinned = "model-14307274-0d2b-4f55-9a43-6a0f3b1c2e8d"  # repo, commit and entrypoint
    clean = json.loads(next(r for r in read_fixture() if r["id"] == pinned)["metadata"])
    command = "python train.py " + "--flag value " * 60
    add_legacy(legacy_db, "model-long-command", {**clean, "entrypoint": command})
    backfill(legacy_db)
    model = registrar.get_model(legacy_db, "model-long-command")
    assert (model.code_commit_sha, model.code_entrypoint) == (
        registrar.get_model(legacy_db, pinned).code_commit_sha,
        None,
    )
    [item] = [i for i in list_reviews(legacy_db) if i.artifact_id == "model-long-command"]
    assert not item.blocking
    assert "code_entrypoint" in [r["field"] for r in item.reasons]
    # The person resolving it names the entrypoint alone: the rest of the pin stays.
    resolve(legacy_db, "model-long-command", ["code_entrypoint=train.py"], actor="curator")
    resolved = registrar.get_model(legacy_db, "model-long-command")
    assert (resolved.code_commit_sha, resolved.code_entrypoint) == (
        model.code_commit_sha,
        "train.py",
    )


def test_the_training_run_is_read_and_a_refused_part_of_it_is_held_alone(
    legacy_db: Database,
) -> None:
    """Who trained a model and when: a backfilled model is found by ``list --trained-by``."""
    clean = json.loads(read_fixture()[0]["metadata"])
    run = {"trained_by": "agent-glia", "training_start": "2026-03-01T10:00:00+02:00"}
    add_legacy(legacy_db, "model-with-run", {**clean, **run, "trained_at": "2026-03-01T12:00Z"})
    # It ended before it started: the end is left out and held; the rest is registered.
    backwards = {**clean, **run, "trained_at": "2026-02-28"}
    add_legacy(legacy_db, "model-backwards-run", backwards)
    backfill(legacy_db)
    model = registrar.get_model(legacy_db, "model-with-run")
    assert (model.trained_by, model.training_started_at, model.training_completed_at) == (
        "agent-glia",
        "2026-03-01 08:00:00",
        "2026-03-01 12:00:00",
    )
    backward = registrar.get_model(legacy_db, "model-backwards-run")
    assert (backward.training_started_at, backward.training_completed_at) == (
        "2026-03-01 08:00:00",
        None,
    )
    found = registrar.list_models(legacy_db, trained_by="agent-glia")
    assert sorted(m.id for m in found) == ["model-backwards-run", "model-with-run"]
    [item] = [i for i in list_reviews(legacy_db) if i.artifact_id == "model-backwards-run"]
    assert not item.blocking
    assert [r["field"] for r in item.reasons if r["field"] != "line"] == ["training_completed_at"]


def test_legacy_data_named_by_catalog_id_becomes_a_reference_the_catalog_checks(
    legacy_db: Database,
) -> None:
    with legacy_db.transaction(write=True) as conn:
        conn.execute(
            text(
                "INSERT INTO artifacts (id, artifact_type, title, metadata) "
                "VALUES ('dataset-ukb-2021', 'dataset', 'UK Biobank 2021', '{}')"
            )
        )
    clean = json.loads(read_fixture()[0]["metadata"])
    add_legacy(legacy_db, "model-by-id", {**clean, "trained_on": "dataset-ukb-2021"})
    add_legacy(legacy_db, "model-by-missing-id", {**clean, "trained_on": "dataset-gone-2020"})
    backfill(legacy_db)
    model = registrar.get_model(legacy_db, "model-by-id")
    assert model.metadata["training_data"] == [
        {"artifact_id": "dataset-ukb-2021", "description": "dataset-ukb-2021"}
    ]
    [held] = [i for i in list_reviews(legacy_db) if i.artifact_id == "model-by-missing-id"]
    assert held.blocking
    assert any(
        "dataset-gone-2020, which is not in the catalog" in r["reason"] for r in held.reasons
    )
