"""validate / register / show / list / lineage through the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from atlas_registry.errors import (
    DatabaseNotFoundError,
    InputError,
    MetadataValidationError,
    NotFoundError,
    SchemaOutOfDateError,
    ValidationError,
)
from atlas_registry.store.db import Database
from tests.catalog_helpers import add_artifact
from tests.cli_helpers import invoke
from tests.payloads import external_fine_tune, logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def write(tmp_path: Path, name: str, document: Any) -> str:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def test_validate_exit_codes(tmp_path: Path) -> None:
    assert invoke("validate", write(tmp_path, "good.json", logistic_regression()))[0] == 0
    bad = {**logistic_regression(), "parameter_count": -1}
    del bad["framework"]
    code, _, err = invoke("validate", write(tmp_path, "bad.json", bad))
    assert code == MetadataValidationError.exit_code
    assert "framework: is required" in err
    assert "parameter_count: must be >= 0, got -1" in err
    code, _, err = invoke("validate", write(tmp_path, "broken.json", "{not json"))
    assert code == InputError.exit_code
    assert "is not JSON" in err
    assert invoke("validate", str(tmp_path / "missing.json"))[0] == InputError.exit_code


def test_validate_lists_field_and_metadata_problems_together(tmp_path: Path) -> None:
    """A misspelt field must not hide the metadata's problems: every one is listed at once."""
    metadata = logistic_regression()
    metadata["model_famly"] = metadata.pop("model_family")
    document = {"titel": "AD risk", **PIN, "metadata": metadata}
    code, _, err = invoke("validate", write(tmp_path, "r.json", document), "--json")
    assert code == ValidationError.exit_code
    paths = [v["path"] for v in json.loads(err)["violations"]]
    assert paths == ["titel", "title", "metadata.model_family", "metadata.model_famly"]


def test_validate_reads_stdin_and_reports_nan_and_json(tmp_path: Path) -> None:
    text = json.dumps(logistic_regression()).replace("0.83", "NaN")
    code, _, err = invoke("validate", "-", "--json", stdin=text)
    assert code == MetadataValidationError.exit_code
    report = json.loads(err)
    assert report["violations"] == [
        {"path": "evaluation_metrics.auroc", "message": "must be a finite number, got NaN"}
    ]
    assert invoke("validate", "-", stdin=json.dumps(logistic_regression()))[0] == 0


def test_register_show_list_lineage(migrated_db: Database, db_url: str, tmp_path: Path) -> None:
    base = write(
        tmp_path,
        "base.json",
        {
            "title": "AD risk",
            "artifact_id": "model-ad",
            "metadata": logistic_regression(),
            "trained_by": "agent-7",
        },
    )
    code, out, err = invoke("register", base, "--db", db_url, "--json")
    assert code == 0, err
    assert json.loads(out)["id"] == "model-ad"
    add_artifact(migrated_db, "dataset-sea-ad", "dataset")
    tuned = write(
        tmp_path, "tuned.json", {"title": "tuned", "metadata": external_fine_tune("model-ad")}
    )
    code, out, _ = invoke("register", tuned, "--db", db_url)
    assert code == 0
    assert out.splitlines()[-1].startswith("model-")

    code, out, _ = invoke("show", "model-ad", "--db", db_url, "--json")
    assert json.loads(out)["trained_by"] == "agent-7"
    assert invoke("show", "model-ad", "--db", db_url)[0] == 0
    code, _, err = invoke("show", "model-nope", "--db", db_url)
    assert code == NotFoundError.exit_code
    assert "no model" in err

    code, out, _ = invoke("list", "--external", "--db", db_url, "--json")
    assert [m["base_model_id"] for m in json.loads(out)["items"]] == ["model-ad"]
    code, out, _ = invoke("list", "--trained-by", "agent-7", "--db", db_url)
    assert code == 0
    assert "model-ad" in out

    code, out, _ = invoke("leaderboard", "adni-conversion-v1", "auroc", "--db", db_url, "--json")
    assert [(e["rank"], e["model"]["id"]) for e in json.loads(out)] == [(1, "model-ad")]
    assert (
        "model-ad"
        in invoke(
            "leaderboard", "adni-conversion-v1", "brier", "--lower-is-better", "--db", db_url
        )[1]
    )

    code, out, _ = invoke("lineage", "model-ad", "--db", db_url, "--json")
    assert len(json.loads(out)["descendants"]) == 1
    code, out, _ = invoke("lineage", "model-ad", "--db", db_url)
    assert code == 0
    assert "Fine-tuned from (ancestors): none" in out  # model-ad is no fine-tune
    assert "Fine-tuned into (descendants): none" not in out


