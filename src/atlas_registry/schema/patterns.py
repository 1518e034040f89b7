"""Every identifier pattern the registry checks, compiled from the schema file itself.

The JSON Schema is the one source of each rule: the backfill, the registration
checks and the legacy extractors use these compiled patterns instead of copies
that could drift. Each pattern must match the *whole* value (``fullmatch``):
Python's ``$`` also matches before a trailing newline, so ``"abc1234\\n"`` would
pass a ``^...$`` search, while the schema (ECMA-262 semantics) refuses it.
"""

from __future__ import annotations

import re
from typing import Any

from atlas_registry.schema.validation import load_schema


def _from_schema(pointer: str) -> re.Pattern[str]:
    """The ``pattern`` of the schema node at ``pointer`` (slash-separated), compiled."""
    node: Any = load_schema()
    for part in pointer.split("/"):
        node = node[part]
    return re.compile(node["pattern"])


ARTIFACT_ID = _from_schema("definitions/artifact_id")
HTTP_URL = _from_schema("definitions/http_url")
METRIC_NAME = _from_schema("definitions/metric_name")
EXTENSION_KEY = _from_schema("definitions/free_object/propertyNames")
MODEL_FAMILY = _from_schema("properties/model_family")
FRAMEWORK = _from_schema("properties/framework")
BENCHMARK_ID = _from_schema("properties/benchmark_id")
SOURCE_VERSION = _from_schema("properties/external_source_version")

# Not a metadata field (the code pin is a fact of the training run, beside the
# metadata), so the schema has no node for it; this is its one definition.
COMMIT_SHA = re.compile(r"^(?:[0-9a-f]{7,40}|[0-9a-f]{64})$")


# A model line's name is the registry's own identifier (not metadata): a slug
# such as ``ad-risk-predictor``. No ``@`` (it separates a name from a version in
# ``name@3``), no upper case, so a name reads the same everywhere it is typed.
LINE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")


def matches(pattern: re.Pattern[str], value: object) -> bool:
    """True when ``value`` is text that ``pattern`` matches from its first to its last character."""
    return isinstance(value, str) and pattern.fullmatch(value) is not None
