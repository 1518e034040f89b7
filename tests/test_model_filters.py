"""The model-list filters are defined once (ModelFilters); every surface takes exactly them.

The library's listings, the API's query parameters, the CLI's options and the
pages' form are derived from the one definition: these tests hold that each
declares the same filters with the same help, and that a filter lists the same
models whichever surface it is given to, on both databases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient

from atlas_registry import (
    MODEL_FILTER_FIELDS,
    FilterField,
    ModelFilters,
    ModelRegistration,
    Registry,
    SchemaAdmin,
    ValidationError,
)
from atlas_registry.api import create_app
from atlas_registry.cli import app
from atlas_registry.cli.filter_options import FLAGS, with_model_filters
from atlas_registry.errors import Violation
from tests.catalog_helpers import add_artifact
from tests.cli_helpers import invoke
from tests.payloads import (
    external_fine_tune,
    logistic_regression,
    rule_based_ranker,
    transformer_classifier,
)

NAMES = [f.name for f in MODEL_FILTER_FIELDS]
PAGING = {"page_size", "page_token"}
PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
CLI_OWN = {"limit", "page_token", "offset", "db", "as_json"}


def test_the_filters_are_the_fields_of_model_filters() -> None:
    assert NAMES == [
        "promotion_state",
        "model_family",
        "framework",
        "trained_by",
        "benchmark_id",
        "base_model_id",
        "is_external",
        "line",
        "trained_on",
        "evaluated_on",
        "latest_only",
        "tag",
    ]
    assert ModelFilters().to_dict() == {**dict.fromkeys(NAMES), "latest_only": False}
    assert all(f.help for f in MODEL_FILTER_FIELDS)


def test_the_api_takes_each_filter_as_a_query_parameter_with_its_help(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'openapi.db'}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
    with Registry.open(url) as registry:
        document = create_app(registry).fastapi.openapi()  # type: ignore[attr-defined]
    parameters = document["paths"]["/api/v1/models"]["get"]["parameters"]
    described = {p["name"]: p.get("description") for p in parameters if p["name"] not in PAGING}
    assert described == {f.name: f.help for f in MODEL_FILTER_FIELDS}
    types = {p["name"]: p["schema"] for p in parameters}
    assert types["is_external"]["anyOf"] == [{"type": "boolean"}, {"type": "null"}]
    assert (types["latest_only"]["type"], types["latest_only"]["default"]) == ("boolean", False)


def test_the_cli_takes_each_filter_as_an_option_with_its_help() -> None:
    command = typer.main.get_command(app).commands["list"]  # type: ignore[attr-defined]
    options = {p.name: p for p in command.params}
    filters = {name: option for name, option in options.items() if name not in CLI_OWN}
    assert list(filters) == NAMES
    assert {n: o.help for n, o in filters.items()} == {f.name: f.help for f in MODEL_FILTER_FIELDS}
    assert filters["promotion_state"].opts == ["--state"]
    assert filters["is_external"].opts == ["--external"]
    assert filters["is_external"].secondary_opts == ["--internal"]
    assert set(options) - set(filters) == CLI_OWN


def test_a_filter_without_a_flag_cannot_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """A filter added to the library is an option of ``list`` or the CLI does not start."""
    added = FilterField("newest_metric", str | None, None, "A filter added later.")
    monkeypatch.setattr(
        "atlas_registry.cli.filter_options.MODEL_FILTER_FIELDS", (*MODEL_FILTER_FIELDS, added)
    )

    def command(filters: ModelFilters) -> None:
        raise AssertionError("never run")

    with pytest.raises(KeyError, match="newest_metric"):
        with_model_filters(command)
    monkeypatch.setitem(FLAGS, "newest_metric", "--newest-metric")

    def clashing(filters: ModelFilters, line: str = "") -> None:
        raise AssertionError("never run")

    with pytest.raises(TypeError, match="named as filters"):
        with_model_filters(clashing)


def test_an_unknown_filter_is_refused_alike_by_both_listings(registry: Registry) -> None:
    """A misspelt filter matches nothing: refused, naming the filters, by offset or by page."""
    listed = ", ".join(n for n in NAMES if n != "latest_only")
    for listing in (registry.list_models, registry.list_page):
        with pytest.raises(ValidationError) as refused:
            listing(state="promoted")
        assert refused.value.violations == (Violation("state", f"filters are {listed}"),)


class Surfaces:
    """A catalog where each filter picks some models and leaves others, and each surface
    that lists it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.registry = registry = Registry.open(url)
        self.client = TestClient(create_app(registry), base_url="http://127.0.0.1")
        add_artifact(registry.database, "dataset-sea-ad", "dataset")
        first = registry.register_model(_registration(line="ad-risk", trained_by="agent-7"))
        registry.register_model(_registration(line="ad-risk"))
        for metadata in (transformer_classifier(), rule_based_ranker()):
            registry.register_model(_registration(metadata=metadata, trained_by="agent-9"))
        registry.register_model(_registration(metadata=external_fine_tune(first.id)))
        registry.promote("ad-risk@2", actor="agent-7", notes="checked", override=True)
        registry.set_tags("ad-risk@2", {"team": "vision"}, actor="agent-7")
        self.every = registry.list_models()

    def library(self, name: str, value: Any) -> list[str]:
        return [m.id for m in self.registry.list_page(page_size=50, **{name: value}).items]

    def api(self, name: str, value: Any) -> list[str]:
        shown = str(value).lower() if isinstance(value, bool) else value
        answer = self.client.get("/api/v1/models", params={name: shown, "page_size": 50})
        assert answer.status_code == 200, answer.text
        return [m["id"] for m in answer.json()["items"]]

    def cli(self, name: str, value: Any) -> list[str]:
        flag, _, negative = FLAGS[name].partition("/")
        given = [flag, str(value)] if isinstance(value, str) else [flag if value else negative]
        if isinstance(value, list):  # a repeatable filter: the flag before each value
            given = [word for item in value for word in (flag, item)]
        code, out, err = invoke("list", *given, "--limit", "50", "--json", "--db", self.url)
        assert code == 0, err
        return [m["id"] for m in json.loads(out)["items"]]

    def page(self, name: str, value: Any) -> list[str]:
        query = {name: value}
        if name == "is_external":
            query = {"external": "yes" if value else "no"}
        elif name == "latest_only":
            query = {name: "1"}
        answer = self.client.get("/versions", params=query)
        assert answer.status_code == 200, answer.text
        return list(dict.fromkeys(re.findall(r'<a href="/models/([^"#]+)">', answer.text)))


