"""`schema check`: what a schema change would break among stored models, before it ships."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from atlas_registry import InputError, ModelRegistration, Registry
from atlas_registry.catalog import schema_check
from atlas_registry.schema.validation import load_schema
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression


def _stored(registry: Registry) -> tuple[str, str]:
    """Two models: 24 parameters and 5,000 parameters."""
    larger = {**logistic_regression(), "parameter_count": 5000}
    small = registry.register_model(
        ModelRegistration(title="small", metadata=logistic_regression())
    )
    large = registry.register_model(ModelRegistration(title="large", metadata=larger))
    return small.id, large.id


def _capped_parameters(limit: int) -> dict[str, object]:
    """A proposed schema that refuses models with more than ``limit`` parameters."""
    proposed = copy.deepcopy(load_schema())
    proposed["$id"] = proposed["$id"].rsplit(":", 1)[0] + ":2.0.0"
    proposed["properties"]["parameter_count"]["maximum"] = limit
    return proposed


def test_the_schema_in_force_accepts_every_stored_model(registry: Registry) -> None:
    _stored(registry)
    result = registry.check_schema()
    assert (result.ok, result.checked, result.breaking) == (True, 2, 0)


def test_a_proposed_schema_names_each_model_and_path_it_would_refuse(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, large = _stored(registry)
    monkeypatch.setattr(schema_check, "PAGE", 1)  # every model on its own page
    pages: list[int] = []
    result = registry.check_schema(_capped_parameters(1000), on_page=pages.append)
    assert (result.ok, result.checked, result.breaking) == (False, 2, 1)
    assert pages == [1, 1]
    [refused] = result.shown
    assert refused.model_id == large
    assert refused.validated_by == "1.0.0"
    assert [v.path for v in refused.violations] == ["parameter_count"]
    assert small not in {item.model_id for item in result.shown}


def test_an_unusable_proposed_schema_is_refused(registry: Registry) -> None:
    with pytest.raises(InputError, match=r"\$id"):
        registry.check_schema(["not", "a", "schema"])
    with pytest.raises(InputError, match="not a usable JSON Schema"):
        registry.check_schema({"$id": "x:1", "type": 12})


@pytest.mark.parametrize("ref", ["file:///etc/hostname", "https://schemas.example.org/model.json"])
def test_a_proposed_schema_is_never_let_read_a_file_or_a_url(registry: Registry, ref: str) -> None:
    """The validator library follows a ``$ref`` to a file or a URL unless told not to:
    the refusal must come from the registry's retriever, before anything is read."""
    with pytest.raises(InputError, match="is not read: a schema must hold every definition"):
        registry.check_schema({"$id": "x:1", "properties": {"a": {"$ref": ref}}})
    # One line: jsonschema-rs's own account of where is not passed on.
    with pytest.raises(InputError) as refused:
        registry.check_schema({"$id": "x:1", "$ref": ref})
    assert "\n" not in str(refused.value)


def test_the_command_exits_1_when_anything_would_break(
    registry: Registry, tmp_path: Path, db_url: str
) -> None:
    _, large = _stored(registry)
    proposed = tmp_path / "proposed.json"
    proposed.write_text(json.dumps(_capped_parameters(1000)))
    code, out, _ = invoke("schema", "check", "--db", db_url)
    assert code == 0
    assert "all 2 stored models satisfy" in out
    code, out, _ = invoke("schema", "check", "--schema", str(proposed), "--db", db_url, "--json")
    assert code == 1
    report = json.loads(out)
    assert (report["checked"], report["breaking"], report["ok"]) == (2, 1, False)
    assert report["models"][0]["model_id"] == large
    assert report["models"][0]["violations"][0]["path"] == "parameter_count"
    code, out, _ = invoke("schema", "check", "--schema", str(proposed), "--db", db_url)
    assert code == 1
    assert "1 of 2 stored models would be refused" in out
    proposed.write_text("[1, 2]")
    code, _, err = invoke("schema", "check", "--schema", str(proposed), "--db", db_url)
    assert code == InputError.exit_code
    assert "$id" in err


# Stored metadata the registry would not write today (an older release, a hand edit):
# each breaks a document limit that the schema alone cannot see, where it hides.
HOSTILE_HYPERPARAMETERS = {
    "a NUL": '{"C": "0.5\\u0000"}',
    "an integer past 2^53": '{"C": 9007199254740993}',
    "a negative one": '{"C": -90071992547409930}',
    "a key of 1,001 characters": '{"' + "k" * 1001 + '": 1}',
    "a lone surrogate": '{"C": "\\ud800"}',
    "nesting past the limit": '{"C": ' + "[" * 20 + "]" * 20 + "}",
}
# Look-alikes of those that break nothing: the check must accept them.
PLAIN_HYPERPARAMETERS = {
    "sixteen digits in text": '{"run": "9007199254740993"}',
    "an escaped backslash before u0000": '{"path": "C:\\\\u0000"}',
    "a surrogate pair": '{"name": "\\ud83d\\ude00"}',
    "a long key-like value": '{"note": "' + "k" * 1001 + '"}',
}


def _store_hyperparameters(registry: Registry, model_id: str, hyperparameters: str) -> None:
    from sqlalchemy import text

    stored = json.dumps({**logistic_regression(), "training_config": {"hyperparameters": 0}})
    with registry.database.transaction(write=True) as conn:
        conn.execute(
            text("UPDATE artifacts SET metadata = :m WHERE id = :id"),
            {
                "m": stored.replace(
                    '"hyperparameters": 0', f'"hyperparameters": {hyperparameters}'
                ),
                "id": model_id,
            },
        )


@pytest.mark.parametrize("case", sorted(HOSTILE_HYPERPARAMETERS))
def test_stored_metadata_past_a_document_limit_is_reported_where_it_is(
    registry: Registry, case: str
) -> None:
    small, _ = _stored(registry)
    _store_hyperparameters(registry, small, HOSTILE_HYPERPARAMETERS[case])
    result = registry.check_schema()
    assert (result.checked, result.breaking) == (2, 1)
    [refused] = result.shown
    assert refused.model_id == small
    assert all(v.path.startswith("training_config.hyperparameters") for v in refused.violations)


@pytest.mark.parametrize("case", sorted(PLAIN_HYPERPARAMETERS))
def test_stored_metadata_that_only_looks_hostile_is_accepted(registry: Registry, case: str) -> None:
    small, _ = _stored(registry)
    _store_hyperparameters(registry, small, PLAIN_HYPERPARAMETERS[case])
    result = registry.check_schema()
    assert (result.checked, result.breaking) == (2, 0)
