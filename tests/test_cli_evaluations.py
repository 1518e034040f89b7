"""`evaluate`, `evaluations`, `show` and `leaderboard` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from atlas_registry import ValidationError
from atlas_registry.store.db import Database
from tests.catalog_helpers import add_artifact, register
from tests.cli_helpers import invoke

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_evaluate_from_flags_and_a_file_then_read_it_everywhere(
    migrated_db: Database, db_url: str, tmp_path: Path
) -> None:
    add_artifact(migrated_db, "dataset-holdout", "dataset")
    model = register(migrated_db, line="cli-evals").id
    code, out, err = invoke(
        "evaluate", "cli-evals", "--benchmark", "adni-external-v1", "--dataset",
        "dataset-holdout", "--split", "test", "--metric", "auroc=0.81", "--metric", "brier=0.17",
        "--harness-repo", "https://github.com/example-lab/eval", "--harness-commit", SHA,
        "--by", "eval-service", "--db", db_url,
    )  # fmt: skip
    assert code == 0, err
    assert "recorded evaluation" in out
    document = {"benchmark_id": "adni-external-v1", "dataset_id": "dataset-holdout",
                "metrics": {"auroc": 0.70}}  # fmt: skip
    path = tmp_path / "evaluation.json"
    path.write_text(json.dumps(document), "utf-8")
    code, out, err = invoke(
        "evaluate", model, "--from", str(path), "--metric", "ece=0.05", "--by", "ci",
        "--json", "--db", db_url,
    )  # fmt: skip
    assert code == 0, err
    added = json.loads(out)
    assert (added["metrics"], added["evaluated_by"]) == ({"auroc": 0.7, "ece": 0.05}, "ci")
    code, out, _ = invoke("evaluations", "cli-evals", "--json", "--db", db_url)
    assert [e["evaluated_by"] for e in json.loads(out)] == ["ci", "eval-service", None]
    code, out, _ = invoke("show", "cli-evals", "--json", "--db", db_url)
    assert len(json.loads(out)["evaluations"]) == 3
    code, out, _ = invoke(
        "leaderboard", "adni-external-v1", "auroc", "--dataset", "dataset-holdout",
        "--split", "test", "--json", "--db", db_url,
    )  # fmt: skip
    [entry] = json.loads(out)
    assert (entry["value"], entry["evaluated_by"], entry["split"]) == (0.81, "eval-service", "test")


def test_a_bad_evaluation_exits_with_the_field_named_and_writes_nothing(
    migrated_db: Database, db_url: str, tmp_path: Path
) -> None:
    add_artifact(migrated_db, "dataset-holdout", "dataset")
    register(migrated_db, line="cli-evals")
    holdout = ["--dataset", "dataset-holdout"]
    cases = [
        ([*holdout, "--metric", "auroc=nan"], "metrics.auroc"),
        ([*holdout, "--metric", "auroc=[b]x[/b]"], "metrics.auroc"),
        (holdout, "metrics"),
        (["--metric", "auroc=0.9", "--dataset", "dataset-nope"], "dataset_id"),
        ([*holdout, "--metric", "auroc"], "metrics"),
    ]
    for extra, path in cases:
        words = ["evaluate", "cli-evals", "--benchmark", "b-one"]
        code, _, err = invoke(*words, *extra, "--json", "--db", db_url)
        assert code == ValidationError.exit_code, err
        assert path in [v["path"] for v in json.loads(err)["violations"]], err
    not_an_object = tmp_path / "list.json"
    not_an_object.write_text("[1, 2]", "utf-8")
    code, out, _ = invoke("evaluate", "cli-evals", "--from", str(not_an_object), "--db", db_url)
    assert code == ValidationError.exit_code
    code, out, _ = invoke("evaluations", "cli-evals", "--json", "--db", db_url)
    assert len(json.loads(out)) == 1
