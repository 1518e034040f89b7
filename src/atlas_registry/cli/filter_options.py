"""The model-list filters as command-line options, derived from :class:`ModelFilters`.

Typer reads a command's options from its signature. :func:`with_model_filters`
writes one option per filter into it, with the library's type, default and
help and the flag below, and hands the command the values gathered into one
``ModelFilters``: the command declares no filter of its own, so it takes
exactly the filters the library and the API take.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from atlas_registry import MODEL_FILTER_FIELDS, ModelFilters

# The flag of each filter: the words people type, shorter than the fields' names.
FLAGS = {
    "promotion_state": "--state",
    "model_family": "--family",
    "framework": "--framework",
    "trained_by": "--trained-by",
    "benchmark_id": "--benchmark",
    "base_model_id": "--base-model",
    "is_external": "--external/--internal",
    "line": "--line",
    "trained_on": "--trained-on",
    "evaluated_on": "--evaluated-on",
    "latest_only": "--latest",
    "tag": "--tag",
}


def filter_options() -> list[inspect.Parameter]:
    """One Typer option per filter, in the library's order.

    A filter without a flag above is a KeyError when the CLI loads, which
    tests/test_model_filters.py catches before any release.
    """
    return [
        inspect.Parameter(
            f.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=f.default,
            annotation=Annotated[f.annotation, typer.Option(FLAGS[f.name], help=f.help)],
        )
        for f in MODEL_FILTER_FIELDS
    ]


def with_model_filters(command: Callable[..., None]) -> Callable[..., None]:
    """``command``, which takes ``filters: ModelFilters``, as a command taking each filter
    as an option (ahead of its own options)."""
    own = inspect.signature(command, eval_str=True)
    options = filter_options()
    rest = [p for name, p in own.parameters.items() if name != "filters"]
    clash = {p.name for p in options} & {p.name for p in rest}
    if clash:
        raise TypeError(f"{command.__name__} has parameters named as filters: {sorted(clash)}")

    @functools.wraps(command)
    def taking_filters(**values: Any) -> None:
        filters = ModelFilters(**{p.name: values.pop(p.name) for p in options})
        command(filters=filters, **values)

    parameters = [*options, *rest]
    taking_filters.__signature__ = own.replace(parameters=parameters)  # type: ignore[attr-defined]
    taking_filters.__annotations__ = {p.name: p.annotation for p in parameters}
    return taking_filters
