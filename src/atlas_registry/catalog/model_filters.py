"""The filters of a list of models, defined once in :class:`ModelFilters`.

Every surface that lists models takes the same filters: the library's listings
as keyword arguments, the HTTP API as query parameters, the command line as
options, the pages as fields of a form. Each derives its own from the fields
here (name, type, default, one line of help), so a filter added here reaches
all of them, and none can take a filter another lacks.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from atlas_registry.documents import refuse_unstorable
from atlas_registry.errors import ValidationError, Violation
from atlas_registry.records import PROMOTION_STATES


def _filter(help: str, default: bool | None = None) -> Any:
    """A field of :class:`ModelFilters`, with the help every surface shows for it."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class ModelFilters:
    """What a list of models is narrowed by: a version is listed when it matches
    every filter given; a filter left None matches every version."""

    promotion_state: str | None = _filter(f"Promotion state: {', '.join(PROMOTION_STATES)}.")
    model_family: str | None = _filter("metadata.model_family")
    framework: str | None = _filter("metadata.framework")
    trained_by: str | None = _filter("Agent id.")
    benchmark_id: str | None = _filter("Benchmark id.")
    base_model_id: str | None = _filter("Fine-tunes of this model (id or line).")
    is_external: bool | None = _filter("Only external, or only internal, models.")
    line: str | None = _filter("Versions of one named line.")
    trained_on: str | None = _filter("Models trained on this dataset (its artifact id).")
    evaluated_on: str | None = _filter("Models evaluated on this dataset (its artifact id).")
    latest_only: bool = _filter("Only the latest version of each line.", False)
    tag: list[str] | None = _filter(  # noqa: RUF009 (a field() with its help; default None)
        "A tag k=v (or a bare key k) the version or its line carries; repeat it: all must match."
    )

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> ModelFilters:
        """The filters named in ``values`` (keyword arguments); a name that is none is refused."""
        unknown = set(values) - set(FILTER_NAMES)
        if unknown:
            listed = ", ".join(FACT_FILTERS)
            raise ValidationError(
                "unknown filter", [Violation(k, f"filters are {listed}") for k in unknown]
            )
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Every filter by name, as keyword arguments of the registry's listings."""
        return dataclasses.asdict(self)

    def facts(self) -> dict[str, Any]:
        """The facts a listed version must have: the filters given but latest_only, checked,
        with ``is_external`` as the 0 or 1 the catalog stores."""
        # Imported here: the CLI builds its options from this module without SQLAlchemy.
        from atlas_registry.catalog.tag_filter import tag_pairs

        given: dict[str, Any] = {n: v for n in FACT_FILTERS if (v := getattr(self, n)) is not None}
        refuse_unstorable("the filter", given)
        if tags := tag_pairs(given.pop("tag", None)):
            given["tag"] = tags
        if "is_external" in given:
            given["is_external"] = int(given["is_external"])
        state = given.get("promotion_state")
        if state is not None and state not in PROMOTION_STATES:
            raise ValidationError(
                "unknown promotion state",
                [
                    Violation(
                        "promotion_state",
                        f"must be one of {', '.join(PROMOTION_STATES)}, got {state!r:.60}",
                    )
                ],
            )
        return given


class FilterField(NamedTuple):
    """One filter as a surface declares it: a parameter, an option, a field of a form."""

    name: str
    annotation: Any  # the value's type: str | None, bool | None or bool
    default: bool | None
    help: str

    @property
    def takes_text(self) -> bool:
        """True for a filter whose value is a word (a state, a name, an id), not a yes or no."""
        return str in typing.get_args(self.annotation)


def _fields() -> tuple[FilterField, ...]:
    types, defaults = typing.get_type_hints(ModelFilters), ModelFilters()
    return tuple(
        FilterField(f.name, types[f.name], getattr(defaults, f.name), f.metadata["help"])
        for f in dataclasses.fields(ModelFilters)
    )


MODEL_FILTER_FIELDS = _fields()
FILTER_NAMES = tuple(f.name for f in MODEL_FILTER_FIELDS)
# The filters that match a fact of each version; latest_only picks versions of each line instead.
FACT_FILTERS = tuple(name for name in FILTER_NAMES if name != "latest_only")
