"""legacy load / backfill / review through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas_registry.errors import InputError, SchemaOutOfDateError, ValidationError
from tests.cli_helpers import invoke


def test_the_whole_story(db_url: str, tmp_path: Path) -> None:
    assert invoke("migrate", "--to", "0001", "--db", db_url)[0] == 0
    code, out, _ = invoke("legacy", "load", "--db", db_url, "--json")
    assert code == 0
    assert len(json.loads(out)["inserted"]) == 8
    assert json.loads(invoke("legacy", "load", "--db", db_url, "--json")[1])["already_present"]
    code, _, err = invoke("backfill", "--db", db_url)
    assert code == SchemaOutOfDateError.exit_code
    assert f"run `atlas-registry migrate --db {db_url}`" in err
    assert invoke("migrate", "--db", db_url)[0] == 0

    code, out, _ = invoke("backfill", "--dry-run", "--db", db_url, "--json")
    assert code == 0
    assert json.loads(out)["dry_run"] is True
    assert json.loads(invoke("list", "--db", db_url, "--json")[1])["items"] == []

    report = tmp_path / "report.md"
    code, out, _ = invoke("backfill", "--report", str(report), "--db", db_url, "--json")
    assert code == 0
    summary = json.loads(out)
    assert (summary["backfilled"], summary["promoted"], summary["report"]) == (8, 6, str(report))
    assert report.stat().st_size >= 2048

    code, out, _ = invoke("backfill", "--db", db_url)
    assert code == 0
    assert "nothing to do" in out

    code, out, _ = invoke("review", "list", "--db", db_url, "--json")
    [item] = json.loads(out)
    code, _, err = invoke("review", "resolve", item["artifact_id"], "--db", db_url)
    assert code == ValidationError.exit_code
    assert "notes" in err
    code, out, _ = invoke(
        "review",
        "resolve",
        item["artifact_id"],
        "--notes",
        "no pin can be recovered",
        "--actor",
        "curator",
        "--db",
        db_url,
        "--json",
    )
    assert code == 0
    assert json.loads(out)["status"] == "resolved"
    assert json.loads(invoke("review", "list", "--db", db_url, "--json")[1]) == []
    assert "resolved" in invoke("review", "list", "--all", "--db", db_url)[1]


def test_legacy_load_refuses_a_malformed_file(db_url: str, tmp_path: Path) -> None:
    invoke("migrate", "--to", "0001", "--db", db_url)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"artifacts": [{"id": "model-x", "artifact_type": "model"}]}))
    code, _, err = invoke("legacy", "load", "--file", str(bad), "--db", db_url)
    assert code == ValidationError.exit_code
    assert "artifacts[0].title" in err


@pytest.mark.parametrize("report", ["", "{folder}", "/dev/null"])
def test_a_report_path_that_is_no_file_is_refused_before_the_backfill(
    db_url: str, tmp_path: Path, report: str
) -> None:
    invoke("migrate", "--to", "0001", "--db", db_url)
    invoke("legacy", "load", "--db", db_url)
    invoke("migrate", "--db", db_url)
    code, _, err = invoke("backfill", "--report", report.format(folder=tmp_path), "--db", db_url)
    assert code == InputError.exit_code
    assert "give the path of a file to write" in err
    assert json.loads(invoke("list", "--db", db_url, "--json")[1])["items"] == []  # nothing ran
    assert Path("/dev/null").is_char_device()  # never replaced by a file
