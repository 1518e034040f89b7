"""``atlas-registry migrate`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas_registry.errors import ConfigurationError, DatabaseNotFoundError, InputError
from atlas_registry.store.db import Database
from tests.cli_helpers import invoke
from tests.conftest import fresh_url
from tests.schema_snapshot import snapshot


def _snapshot_of(url: str) -> dict[str, object]:
    database = Database(url)
    try:
        return snapshot(database)
    finally:
        database.dispose()


def test_to_then_head_then_down_equals_a_fresh_partial_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = fresh_url(backend, tmp_path, request)
    assert invoke("migrate", "--to", "0001", "--db", url)[0] == 0
    assert invoke("migrate", "--db", url)[0] == 0
    code, out, _ = invoke("migrate", "down", "--to", "0001", "--yes", "--db", url)
    assert code == 0, out
    assert "reverted 0002_model_versions" in out
    round_trip = _snapshot_of(url)

    other = fresh_url(backend, tmp_path / "fresh", request) if backend == "sqlite" else url
    if backend == "postgresql":
        from tests.conftest import reset_postgres

        reset_postgres(url)
    assert invoke("migrate", "--to", "1", "--db", other)[0] == 0
    assert _snapshot_of(other) == round_trip


def test_status_lists_applied_and_pending_with_checksums(db_url: str) -> None:
    assert invoke("migrate", "--to", "0001", "--db", db_url)[0] == 0
    code, out, _ = invoke("migrate", "status", "--json", "--db", db_url)
    assert code == 0
    states = {m["name"]: m for m in json.loads(out)["migrations"]}
    assert states["artifacts"]["status"] == "applied"
    assert states["artifacts"]["applied_checksum"] == states["artifacts"]["checksum"]
    assert states["model_versions"]["status"] == "pending"
    code, out, _ = invoke("migrate", "status", "--db", db_url)
    assert code == 0
    assert "pending" in out
    assert "applied" in out


def test_second_migrate_says_nothing_to_do(db_url: str) -> None:
    invoke("migrate", "--db", db_url)
    code, out, _ = invoke("migrate", "--db", db_url)
    assert code == 0
    assert "nothing to do" in out


def test_down_without_yes_is_refused_and_changes_nothing(db_url: str) -> None:
    invoke("migrate", "--db", db_url)
    before = _snapshot_of(db_url)
    code, _, err = invoke("migrate", "down", "--to", "0001", "--db", db_url)
    assert code == InputError.exit_code  # a usage error, not a failed migration
    assert "--yes" in err
    assert _snapshot_of(db_url) == before


@pytest.mark.parametrize("command", [["migrate"], ["migrate", "down", "--yes"]])
def test_a_negative_migration_number_is_refused_as_written(db_url: str, command: list[str]) -> None:
    invoke("migrate", "--db", db_url)
    code, _, err = invoke(*command, "--to", "-1", "--db", db_url)
    assert code == InputError.exit_code
    assert "-1" in err
    assert "-001" not in err


def test_status_on_a_missing_sqlite_file_says_to_migrate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nope.db'}"
    code, _, err = invoke("migrate", "status", "--db", url)
    assert code == DatabaseNotFoundError.exit_code
    assert f"run `atlas-registry migrate --db {url}`" in err
    assert not (tmp_path / "nope.db").exists()


def test_database_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_REGISTRY_DB", f"sqlite:///{tmp_path / 'env.db'}")
    assert invoke("migrate")[0] == 0
    assert (tmp_path / "env.db").exists()


def test_default_database_is_a_sqlite_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATLAS_REGISTRY_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert invoke("migrate")[0] == 0
    assert (tmp_path / "atlas_registry.db").exists()


def test_unsupported_url_is_a_clear_error() -> None:
    code, _, err = invoke("migrate", "--db", "mysql://root@localhost/x")
    assert code == ConfigurationError.exit_code
    assert "unsupported database" in err
