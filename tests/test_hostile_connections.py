"""Bad connections and arguments: each gets an error that names the problem and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas_registry import (
    ConfigurationError,
    DatabaseFailureError,
    DatabaseNotFoundError,
    ValidationError,
)
from atlas_registry.store.urls import ENV_VAR
from tests.cli_helpers import invoke


@pytest.fixture
def demo(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert invoke("migrate", "--db", url)[0] == 0
    return url


def _damaged(tmp_path: Path, demo: str) -> str:
    """A copy of a real database with pages overwritten in the middle."""
    source = Path(demo.removeprefix("sqlite:///"))
    damaged = tmp_path / "damaged.db"
    data = bytearray(source.read_bytes())
    data[4096:12288] = b"\xff" * 8192
    damaged.write_bytes(bytes(data))
    return f"sqlite:///{damaged}"


@pytest.mark.parametrize(
    ("make_url", "error", "phrase"),
    [
        (lambda d: f"sqlite:///{d / 'notes.txt'}", ConfigurationError, "not a SQLite database"),
        (lambda d: f"sqlite:///{d}", ConfigurationError, "is a directory"),
        (lambda d: "sqlite:////dev/null", ConfigurationError, "is not a regular file"),
        (lambda d: "sqlite://relative.db", ConfigurationError, "three or four slashes"),
        (lambda d: "postgresql://postgres@127.0.0.1:abc/x", ConfigurationError, "cannot parse"),
        (lambda d: "mysql://root@localhost/x", ConfigurationError, "unsupported database"),
        (lambda d: "", ConfigurationError, "--db is empty"),
        (lambda d: "   ", ConfigurationError, "--db is empty"),
        (
            lambda d: "postgresql://postgres@host-that-does-not-resolve.invalid/x",
            DatabaseNotFoundError,
            "cannot reach the database",
        ),
        (lambda d: "postgresql://postgres@127.0.0.1:1/x", DatabaseNotFoundError, "cannot reach"),
        (
            lambda d: f"sqlite:///{d / 'missing.db'}",
            DatabaseNotFoundError,
            "atlas-registry migrate",
        ),
    ],
)
def test_a_bad_database_url_is_a_clear_error(
    tmp_path: Path, make_url: object, error: type[Exception], phrase: str
) -> None:
    (tmp_path / "notes.txt").write_text("these are my notes, not a database\n")
    url = make_url(tmp_path)  # type: ignore[operator]
    for command in (["list"], ["migrate", "status"]):
        code, _, err = invoke(*command, "--db", url)
        assert code == error.exit_code, err  # type: ignore[attr-defined]
        assert phrase in err
        assert "Traceback" not in err


def test_a_damaged_sqlite_file_says_restore_it(tmp_path: Path, demo: str) -> None:
    code, _, err = invoke("list", "--db", _damaged(tmp_path, demo))
    assert code == DatabaseFailureError.exit_code
    assert "damaged" in err
    assert "stop every process that uses it" in err  # before a backup replaces a healthy file
    assert "backup" in err


def test_an_empty_environment_variable_is_not_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_VAR, "")
    code, _, err = invoke("list")
    assert code == ConfigurationError.exit_code
    assert f"${ENV_VAR} is set but empty" in err


@pytest.mark.parametrize("offset", ["100000000000000000000", "1000000001"])
def test_an_offset_past_the_limit_is_refused(demo: str, offset: str) -> None:
    code, _, err = invoke("list", "--offset", offset, "--db", demo)
    assert code == ValidationError.exit_code
    assert "offset: must be 0..1,000,000,000" in err


def test_a_password_in_the_url_is_never_printed() -> None:
    code, _, err = invoke("list", "--db", "postgresql://u:s3cret@127.0.0.1:1/x")
    assert code == DatabaseNotFoundError.exit_code
    assert "s3cret" not in err


def test_a_password_in_a_url_that_cannot_be_parsed_is_never_printed() -> None:
    code, _, err = invoke("list", "--db", "postgresql://u:s3cret@127.0.0.1:abc/x")
    assert code == ConfigurationError.exit_code
    assert "s3cret" not in err
    assert "u:***@" in err
