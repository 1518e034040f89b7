"""When two metric values can be compared: only within one evaluation context.

A word error rate of 14.7 on VoxPopuli and 9.81 on Common Voice are the same
weights measured on two data sets, not an improvement; an mae on a
diarisation benchmark says nothing against an mae on a speech-recognition one.
A value is comparable only with values of the same benchmark (``benchmark_id``)
measured on the same evaluation data (``metadata.evaluation_dataset``). Every
"best", ranking across models shown side by side and trend across versions
asks :func:`evaluation_context` first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from atlas_registry.records import ModelRecord

# What names the evaluation data in a data reference. The catalog artifact or the
# URL says which data set, the version which state of it, the sample count which
# part of it. A URL alone names a whole data set (a hub page), so a URL reference's
# description is compared too: it is where a card records its config and split.
NAMING_FIELDS = ("artifact_id", "url", "version", "n_samples")


@dataclass(frozen=True, order=True)
class EvaluationContext:
    """The benchmark and the evaluation data a model's metrics were measured on.

    Two contexts are equal when their benchmark and the fields that name their
    data are; ``description`` is only how the data is shown.
    """

    benchmark_id: str | None
    dataset: tuple[tuple[str, str], ...]
    description: str = field(default="", compare=False)

    @property
    def data(self) -> str:
        """The evaluation data as a person reads it: its description, else what names it."""
        return self.description or dict(self.dataset).get("url") or "data not recorded"

    @property
    def label(self) -> str:
        """The context as a person reads it: ``benchmark · data set``."""
        return f"{self.benchmark_id or 'no benchmark'} · {self.data}"


def evaluation_context(model: ModelRecord) -> EvaluationContext:
    """The context in which ``model``'s metrics can be compared with another model's."""
    reference = (model.metadata or {}).get("evaluation_dataset")
    reference = reference if isinstance(reference, Mapping) else {}
    named = tuple(
        (key, _plain(reference[key])) for key in NAMING_FIELDS if reference.get(key) is not None
    )
    description = _plain(reference.get("description") or "")
    if "artifact_id" in reference:
        # A catalog artifact names its data whatever the description says of it.
        return EvaluationContext(model.benchmark_id, named, _shown(reference, description))
    return EvaluationContext(
        model.benchmark_id, (*named, ("description", description)), description
    )


def _plain(value: Any) -> str:
    """A field compared as a person reads it: whitespace runs are one space, case is kept."""
    return " ".join(str(value).split())


def _shown(reference: Mapping[str, Any], description: str) -> str:
    return description or _plain(reference.get("artifact_id", ""))


def split_by_context(
    model: ModelRecord, others: Iterable[ModelRecord]
) -> tuple[list[ModelRecord], list[ModelRecord]]:
    """``others`` in ``model``'s evaluation context, and those outside it (each in order).

    A trend across a line's versions draws the first list only: a version
    measured on other data is no step of the line's progress.
    """
    context = evaluation_context(model)
    same: list[ModelRecord] = []
    other: list[ModelRecord] = []
    for candidate in others:
        (same if evaluation_context(candidate) == context else other).append(candidate)
    return same, other


def best_in_context(models: Iterable[ModelRecord], metric: str, direction: str) -> set[str]:
    """The ids of the models whose ``metric`` is the best of their evaluation context.

    Best is by the metric's ``direction`` (``higher`` or ``lower``; ``unknown``
    names no best) among at least two values of one context: a value alone in
    its context beats nothing, and values of different contexts are never ranked.
    """
    if direction not in ("higher", "lower"):
        return set()
    values: dict[EvaluationContext, list[tuple[float, str]]] = {}
    for model in models:
        value = (model.eval_metrics or {}).get(metric)
        if isinstance(value, int | float) and not isinstance(value, bool):
            values.setdefault(evaluation_context(model), []).append((float(value), model.id))
    best: set[str] = set()
    for found in values.values():
        if len(found) < 2:
            continue
        top = (min if direction == "lower" else max)(value for value, _ in found)
        best |= {model_id for value, model_id in found if value == top}
    return best