def test_register_refuses_bad_files_and_writes_nothing(
    migrated_db: Database, db_url: str, tmp_path: Path
) -> None:
    unknown = write(
        tmp_path, "u.json", {"title": "x", "metadata": logistic_regression(), "colour": 1}
    )
    code, _, err = invoke("register", unknown, "--db", db_url)
    assert code == ValidationError.exit_code
    assert "colour: is not a registration field" in err
    bad = write(
        tmp_path,
        "b.json",
        {"title": "x", "metadata": {**logistic_regression(), "framework": "PyTorch"}},
    )
    code, _, err = invoke("register", bad, "--db", db_url)
    assert code == ValidationError.exit_code
    assert "metadata.framework" in err
    code, out, _ = invoke("list", "--db", db_url, "--json")
    assert json.loads(out)["items"] == []


def test_an_input_file_is_read_before_the_registry_opens(tmp_path: Path) -> None:
    """A bad input file is the error to report, even where the database is out of reach too.

    The file is read first, so it is never opened and closed while the
    registry holds a SQLite file (which would drop this process's locks).
    """
    unreachable = f"sqlite:///{tmp_path / 'missing.db'}"
    missing = str(tmp_path / "nope.json")
    for command in (["register", missing], ["schema", "check", "--schema", missing]):
        code, _, err = invoke(*command, "--db", unreachable)
        assert code == InputError.exit_code, (command, err)
        assert "cannot read" in err
        assert "nope.json" in err


@pytest.mark.parametrize("command", [["list"], ["show", "x"], ["lineage", "x"]])
def test_unmigrated_database_says_run_migrate(tmp_path: Path, command: list[str]) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    code, _, err = invoke(*command, "--db", url)
    assert code == DatabaseNotFoundError.exit_code
    assert "atlas-registry migrate" in err
    invoke("migrate", "--to", "0001", "--db", url)
    code, _, err = invoke(*command, "--db", url)
    assert code == SchemaOutOfDateError.exit_code
    assert "schema out of date" in err
    assert "Traceback" not in err


def test_a_narrow_terminal_leaves_columns_out_instead_of_folding_them(
    migrated_db: Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns the whole list once folded to a letter a line in every column but the id."""
    from atlas_registry.cli import common

    registration = {"title": "AD risk predictor", **PIN, "metadata": logistic_regression()}
    path = write(tmp_path, "r.json", registration)
    ids = [invoke("register", path, "--line", "ad-risk", "--quiet", "--db", db_url)[1].strip()]
    ids.append(invoke("register", path, "--line", "ad-risk", "--quiet", "--db", db_url)[1].strip())
    for width, left_out in ((80, "title, family, framework, benchmark, by"), (200, None)):
        monkeypatch.setattr(common.stdout, "width", width)
        code, out, _ = invoke("list", "--db", db_url)
        assert code == 0
        lines = out.splitlines()
        assert max(len(line) for line in lines) <= width
        for model_id in ids:  # whole, on one line, to copy
            assert any(model_id in line for line in lines)
        header = next(line for line in lines if "id" in line and "state" in line)
        assert [cell.strip() for cell in header.strip("┃").split("┃")][:4] == [
            "id",
            "line",
            "v",
            "state",
        ]
        if left_out is None:
            assert "not shown" not in out
            assert "AD risk predictor" in out
        else:
            assert f"to fit, not shown: {left_out} (--json shows all)" in out


def test_a_table_never_leaves_out_its_first_column_or_an_id() -> None:
    from atlas_registry.cli.common import table

    rows = [["a" * 30, "model-" + "0" * 36, "x" * 40, "y" * 40]]
    grid = table(None, ["name", "id", "note", "more"], rows, width=40)
    assert [column.header for column in grid.columns] == ["name", "id"]
    assert grid.caption == "to fit, not shown: note, more (--json shows all)"


def test_offset_paging_says_what_is_left_and_is_not_mixed_with_a_token(
    migrated_db: Database, db_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "r.json", {"title": "t", **PIN, "metadata": logistic_regression()})
    for _ in range(3):
        assert invoke("register", path, "--quiet", "--db", db_url)[0] == 0
    code, out, _ = invoke("list", "--limit", "1", "--offset", "1", "--db", db_url)
    assert code == 0
    assert "showing 1; more match: use --offset 2" in out  # once dropped: more was read, not said
    code, out, _ = invoke("list", "--limit", "1", "--offset", "2", "--db", db_url)
    assert "more match" not in out
    code, _, err = invoke("list", "--offset", "1", "--page-token", "abc", "--db", db_url)
    assert code == ValidationError.exit_code
    assert "two ways to page: use one" in err
