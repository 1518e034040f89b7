"""The model-list filters as query parameters, derived from :class:`ModelFilters`.

``Depends(model_filters)`` gives a route one query parameter per filter, with
the library's name, type, default and help (its description in the OpenAPI
document), and hands the route a :class:`ModelFilters`. A filter added to the
library is a parameter here with no edit; one the library lacks cannot be
declared. Being read by a dependency, the parameters are still the route's:
StrictQueryRoute refuses any other.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import Query

from atlas_registry import MODEL_FILTER_FIELDS, ModelFilters


async def model_filters(**values: Any) -> ModelFilters:
    """The filters of a request's query string (async: run in the loop, not a thread)."""
    return ModelFilters(**values)


model_filters.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=Query(f.default, description=f.help),
            annotation=f.annotation,
        )
        for f in MODEL_FILTER_FIELDS
    ],
    return_annotation=ModelFilters,
)
