"""MLflow's text as values the metadata schema holds: typed where unambiguous, never bent.

MLflow stores every param as text, lets a param be named ``optimizer/lr``,
a run hold hundreds of them, and a tag or description run to thousands of
characters. The schema's free objects (``training_config.hyperparameters``,
``extensions``) take keys of letters, digits and ``_ . @ -``, at most 200
entries, and texts of at most 2,000 characters. A version would be held for
what MLflow allows, with no way to change a finished run; instead:

- a param becomes a number or a boolean only where its text says so
  unambiguously (:func:`param_value`);
- a param the schema cannot hold as it is (its name, its length, past the
  200th) is not altered: its name is listed under
  ``extensions.mlflow.params_not_kept``, so the version says what it lacks
  (the run id says where to find it); so is a metric (``val/AUROC``, a NaN)
  under ``metrics_not_kept``;
- a note (a tag, a description) longer than a text may be is kept cut, and
  says where it was cut and how long it is (:func:`fitted_text`).

The limits are read from the schema, the one source of its rules.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from atlas_registry.schema.patterns import EXTENSION_KEY, METRIC_NAME
from atlas_registry.schema.validation import load_schema

_SCHEMA = load_schema()
_DEFINITIONS = _SCHEMA["definitions"]
METRICS_LIMIT: int = _SCHEMA["properties"]["evaluation_metrics"]["maxProperties"]
TEXT_LIMIT: int = _DEFINITIONS["scalar"]["anyOf"][0]["maxLength"]
ENTRIES_LIMIT: int = _DEFINITIONS["free_object"]["maxProperties"]
LIST_LIMIT: int = _DEFINITIONS["flat_value"]["anyOf"][1]["maxItems"]

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
# Integers beyond this lose digits in JavaScript and other doubles-only JSON readers.
_EXACT_INTEGER = 2**53 - 1
_BOOLEANS = {"true": True, "True": True, "false": False, "False": False}


def param_value(text: str) -> Any:
    """An MLflow param (always text) as the value it unambiguously writes, else the text.

    An integer without leading zeros (up to 2**53 - 1), a finite decimal or
    exponent number that reads back exactly as a double, and ``true``/``false``
    (``True``/``False`` as Python logs them) are converted; ``007``, ``1_000``,
    ``nan``, ``0.1000000000000000001``, ``None`` and the rest stay text.
    """
    if text in _BOOLEANS:
        return _BOOLEANS[text]
    if _INTEGER.fullmatch(text):
        number = int(text)
        return number if abs(number) <= _EXACT_INTEGER else text
    if _DECIMAL.fullmatch(text):
        value = float(text)
        if math.isfinite(value) and Decimal(repr(value)) == Decimal(text):
            return value
    return text


def hyperparameters(params: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The params the schema holds as they are (typed), and the names of those it cannot."""
    kept: dict[str, Any] = {}
    left: list[str] = []
    for name in sorted(params):
        value = params[name]
        fits = EXTENSION_KEY.fullmatch(name) and len(value) <= TEXT_LIMIT
        if fits and len(kept) < ENTRIES_LIMIT:
            kept[name] = param_value(value)
        else:
            left.append(fitted_text(name))
    return kept, left[:LIST_LIMIT]


def evaluation_metrics(metrics: dict[str, Any]) -> tuple[dict[str, float], list[str]]:
    """The run's metrics the schema holds (a metric name, a finite number), and the others' names.

    ``val/AUROC`` or a NaN is not renamed or dropped without a word: it is
    named, and a version whose every metric is unfit is held for want of
    evaluation metrics (an ``atlas.evaluation_metrics`` tag supplies them).
    """
    kept: dict[str, float] = {}
    left: list[str] = []
    for name in sorted(metrics):
        value = metrics[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        fits = METRIC_NAME.fullmatch(name) and number and math.isfinite(value)
        if fits and len(kept) < METRICS_LIMIT:
            kept[name] = value
        else:
            left.append(fitted_text(name))
    return kept, left[:LIST_LIMIT]


def fitted_text(text: str) -> str:
    """``text`` whole when the schema holds it, else cut, saying so and how long it was."""
    if len(text) <= TEXT_LIMIT:
        return text
    note = f" [cut here: {len(text):,} characters in MLflow]"
    return text[: TEXT_LIMIT - len(note)] + note
