"""The model-list filters are defined once (ModelFilters); every surface takes exactly them.

The library's listings, the API's query parameters, the CLI's options and the
pages' form are derived from the one definition: these tests hold that each
declares the same filters with the same help, and that a filter lists the same
models whichever surface it is given to, on both databases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from atlas_registry import (
    MODEL_FILTER_FIELDS,
    FilterField,
    ModelFilters,
    Registry,
    SchemaAdmin,
    ValidationError,
)
from atlas_registry.api import create_app
from atlas_registry.cli import app
from atlas_registry.cli.filter_options import FLAGS, with_model_filters
from atlas_registry.errors import Violation

NAMES = [f.name for f in MODEL_FILTER_FIELDS]
PAGING = {"page_size", "page_token"}
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
        "latest_only",
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