def _registration(**fields: Any) -> ModelRegistration:
    document = {"title": "AD risk", "metadata": logistic_regression(), **PIN, **fields}
    return ModelRegistration.from_dict(document)


@pytest.fixture
def surfaces(migrated_url: str) -> Iterator[Surfaces]:
    found = Surfaces(migrated_url)
    yield found
    found.client.close()
    found.registry.close()


def _a_value(every: list[Any], field: FilterField) -> Any:
    """A value of the filter that some models have and others lack."""
    if field.name == "tag":
        return ["team=vision"]
    if not field.takes_text:
        return True
    if field.name in {"trained_on", "evaluated_on"}:  # named by the transformer's metadata
        return "dataset-sea-ad"
    attribute = "line_name" if field.name == "line" else field.name
    values = [getattr(m, attribute) for m in every if getattr(m, attribute)]
    assert values, field.name
    return values[-1]


@pytest.mark.slow  # each filter through four surfaces, on both databases
def test_each_filter_lists_the_same_models_on_every_surface(surfaces: Surfaces) -> None:
    every = surfaces.every
    for field in MODEL_FILTER_FIELDS:
        for value in [_a_value(every, field), *([False] if field.name == "is_external" else [])]:
            listed = surfaces.library(field.name, value)
            assert 0 < len(listed) < len(every), (field.name, value)
            assert surfaces.api(field.name, value) == listed, (field.name, value)
            assert surfaces.cli(field.name, value) == listed, (field.name, value)
            assert surfaces.page(field.name, value) == listed, (field.name, value)


def test_the_versions_form_asks_every_filter(surfaces: Surfaces) -> None:
    page = surfaces.client.get("/versions").text
    form = page.split('<form class="filters"')[1].split("</form>")[0]
    asked = set(re.findall(r'name="([a-z_]+)"', form))
    assert asked == {*NAMES, "external"} - {"is_external"}
