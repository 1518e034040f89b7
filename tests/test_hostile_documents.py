"""Hostile documents: every one is refused by name, through the CLI and the library alike.

Each case is a registration document written as raw JSON text, so what a user
can type (duplicate keys, NaN, 400-digit numbers, 100,000 brackets) is what is
tested. ``validate`` sees the metadata part, ``register`` the whole document;
both must refuse it with a registry error that names where, never a traceback,
and the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import (
    InputError,
    ModelRegistration,
    Registry,
    ValidationError,
    parse_json,
)
from atlas_registry.documents import MAX_DOCUMENT_BYTES, MAX_NESTING, MAX_SAFE_INTEGER
from tests.cli_helpers import invoke
from tests.payloads import external_fine_tune, logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
MARK = "__HOSTILE__"


def _document(metadata: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"title": "hostile", **PIN, **fields, "metadata": metadata}


def _with(raw: str, metadata: dict[str, Any] | None = None, **fields: Any) -> tuple[str, str]:
    """(registration text, metadata text) with the raw JSON ``raw`` where MARK stands."""
    registration = json.dumps(_document(metadata or _marked_metric(), **fields))
    meta = json.dumps(metadata or _marked_metric())
    return registration.replace(f'"{MARK}"', raw), meta.replace(f'"{MARK}"', raw)


def _marked_metric() -> dict[str, Any]:
    payload = logistic_regression()
    payload["evaluation_metrics"]["auroc"] = MARK
    return payload


def _marked_config() -> dict[str, Any]:
    payload = logistic_regression()
    payload["training_config"] = MARK
    return payload


def _nested(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


# name -> (registration text, metadata text, a phrase the refusal must contain)
CASES: dict[str, tuple[str, str, str]] = {
    "training_config nested 1,000 deep": (
        *_with(_nested(1000), _marked_config()),
        f"deeper than {MAX_NESTING} levels",
    ),
    "training_config nested 100,000 deep": (
        *_with(_nested(100_000), _marked_config()),
        f"deeper than {MAX_NESTING} levels",
    ),
    "an integer of 5,000 digits": (*_with("9" * 5000), "outside ±2^53"),
    "a metric written as 1 and 400 zeros": (*_with("1" + "0" * 400), "outside ±2^53"),
    "a metric of 1e400": (*_with("1e400"), "overflows a double"),
    "a NaN literal": (*_with("NaN"), "got NaN"),
    "an -Infinity literal": (*_with("-Infinity"), "got -Infinity"),
    "a duplicate key": (
        *_with('0.8, "auroc": 0.9'),
        "is given 2 times (0.8, 0.9)",
    ),
}


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_and_register_refuse_alike(case: str, migrated_url: str, tmp_path: Path) -> None:
    registration, metadata, phrase = CASES[case]
    code, _, err = invoke("validate", _write(tmp_path, "m.json", metadata))
    assert code == ValidationError.exit_code, err
    assert phrase in err
    code, _, err = invoke(
        "register", _write(tmp_path, "r.json", registration), "--db", migrated_url
    )
    assert code == ValidationError.exit_code, err
    assert phrase in err
    code, _, err = invoke("register", "-", "--db", migrated_url, stdin=registration)
    assert code == ValidationError.exit_code
    assert phrase in err
    assert json.loads(invoke("list", "--db", migrated_url, "--json")[1])["items"] == []


def test_a_whole_file_of_brackets_is_refused_with_its_position(tmp_path: Path) -> None:
    code, _, err = invoke("validate", _write(tmp_path, "b.json", "[" * 100_000 + "]" * 100_000))
    assert code == ValidationError.exit_code
    assert f"nests deeper than {MAX_NESTING} levels (at character {MAX_NESTING})" in err


def test_a_refusal_names_the_path_of_the_duplicate(tmp_path: Path) -> None:
    text = '{"title": "t", "metadata": {"framework": "a", "framework": "b"}}'
    code, _, err = invoke("validate", _write(tmp_path, "d.json", text), "--json")
    assert code == ValidationError.exit_code
    [violation] = json.loads(err)["violations"]
    assert violation["path"] == "metadata.framework"
    assert '"a", "b"' in violation["message"]


@pytest.mark.parametrize(
    ("field", "value", "phrase"),
    [
        ("code_repo_url", "https://github.com/lab/repo\u0000", "NUL"),
        ("code_repo_url", "https://github.com/lab/\ud800repo", "unpaired UTF-16 surrogate"),
        ("title", "a title \ud800", "unpaired UTF-16 surrogate"),
        ("title", "a\u0000title", "NUL"),
        ("training_started_at", "0001-01-01T00:00:00+14:00", "outside years 1-9999"),
        ("training_completed_at", "9999-12-31T23:59:59-14:00", "outside years 1-9999"),
    ],
)
def test_hostile_text_fields_are_refused_on_every_path(
    migrated_url: str, tmp_path: Path, field: str, value: str, phrase: str
) -> None:
    text = json.dumps(_document(logistic_regression(), **{field: value}))  # \u escapes
    code, _, err = invoke("register", _write(tmp_path, "r.json", text), "--db", migrated_url)
    assert code == ValidationError.exit_code
    assert f"{field}: " in err
    assert phrase in err
    with Registry.open(migrated_url) as registry, pytest.raises(ValidationError, match=phrase):
        registry.register_model(
            ModelRegistration(metadata=logistic_regression(), **{"title": "t", **PIN, field: value})
        )


@pytest.mark.parametrize(
    "value", ["https://hf.co/org/m\u0000", "https://huggingface.co/org/\ud800m"]
)
def test_an_external_source_url_with_nul_or_a_surrogate_is_refused(
    migrated_url: str, value: str
) -> None:
    metadata = {**external_fine_tune(), "external_source_url": value}
    metadata.pop("base_model_id")
    with Registry.open(migrated_url) as registry:
        with pytest.raises(ValidationError) as caught:
            registry.register_model(ModelRegistration(title="t", metadata=metadata))
        assert caught.value.paths == ["metadata.external_source_url"]
        assert registry.list_models() == []


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (MAX_SAFE_INTEGER, True),
        (-MAX_SAFE_INTEGER, True),
        (MAX_SAFE_INTEGER + 1, False),
        (-MAX_SAFE_INTEGER - 1, False),
        (2**63, False),
        (10**400, False),
        (0.30000000000000004, True),
        (float("nan"), False),
        (float("inf"), False),
        ({1: "a key that is not text"}, False),
        ({"deeper": [{2: "a key that is not text"}]}, False),
        (uuid.UUID(int=1), False),
        (datetime(2024, 1, 1, tzinfo=UTC), False),
        ({"a set"}, False),  # one member: a repr every worker spells alike
    ],
    ids=repr,
)
def test_python_values_obey_the_same_limits(migrated_url: str, value: Any, accepted: bool) -> None:
    metadata = logistic_regression()
    metadata["extensions"] = {"big": value}
    registration = ModelRegistration(title="t", metadata=metadata, **PIN)
    with Registry.open(migrated_url) as registry:
        if accepted:
            record = registry.register_model(registration)
            stored = registry.get_model(record.id).metadata["extensions"]["big"]
            assert stored == value
            assert type(stored) is type(value)
        else:
            with pytest.raises(ValidationError) as caught:
                registry.register_model(registration)
            assert caught.value.paths[0].startswith("metadata.extensions.big")
            assert registry.list_models() == []


def test_a_metric_at_the_integer_limit_reaches_the_leaderboard(migrated_url: str) -> None:
    metadata = logistic_regression()
    metadata["evaluation_metrics"] = {"auroc": 0.5, "n_eval": MAX_SAFE_INTEGER}
    with Registry.open(migrated_url) as registry:
        registry.register_model(ModelRegistration(title="t", metadata=metadata, **PIN))
        [entry] = registry.leaderboard("adni-conversion-v1", "n_eval", direction="higher")
        assert entry.value == float(MAX_SAFE_INTEGER)


def test_a_huge_registration_with_one_bad_field_is_not_echoed(
    migrated_url: str, tmp_path: Path
) -> None:
    huge = "X" * 10_000_000
    metadata = {**logistic_regression(), "framework": huge}
    text = json.dumps(_document(metadata, description="fine"))
    code, _, err = invoke("register", _write(tmp_path, "big.json", text), "--db", migrated_url)
    assert code == ValidationError.exit_code
    assert "metadata.framework" in err
    assert len(err) < 5_000


def test_a_document_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("w") as handle:
        handle.write('{"a": "' + "x" * (MAX_DOCUMENT_BYTES + 10) + '"}')
    code, _, err = invoke("validate", str(path))
    assert code == InputError.exit_code
    assert f"is over {MAX_DOCUMENT_BYTES:,} bytes, the most a document may be" in err


def test_an_endless_file_and_an_empty_path_are_refused_with_what_they_are() -> None:
    code, _, err = invoke("validate", "/dev/zero")
    assert code == InputError.exit_code
    assert "/dev/zero is not a regular file" in err  # refused unread, never read forever
    code, _, err = invoke("validate", "")
    assert code == InputError.exit_code
    assert "no file named" in err


def test_text_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"framework": "caf\xe9"}')
    code, _, err = invoke("validate", str(path))
    assert code == InputError.exit_code
    assert "not UTF-8" in err


def test_a_byte_order_mark_before_the_document_is_ignored(
    migrated_url: str, tmp_path: Path
) -> None:
    """What some editors save as "UTF-8": RFC 8259 lets a reader ignore the mark."""
    path = tmp_path / "bom.json"
    registration = {"title": "Saved with a BOM", "metadata": logistic_regression(), **PIN}
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(registration).encode())
    code, out, err = invoke("register", str(path), "--db", migrated_url, "--quiet")
    assert code == 0, err
    with Registry.open(migrated_url) as registry:
        assert registry.get_model(out.strip()).title == "Saved with a BOM"
    assert parse_json("\ufeff[1]", "x") == [1]
    # Only before the document: inside a value the character is kept as written.
    assert parse_json('"\ufeffa"', "x") == "\ufeffa"
    with pytest.raises(InputError):
        parse_json("\ufeff\ufeff[1]", "x")


REFUSALS: dict[str, Callable[[], Any]] = {
    "not JSON": lambda: parse_json("{", "x"),
    "a lone surrogate escape": lambda: parse_json('{"a": "\\ud800"}', "x"),
    "a NUL escape": lambda: parse_json('{"a": "\\u0000"}', "x"),
    "a key with NUL": lambda: parse_json('{"a\\u0000": 1}', "x"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_the_reader_refuses_with_a_registry_error(case: str) -> None:
    with pytest.raises((InputError, ValidationError)):
        REFUSALS[case]()
