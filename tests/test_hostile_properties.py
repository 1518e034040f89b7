"""Property: any JSON-ish value is accepted and read back equal, or refused by a registry error.

Hypothesis builds recursive values with the edges hostile input reaches for
(deep nesting, huge integers, NaN and infinities, NUL, lone surrogates,
whitespace-padded ids) and puts them where a registration carries free data.
Each example is registered on SQLite and on PostgreSQL: both must give the same
answer, and no exception other than a RegistryError may escape. The same goes
for the text of a registration document read by the one JSON reader.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atlas_registry import (
    ModelRegistration,
    Registry,
    RegistryError,
    SchemaAdmin,
    documents,
    parse_json,
)
from tests.conftest import reset_postgres
from tests.payloads import logistic_regression

pytestmark = pytest.mark.slow  # Hypothesis, on both backends

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}

EDGE_TEXT = st.sampled_from(
    ["", "\x00", "a\x00b", "\ud800", "x\udfffy", "  padded  ", "model-1\n", "é😀", "\u2028"]
)
EDGE_NUMBERS = st.sampled_from(
    [2**53, 2**53 + 1, -(2**53) - 1, 10**400, 0.1, -0.0, 1e308, math.nan, math.inf, -math.inf]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    EDGE_TEXT,
    EDGE_NUMBERS,
)
FLAT = st.one_of(SCALARS, st.lists(SCALARS, max_size=3))
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.one_of(st.text(max_size=6), EDGE_TEXT), children, max_size=3)
    ),
    max_leaves=12,
)


@st.composite
def deep(draw: st.DrawFn) -> Any:
    value = draw(st.one_of(SCALARS, FLAT, VALUES))
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 1, 2, 17, 70]))):
        value = {"a": value} if draw(st.booleans()) else [value]
    return value


PLACES = ("extensions", "training_config.hyperparameters", "evaluation_metrics", "description")


@pytest.fixture(scope="module")
def registries(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str
) -> Iterator[tuple[Registry, Registry]]:
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('prop') / 'r.db'}"
    reset_postgres(postgres_url)
    for url in (sqlite_url, postgres_url):
        with SchemaAdmin.open(url, create=True) as admin:
            admin.migrate()
    with Registry.open(sqlite_url) as lite, Registry.open(postgres_url) as pg:
        yield lite, pg


def _registration(place: str, value: Any) -> ModelRegistration:
    metadata = logistic_regression()
    fields: dict[str, Any] = dict(PIN)
    if place == "extensions":
        metadata["extensions"] = {"x": value}
    elif place == "training_config.hyperparameters":
        metadata["training_config"]["hyperparameters"]["x"] = value
    elif place == "evaluation_metrics":
        metadata["evaluation_metrics"]["x"] = value
    else:
        fields["description"] = value
    return ModelRegistration(title="property", metadata=metadata, **fields)


def _outcome(registry: Registry, registration: ModelRegistration) -> tuple[str, Any]:
    try:
        record = registry.register_model(registration)
    except RegistryError as error:
        return type(error).__name__, sorted(getattr(error, "paths", []))
    stored = registry.get_model(record.id)
    assert stored.metadata == json.loads(json.dumps(registration.metadata))
    assert stored.description == registration.description
    return "accepted", None


@settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(place=st.sampled_from(PLACES), value=deep())
def test_register_accepts_and_reads_back_or_refuses_alike_on_both_backends(
    registries: tuple[Registry, Registry], place: str, value: Any
) -> None:
    registration = _registration(place, value)
    lite, pg = registries
    assert _outcome(lite, registration) == _outcome(pg, registration)


@settings(max_examples=80, derandomize=True, deadline=None)
@given(value=deep())
def test_the_reader_returns_the_value_or_refuses_with_a_registry_error(value: Any) -> None:
    try:
        text = json.dumps({"x": value})
    except (ValueError, RecursionError):
        return
    try:
        document = parse_json(text, "generated")
    except RegistryError:
        return
    assert document == json.loads(text)


def test_the_property_module_reaches_both_backends(registries: tuple[Registry, Registry]) -> None:
    lite, pg = registries
    assert lite.database.dialect == "sqlite"
    assert pg.database.dialect == "postgresql"
    assert Path(str(lite.database.url.database)).is_file()


# Raw JSON texts, written token by token so that what only text can carry is
# reachable: a key named twice, a key spaced from its colon, an integer literal
# past 2^64 (which orjson reads as a float), ``\":`` inside a string.
LITERALS = st.sampled_from(
    [
        "0", "-0", "1", "-1", "0.5", "-0.0", "1e16", "1E300", "1e400", "1.0e-400", "NaN",
        str(2**53), str(2**53 + 1), str(-(2**53) - 1), str(2**64 + 1), "9" * 30,
        "9007199254740993.0", "true", "false", "null",
    ]
)  # fmt: skip
STRINGS = st.one_of(
    st.text(max_size=6).map(json.dumps),
    st.sampled_from(['"\\u0000"', '"\\ud800"', '"a\\":b"', '"\\":"', '"\\\\"', '"é"', '""']),
)
KEY_ENDS = st.sampled_from([":", ":", ": ", ": ", ":\n", " :", "\t: "])


def _object_text(pairs: list[tuple[str, str, str]]) -> str:
    return "{" + ", ".join(json.dumps(key) + end + value for key, end, value in pairs) + "}"


JSON_TEXTS = st.recursive(
    st.one_of(LITERALS, STRINGS),
    lambda children: (
        st.lists(children, max_size=4).map(lambda items: "[" + ",".join(items) + "]")
        | st.lists(
            st.tuples(
                st.sampled_from(["a", "b", "c", "a", "b", "a\\", 'a"', "k" * 1001]),
                KEY_ENDS,
                children,
            ),
            max_size=4,
        ).map(_object_text)
    ),
    max_leaves=10,
)


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    text = draw(JSON_TEXTS)
    levels = draw(st.sampled_from([0, 0, 0, 1, 62, 63, 64, 70]))
    return "[" * levels + text + "]" * levels


@settings(max_examples=600, derandomize=True, deadline=None)
@given(text=json_texts())
def test_the_fast_reader_accepts_only_what_the_full_reader_accepts_alike(text: str) -> None:
    """The fast path may decline anything, but what it accepts the full reader accepts, equal."""
    fast = documents._plainly_within_limits(text)
    if fast is None:
        return
    full = documents._read_fully(text, "generated")  # raises if the fast path was wrong
    assert json.dumps(fast[0]) == json.dumps(full)  # same values, same int/float kinds


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '{"a" : 1, "a" : 2}',
        '{"s": "x\\": 1", "a": 1, "a": 2}',
        '[{"a": 1}, {"b": {"c": 1, "c": 1}}]',
        str(2**64 + 1),
        "[" + "9" * 30 + "]",
        '{"a": "\\u0000"}',
        "[" * 65 + "]" * 65,
        json.dumps({"k" * 1001: 1}),
    ],
)
def test_the_fast_reader_leaves_every_broken_limit_to_the_full_reader(text: str) -> None:
    assert documents._plainly_within_limits(text) is None
    with pytest.raises(RegistryError):
        parse_json(text, "x")
