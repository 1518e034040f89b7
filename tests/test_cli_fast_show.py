"""The CLI's fast `show` on SQLite: a model named by its id, read with ``sqlite3`` alone.

Each test compares the command's whole output (exit code, stdout, stderr) with
the library path's (the fast read switched off), so a difference of one byte
fails; and each case the fast read leaves to the library is shown to be left.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from atlas_registry import (
    DatasetRegistration,
    ModelRegistration,
    Registry,
    RegistryError,
    read_shown_model,
)
from atlas_registry.cli import consoles, models
from atlas_registry.cli.consoles import SafeConsole
from atlas_registry.fastread import sqlite_reads
from tests.cli_helpers import invoke
from tests.conftest import copy_migrated
from tests.payloads import logistic_regression
from tests.test_cli_fast_read import (
    HOSTILE_TITLE,
    PIN,
    _both,
)

NOW = "2026-05-01 12:00:00"


def _version(url: str, title: str = "AD risk", *, line: str = "ad-risk") -> str:
    with Registry.open(url) as registry:
        return registry.register_model(
            ModelRegistration(title=title, line=line, metadata=logistic_regression(), **PIN)
        ).id


def _with_everything(url: str, path: Path, model_id: str, text: str = HOSTILE_TITLE) -> None:
    """Give the model one of every part `show` prints, ``text`` wherever text is free."""
    with Registry.open(url) as registry:
        dataset = _dataset(registry, text or "holdout")
        registry.add_evaluation(
            model_id,
            by=text or "someone",
            benchmark_id="adni-conversion-v1",
            dataset_id=dataset,
            split="test",
            metrics={"auroc": 0.91, "brier": 0.12},
            notes=text or None,
        )
        registry.set_tags(model_id, {"team": text or "x"}, actor="a")
        registry.set_tags("ad-risk", {"area": "neuro", "team": "line's"}, actor="a")
        added = registry.add_file(
            model_id,
            {"uri": "s3://bucket/w.bin", "sha256": "a" * 64, "size_bytes": 10, "role": "weights"},
            actor="a",
            notes=text or None,
        )
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO code_pin_checks (artifact_id, checked_at, pin_kind, repo_url, pinned, "
            "commit_found, entrypoint_found, status, detail, checked_by) "
            "VALUES (?, ?, 'code', ?, ?, ?, 1, 'verified', ?, 'checker')",
            (model_id, NOW, PIN["code_repo_url"], PIN["code_commit_sha"], "ok", text),
        )
        conn.execute(
            "INSERT INTO code_pin_changes (artifact_id, changed_at, old_commit_sha, new_repo_url, "
            "new_commit_sha, changed_by, notes) VALUES (?, ?, 'abc1234', ?, ?, 'reviewer', ?)",
            (model_id, NOW, PIN["code_repo_url"], PIN["code_commit_sha"], text),
        )
        conn.execute(
            "INSERT INTO model_file_checks (file_id, artifact_id, checked_at, status, size_found, "
            "sha256_found, detail, checked_by) VALUES (?, ?, ?, 'mismatch', 9, ?, ?, 'checker')",
            (added.file.id, model_id, NOW, "b" * 64, text),
        )
    conn.close()


def _dataset(registry: Registry, title: str) -> str:
    found = registry.register_dataset(
        DatasetRegistration(
            title=title, uri="https://adni.example.org/holdout", license="CC-BY-4.0", revision="1"
        )
    )
    return str(found.id)


@pytest.fixture
def sqlite_registry(migrated_sqlite: Path, tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "registry.db"
    return copy_migrated(migrated_sqlite, path), path


@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("as_json", [(), ("--json",)])
def test_show_by_id_is_read_fast_and_prints_what_the_library_path_prints(
    sqlite_registry: tuple[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    as_json: tuple[str, ...],
    terminal: bool,
) -> None:
    url, path = sqlite_registry
    _version(url)
    model_id = _version(url, HOSTILE_TITLE)
    _with_everything(url, path, model_id)
    parts = read_shown_model(url, model_id)
    assert parts is not None
    assert (len(parts.evaluations), len(parts.files), len(parts.pin_changes)) == (2, 1, 1)
    assert parts.pin_status.state == "verified"
    assert parts.tags == {"area": "neuro", "team": HOSTILE_TITLE}
    if terminal:  # Rich's styles at a terminal's width, as a person's terminal gets them
        shown = SafeConsole(soft_wrap=True, width=120, force_terminal=True, color_system="256")
        monkeypatch.setattr(consoles, "stdout", shown)
    fast, library = _both(monkeypatch, "show", model_id, *as_json, "--db", url)
    assert fast == library
    assert fast[0] == 0
    if as_json:
        assert json.loads(fast[1])["title"] == HOSTILE_TITLE
    else:
        assert ("\x1b[1m" in fast[1]) is terminal  # styled only at a terminal


def test_a_bare_model_shows_the_same(
    sqlite_registry: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = sqlite_registry
    with Registry.open(url) as registry:
        model_id = registry.register_model(
            ModelRegistration(title="bare", metadata=logistic_regression())
        ).id
    assert read_shown_model(url, model_id) is not None
    for args in ((), ("--json",)):
        fast, library = _both(monkeypatch, "show", model_id, *args, "--db", url)
        assert fast == library


def _refs(model_id: str) -> list[str]:
    short = model_id[-8:]
    return [
        "ad-risk",
        "ad-risk@1",
        "ad-risk@latest",
        "ad-risk@promoted",
        short,
        model_id[:12],
        f" {model_id}",
        model_id.upper(),
        "no-such-model",
        "model-\x00",
        "x\udcff",
    ]


def test_every_other_reference_is_left_to_the_library(
    sqlite_registry: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = sqlite_registry
    model_id = _version(url)
    for ref in _refs(model_id):
        assert read_shown_model(url, ref) is None, ref
        fast, library = _both(monkeypatch, "show", ref, "--db", url)
        assert fast == library, ref


def test_a_dataset_id_is_left_to_the_library(
    sqlite_registry: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = sqlite_registry
    with Registry.open(url) as registry:
        dataset = _dataset(registry, "adni")
    assert read_shown_model(url, dataset) is None
    fast, library = _both(monkeypatch, "show", dataset, "--db", url)
    assert fast == library
    assert fast[0] != 0


def test_at_is_left_to_the_library(
    sqlite_registry: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = sqlite_registry
    model_id = _version(url)
    calls: list[Any] = []
    monkeypatch.setattr(models, "read_shown_model", lambda *given: calls.append(given))
    invoke("show", "ad-risk@latest", "--at", "2030-01-01T00:00Z", "--db", url)
    assert calls == []
    assert invoke("show", model_id, "--db", url)[0] == 0
    assert calls == [(url, model_id)]


def test_a_policy_in_the_environment_is_left_to_the_library(
    sqlite_registry: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = sqlite_registry
    model_id = _version(url)
    policy = tmp_path / "policy.toml"
    policy.write_text("this is = = not toml", "utf-8")
    monkeypatch.setenv("ATLAS_REGISTRY_POLICY", str(policy))
    assert read_shown_model(url, model_id) is None
    fast, library = _both(monkeypatch, "show", model_id, "--db", url)
    assert fast == library
    assert fast[0] != 0


def test_postgresql_and_urls_the_library_parses_are_left_to_it(
    migrated_url: str, backend: str, sqlite_registry: tuple[str, Path]
) -> None:
    model_id = _version(migrated_url)
    assert (read_shown_model(migrated_url, model_id) is None) == (backend == "postgresql")
    _, path = sqlite_registry
    for url in (f"sqlite:///{path}?mode=ro", f"sqlite+pysqlite:///{path}", "sqlite://"):
        assert read_shown_model(url, model_id) is None


def test_a_driver_error_is_left_to_the_library(
    sqlite_registry: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, path = sqlite_registry
    model_id = _version(url)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE code_pin_changes")  # the library fails on it too
    conn.close()
    assert read_shown_model(url, model_id) is None


def test_more_evaluations_than_one_in_list_are_left_to_the_library(
    sqlite_registry: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = sqlite_registry
    model_id = _version(url)
    with Registry.open(url) as registry:
        dataset = _dataset(registry, "holdout")
        registry.add_evaluation(
            model_id, by="a", benchmark_id="b", dataset_id=dataset, metrics={"auroc": 0.5}
        )
    assert read_shown_model(url, model_id) is not None
    monkeypatch.setitem(sqlite_reads.statements()["show"], "in_list_chunk", 1)
    assert read_shown_model(url, model_id) is None


@pytest.mark.slow  # new interpreters
@pytest.mark.parametrize("as_json", [(), ("--json",)])
def test_show_by_id_loads_no_sqlalchemy(
    sqlite_registry: tuple[str, Path], as_json: tuple[str, ...]
) -> None:
    url, path = sqlite_registry
    model_id = _version(url)
    _with_everything(url, path, model_id)
    argv = ["atlas-registry", "show", model_id, *as_json, "--db", url]
    probe = (
        "import sys; from atlas_registry.cli import app\n"
        f"sys.argv = {argv!r}\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "unwanted = ('sqlalchemy', 'atlas_registry.registry', 'jsonschema')\n"
        "loaded = [m for m in unwanted if m in sys.modules]\n"
        "print('LOADED', ','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.rsplit("LOADED", 1)[1].strip() == ""
    assert "AD risk" in result.stdout


# ------------------------------------------------------------ hostile stored text

HOSTILE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "[bold red]x[/]",
            ":warning:",
            "\x1b[31mred\x1b[0m",
            "\u202eevil",
            "é😀中文",
            "\u2028\r\n\t",
            "[link=file:///etc/passwd]y[/link]",
            '{"a": 1}',
            "\\x00",
        ]
    ),
)


@pytest.mark.slow  # Hypothesis
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=HOSTILE)
def test_hostile_stored_text_shows_and_lists_the_same_both_ways(
    migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    """Whatever stored text holds, the fast reads print what the library path prints."""
    path = tmp_path_factory.mktemp("hostile") / "registry.db"
    url = copy_migrated(migrated_sqlite, path)
    try:
        model_id = _version(url, text or "untitled")
        _with_everything(url, path, model_id, text)
    except RegistryError:  # text no registration may hold: nothing to show
        reject()
    assert read_shown_model(url, model_id) is not None
    with pytest.MonkeyPatch.context() as patched:
        for args in (("show", model_id), ("show", model_id, "--json"), ("list",)):
            fast = invoke(*args, "--db", url)
            with patched.context() as inner:
                inner.setattr(models, "read_shown_model", lambda *_: None)
                inner.setattr(models, "read_first_page", lambda *_: None)
                library = invoke(*args, "--db", url)
            assert fast == library, args
