"""Evaluations: many per version, added after registration, each an append-only fact.

The registration's metrics are a version's first evaluation; ``add_evaluation``
adds more, refusing what a registration would refuse (by field); leaderboards
rank the newest evaluation of each version and say who evaluated; the gate can
ask for a result added after registration; down then up loses nothing.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry import MigrationError, NotFoundError, PromotionGateError, Registry
from atlas_registry.catalog.evaluation_input import metrics_from_pairs
from atlas_registry.errors import ValidationError
from atlas_registry.lifecycle.policy import parse_policy
from atlas_registry.records import ModelRegistration
from atlas_registry.store import migration_runner
from tests.catalog_helpers import add_artifact
from tests.payloads import logistic_regression

PIN = {
    "code_repo_url": "https://github.com/example-lab/ad-risk",
    "code_commit_sha": "ca805a0e57cf09a543ee743d5220dfc4bb87b36c",
}
HARNESS = {
    "harness_repo_url": "https://github.com/example-lab/eval-harness",
    "harness_commit_sha": "0123456789abcdef0123456789abcdef01234567",
}


def _version(registry: Registry, line: str = "ad-risk", **metadata: Any) -> str:
    registration = ModelRegistration(
        title="AD risk",
        line=line,
        metadata={**logistic_regression(), **metadata},
        created_by="trainer",
        **PIN,
    )
    return registry.register_model(registration).id


def _evaluate(registry: Registry, model: str, by: str = "eval-service", **fields: Any) -> Any:
    given: dict[str, Any] = {
        "benchmark_id": "adni-external-v1",
        "dataset_id": "dataset-holdout",
        "metrics": {"auroc": 0.8},
        **fields,
    }
    return registry.add_evaluation(model, by=by, **given)


def _count(registry: Registry, table: str) -> int:
    with registry.database.transaction() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def with_dataset(registry: Registry) -> Registry:
    add_artifact(registry.database, "dataset-holdout", "dataset")
    add_artifact(registry.database, "dataset-other", "dataset")
    return registry


def test_a_registration_is_its_versions_first_evaluation(registry: Registry) -> None:
    model = _version(registry)
    [first] = registry.evaluations(model)
    assert first.origin == "registration"
    assert first.metrics == {"auroc": 0.83, "brier": 0.162}
    assert first.benchmark_id == "adni-conversion-v1"
    assert first.evaluated_by == "trainer"
    assert first.dataset == {"url": "https://adni.loni.usc.edu", "description": "held-out 20%"}


def test_evaluations_accrue_newest_first_with_who_when_and_the_harness_pin(
    with_dataset: Registry,
) -> None:
    registry = with_dataset
    model = _version(registry)
    added = _evaluate(registry, model, split="test", dataset_revision="v2", **HARNESS)
    again = _evaluate(registry, "ad-risk@1", by="ci", metrics={"auroc": 0.7, "ece": 0.04})
    listed = registry.evaluations("ad-risk")
    assert [e.id for e in listed] == [again.id, added.id, f"reg-{model}"]
    assert (added.evaluated_by, added.split, added.dataset_revision) == (
        "eval-service",
        "test",
        "v2",
    )
    assert added.harness_commit_sha == HARNESS["harness_commit_sha"]
    assert listed[0].metrics == {"auroc": 0.7, "ece": 0.04}
    assert registry.versions_evaluated_on("dataset-holdout") == [model]
    assert registry.versions_evaluated_on("dataset-other") == []


def test_a_version_evaluated_later_on_a_dataset_is_listed_as_evaluated_on_it(
    with_dataset: Registry,
) -> None:
    """Reverse lineage counts evaluations added after registration, once, through down and up."""
    registry = with_dataset
    other = _version(registry, line="other-line")
    model = _version(registry)
    assert registry.list_models(evaluated_on="dataset-holdout") == []
    _evaluate(registry, model)
    _evaluate(registry, "ad-risk@1", by="ci", metrics={"auroc": 0.7})  # the same dataset again
    listed = [m.id for m in registry.list_models(evaluated_on="dataset-holdout")]
    assert listed == [model]
    assert registry.list_models(evaluated_on="dataset-other") == []
    below = max(
        m.number
        for m in migration_runner.load_migrations(registry.database.dialect)
        if m.number < 25
    )
    migration_runner.downgrade(registry.database, to=below, discard=["registry_events"])
    migration_runner.migrate(registry.database)  # 0025 fills the uses from the evaluations
    assert [m.id for m in registry.list_models(evaluated_on="dataset-holdout")] == [model]
    assert other not in listed


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"metrics": {"auroc": math.nan}}, "metrics.auroc"),
        ({"metrics": {"auroc": math.inf}}, "metrics.auroc"),
        ({"metrics": {"auroc": "high"}}, "metrics.auroc"),
        ({"metrics": {"auroc": True}}, "metrics.auroc"),
        ({"metrics": {}}, "metrics"),
        ({"metrics": [0.9]}, "metrics"),
        ({"metrics": {"<b>x</b>": 0.9}}, "metrics.<b>x</b>"),
        ({"dataset_id": "dataset-missing"}, "dataset_id"),
        ({"dataset_id": "model-placeholder"}, "dataset_id"),
        ({"dataset_id": "x" * 10_000}, "dataset_id"),
        ({"benchmark_id": "Not a benchmark!"}, "benchmark_id"),
        ({"split": "te st\u0000"}, "split"),
        ({"harness_commit_sha": "main"}, "harness_commit_sha"),
        ({"harness_repo_url": "https://example.org/h"}, "harness_commit_sha"),
        (
            {"harness_repo_url": "file:///etc/passwd", "harness_commit_sha": "abcdef1"},
            "harness_repo_url",
        ),
        ({"notes": "x" * 20_000}, "notes"),
    ],
)
def test_a_bad_evaluation_is_refused_naming_its_field_and_writes_nothing(
    with_dataset: Registry, fields: dict[str, Any], path: str
) -> None:
    registry = with_dataset
    model = _version(registry)
    if fields.get("dataset_id") == "model-placeholder":
        fields = {"dataset_id": model}
    before = _count(registry, "model_evaluations"), _count(registry, "model_evaluation_board")
    with pytest.raises(ValidationError) as refused:
        _evaluate(registry, model, **fields)
    assert path in refused.value.paths
    assert (
        _count(registry, "model_evaluations"),
        _count(registry, "model_evaluation_board"),
    ) == before


def test_an_unknown_model_and_an_anonymous_evaluator_are_refused(with_dataset: Registry) -> None:
    with pytest.raises(NotFoundError):
        _evaluate(with_dataset, "no-such-line")
    model = _version(with_dataset)
    with pytest.raises(ValidationError) as refused:
        _evaluate(with_dataset, model, by=" ")
    assert refused.value.paths == ["evaluated_by"]


def test_metric_pairs_keep_what_is_no_number_for_the_check_to_name() -> None:
    assert metrics_from_pairs(["auroc=0.9", "ece=nan", "f1=x"]) == {
        "auroc": 0.9,
        "ece": "nan",
        "f1": "x",
    }
    with pytest.raises(ValidationError):
        metrics_from_pairs(["auroc"])


def test_a_leaderboard_ranks_the_newest_evaluation_of_each_version(with_dataset: Registry) -> None:
    registry = with_dataset
    first = _version(registry, "first")
    second = _version(registry, "second")
    _evaluate(registry, first, metrics={"auroc": 0.95}, split="test")
    _evaluate(registry, first, by="ci", metrics={"auroc": 0.70}, dataset_id="dataset-other")
    _evaluate(registry, second, metrics={"auroc": 0.80}, split="test")
    board = registry.leaderboard("adni-external-v1", "auroc")
    assert [(e.model.id, e.value, e.evaluated_by) for e in board] == [
        (second, 0.80, "eval-service"),
        (first, 0.70, "ci"),  # its newest evaluation, not its best
    ]
    on_holdout = registry.leaderboard("adni-external-v1", "auroc", dataset="dataset-holdout")
    assert [(e.model.id, e.value) for e in on_holdout] == [(first, 0.95), (second, 0.80)]
    on_test = registry.leaderboard(
        "adni-external-v1", "auroc", dataset="dataset-holdout", split="test"
    )
    assert [e.split for e in on_test] == ["test", "test"]
    # The registration's own board is unchanged: its metrics are evaluation #1.
    [registered] = registry.leaderboard("adni-conversion-v1", "brier", limit=1)
    assert registered.evaluation_id == f"reg-{registered.model.id}"
    with pytest.raises(NotFoundError, match="is evaluated on 'dataset-none'"):
        registry.leaderboard("adni-external-v1", "auroc", dataset="dataset-none")
    with pytest.raises(ValidationError, match="bad leaderboard"):
        registry.leaderboard("adni-external-v1", "auroc", split="test")


def test_ties_share_a_rank_and_lower_is_better_for_brier(with_dataset: Registry) -> None:
    registry = with_dataset
    ids = [_version(registry, f"line-{n}") for n in range(3)]
    for model, value in zip(ids, (0.2, 0.1, 0.1), strict=True):
        _evaluate(registry, model, metrics={"brier": value})
    board = registry.leaderboard("adni-external-v1", "brier")
    assert [(e.rank, e.value) for e in board] == [(1, 0.1), (1, 0.1), (3, 0.2)]
    _evaluate(registry, ids[0], metrics={"mystery_score": 1.0})
    with pytest.raises(ValidationError, match="which way is better"):
        registry.leaderboard("adni-external-v1", "mystery_score")


GATED = """
[gate]
require_evaluation_metrics = true
require_reproducibility_pin = true

