"""The first hour of a new user: no silent empty results, no misleading errors, whole ids."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from atlas_registry import ModelRegistration, NotFoundError, Registry, ValidationError
from atlas_registry.cli.common import table
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

ROOT = Path(__file__).parents[1]
PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def _write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_an_unknown_state_is_refused_with_the_states_there_are(
    registry: Registry, db_url: str
) -> None:
    code, _, err = invoke("list", "--state", "candidat", "--db", db_url)
    assert code == ValidationError.exit_code
    assert "candidate, promoted, rejected, superseded" in err


def test_an_unknown_benchmark_or_metric_is_named(registry: Registry, db_url: str) -> None:
    registry.register_model(ModelRegistration(title="t", metadata=logistic_regression()))
    code, _, err = invoke("leaderboard", "adni-conversion-v9", "auroc", "--db", db_url)
    assert code == NotFoundError.exit_code
    assert "benchmarks: adni-conversion-v1" in err
    code, _, err = invoke("leaderboard", "adni-conversion-v1", "aucroc", "--db", db_url)
    assert code == NotFoundError.exit_code
    assert "its metrics: auroc, brier" in err


def test_a_long_list_says_there_is_more_and_pages_stably(registry: Registry, db_url: str) -> None:
    for i in range(7):
        registry.register_model(ModelRegistration(title=f"m{i}", metadata=logistic_regression()))
    newest_first = [m.id for m in registry.list_models()]
    _, out, _ = invoke("list", "--limit", "3", "--db", db_url)
    assert "showing 3; more match" in out
    first = registry.list_page(page_size=3)
    assert [m.id for m in first.items] == newest_first[:3]
    assert first.next_page_token
    registry.register_model(ModelRegistration(title="late", metadata=logistic_regression()))
    second = registry.list_page(page_size=3, page_token=first.next_page_token)
    assert [m.id for m in second.items] == newest_first[3:6]
    third = registry.list_page(page_size=3, page_token=second.next_page_token)
    assert [m.id for m in third.items] == newest_first[6:]
    assert third.next_page_token is None
    _, out, _ = invoke(
        "list", "--limit", "3", "--page-token", first.next_page_token, "--db", db_url, "--json"
    )
    assert [m["id"] for m in json.loads(out)["items"]] == newest_first[3:6]
    with pytest.raises(ValidationError, match="made for other filters"):
        registry.list_page(page_size=3, page_token=first.next_page_token, framework="x")
    with pytest.raises(ValidationError, match="not a token"):
        registry.list_page(page_token="garbage")


def test_validate_checks_a_whole_registration_in_one_pass(tmp_path: Path) -> None:
    metadata = {**logistic_regression(), "parameter_count": -1}
    document = {"title": "t", "code_commit_sha": "main", "metadata": metadata}
    code, _, err = invoke("validate", _write(tmp_path, document), "--json")
    assert code == ValidationError.exit_code
    paths = {v["path"] for v in json.loads(err)["violations"]}
    assert paths == {"metadata.parameter_count", "code_commit_sha", "code_repo_url"}
    good = {"title": "t", **PIN, "metadata": logistic_regression()}
    code, out, _ = invoke("validate", _write(tmp_path, good))
    assert (code, out.strip()) == (0, "valid registration")
    code, out, _ = invoke("validate", _write(tmp_path, logistic_regression()))
    assert (code, out.strip()) == (0, "valid metadata")


def test_a_misspelt_field_names_the_field_meant(tmp_path: Path) -> None:
    document = {"title": "t", "code_commit_shaa": "abc1234", "metadata": logistic_regression()}
    code, _, err = invoke("validate", _write(tmp_path, document))
    assert code == ValidationError.exit_code
    assert "did you mean `code_commit_sha`?" in err
    metadata = {**logistic_regression(), "evaluation_metric": {"auroc": 0.8}}
    code, _, err = invoke("validate", _write(tmp_path, metadata))
    assert "did you mean `evaluation_metrics`?" in err


def test_register_dry_run_checks_the_database_and_writes_nothing(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    good = {"title": "t", **PIN, "metadata": logistic_regression()}
    code, out, _ = invoke("register", _write(tmp_path, good), "--dry-run", "--db", db_url)
    assert code == 0
    assert "would register" in out
    missing_parent = {**good, "parent_version_id": "model-missing"}
    code, _, err = invoke("register", _write(tmp_path, missing_parent), "--dry-run", "--db", db_url)
    assert code == ValidationError.exit_code
    assert "model-missing, which is not in the catalog" in err
    assert registry.list_models() == []


def test_register_quiet_prints_only_the_id(registry: Registry, db_url: str, tmp_path: Path) -> None:
    good = {"title": "t", **PIN, "metadata": logistic_regression()}
    code, out, _ = invoke("register", _write(tmp_path, good), "--quiet", "--db", db_url)
    assert code == 0
    [line] = out.splitlines()
    assert registry.get_model(line).id == line


def test_ids_are_never_folded_in_a_table() -> None:
    model_id = "model-01a20f2d-e0a8-7222-a38a-58ffc0ce1c14"
    console = Console(width=70, record=True)
    console.print(table("t", ["id", "title"], [[model_id, "a long title " * 5]]))
    assert model_id in console.export_text()


def test_hints_repeat_the_database_the_user_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    assert invoke("migrate", "--to", "0001", "--db", url)[0] == 0
    _, _, err = invoke("list", "--db", url)
    assert f"atlas-registry migrate --db {url}" in err


@pytest.mark.slow  # another process, through the wrapper script
def test_the_wrapper_runs_the_command_with_nothing_activated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV"}}
    env["PATH"] = "/usr/bin:/bin"
    result = subprocess.run(
        [str(ROOT / "scripts" / "atlas"), "migrate", "--db", url],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "applied 0001_artifacts" in result.stdout
