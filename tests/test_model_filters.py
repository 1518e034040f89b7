"""The model-list filters are defined once (ModelFilters); every surface takes exactly them.

The library's listings, the API's query parameters, the CLI's options and the
pages' form are derived from the one definition: these tests hold that each
declares the same filters with the same help, and that a filter lists the same
models whichever surface it is given to, on both databases.
"""

from __future__ import annotations

import pytest

from atlas_registry import MODEL_FILTER_FIELDS, ModelFilters, Registry, ValidationError
from atlas_registry.errors import Violation

NAMES = [f.name for f in MODEL_FILTER_FIELDS]


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


def test_an_unknown_filter_is_refused_alike_by_both_listings(registry: Registry) -> None:
    """A misspelt filter matches nothing: refused, naming the filters, by offset or by page."""
    listed = ", ".join(n for n in NAMES if n != "latest_only")
    for listing in (registry.list_models, registry.list_page):
        with pytest.raises(ValidationError) as refused:
            listing(state="promoted")
        assert refused.value.violations == (Violation("state", f"filters are {listed}"),)