[evaluations."adni-external-v1"]
metric = "auroc"
minimum = 0.75
evaluators = ["eval-service"]
"""


def test_the_gate_can_demand_an_evaluation_after_registration(migrated_url: str) -> None:
    policy = parse_policy(GATED, "gated.toml")
    with Registry.open(migrated_url, policy=policy) as registry:
        add_artifact(registry.database, "dataset-holdout", "dataset")
        model = _version(registry, benchmark_id="adni-external-v1")  # registered auroc 0.83
        with pytest.raises(PromotionGateError) as refused:
            registry.promote(model, actor="release")
        assert refused.value.paths == ["evaluations.adni-external-v1.auroc"]
        _evaluate(registry, model, by="someone-else", metrics={"auroc": 0.99})
        with pytest.raises(PromotionGateError, match="by eval-service"):
            registry.promote(model, actor="release")
        _evaluate(registry, model, metrics={"auroc": 0.70})
        with pytest.raises(PromotionGateError, match=r"below the minimum 0\.75"):
            registry.promote(model, actor="release")
        _evaluate(registry, model, metrics={"auroc": 0.76})
        assert registry.promote(model, actor="release").model.promotion_state == "promoted"


def test_an_evaluation_rule_on_the_wrong_side_of_its_metric_is_refused() -> None:
    from atlas_registry import ConfigurationError

    with pytest.raises(ConfigurationError, match="threshold is a maximum"):
        parse_policy('[evaluations.b]\nmetric = "rmse"\nminimum = 0.1\n', "p.toml")
    with pytest.raises(ConfigurationError, match="unknown keys"):
        parse_policy('[evaluations.b]\nmetric = "auroc"\nminimum = 0.1\nscope = 1\n', "p.toml")


def _state(registry: Registry) -> dict[str, Any]:
    models = registry.list_models(limit=100)
    return {
        m.id: [{**e.to_dict(), "dataset": e.dataset} for e in registry.evaluations(m.id)]
        for m in models
    }


def test_down_and_up_rebuilds_first_evaluations_and_refuses_to_lose_added_ones(
    with_dataset: Registry,
) -> None:
    registry = with_dataset
    for line in ("one", "two"):
        _version(registry, line)
    board = [(e.model.id, e.value) for e in registry.leaderboard("adni-conversion-v1", "auroc")]
    before = _state(registry)
    # Only derivable evaluations: no consent for them (the event log is rebuilt by 0026).
    migration_runner.downgrade(registry.database, to=20, discard=["registry_events"])
    migration_runner.migrate(registry.database)
    assert _state(registry) == before
    assert [
        (e.model.id, e.value) for e in registry.leaderboard("adni-conversion-v1", "auroc")
    ] == board
    _evaluate(registry, "one")
    with pytest.raises(MigrationError, match=r"model_evaluations \(1 row, by 0021"):
        migration_runner.downgrade(registry.database, to=20)
    assert len(registry.evaluations("one")) == 2


def test_every_backfilled_model_has_its_first_evaluation_through_down_and_up(db: Any) -> None:
    from tests.test_one_writer import legacy_then_backfilled, stored_metrics

    legacy_then_backfilled(db)

    def first_evaluations() -> dict[str, tuple[Any, ...]]:
        with db.transaction() as conn:
            rows = conn.execute(
                text(
                    "SELECT e.artifact_id, e.evaluated_by, e.created_at, e.benchmark_id, "
                    "e.dataset_key, m.metric, m.value FROM model_evaluations e "
                    "JOIN model_evaluation_metrics m ON m.evaluation_id = e.id "
                    "WHERE e.origin = 'registration' ORDER BY 1, 6"
                )
            ).all()
        found: dict[str, tuple[Any, ...]] = {}
        for row in rows:
            found[row[0]] = (*found.get(row[0], row[1:5]), (row[5], row[6]))
        return found

    before = first_evaluations()
    assert {k: dict(v[4:]) for k, v in before.items()} == stored_metrics(db)
    migration_runner.downgrade(db, to=20, discard=["registry_events"])  # the log: by 0026
    assert migration_runner.current_version(db) == 20
    migration_runner.migrate(db)
    assert first_evaluations() == before


def test_an_artifact_with_an_added_evaluation_cannot_be_deleted(with_dataset: Registry) -> None:
    from atlas_registry import ConstraintViolationError

    registry = with_dataset
    model = _version(registry)
    _evaluate(registry, model)
    with (
        pytest.raises(ConstraintViolationError, match="an artifact with history"),
        registry.database.transaction(write=True) as conn,
    ):
        conn.execute(text("DELETE FROM artifacts WHERE id = :id"), {"id": model})
    assert len(registry.evaluations(model)) == 2
