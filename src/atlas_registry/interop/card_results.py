"""A card's ``model-index`` read as results: each is one task on one data set, config and split.

``huggingface_hub`` flattens ``model-index`` into one ``EvalResult`` per
metric. A version's registered metrics are those of one evaluation data set,
so the metrics are grouped back into the results the card reported (the same
task, data set, config, split, revision and arguments) and every metric is
kept with the result it was reported in. Mixing them would store a value
against a data set or split it was never measured on. One result (the first,
or ``--result N``) is the registration's own; every other is an evaluation of
the same version (origin ``card``), or, when no evaluation can hold it, named
in the report, never dropped without a word.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from atlas_registry.catalog.evaluation_input import metric_values
from atlas_registry.catalog.evaluations import CARD
from atlas_registry.catalog.prepare import ReportedEvaluation
from atlas_registry.errors import ValidationError, Violation
from atlas_registry.interop.card_out_results import HUB_HOST
from atlas_registry.schema.patterns import BENCHMARK_ID, matches

# The fields of an EvalResult that say what was evaluated (not which metric).
_RESULT_FIELDS = (
    "task_type",
    "task_name",
    "dataset_type",
    "dataset_name",
    "dataset_config",
    "dataset_split",
    "dataset_revision",
    "dataset_args",
    "source_name",
    "source_url",
)


def hub_url(identifier: str, kind: str = "") -> str:
    """A Hub id as its huggingface.co URL (``kind='datasets'`` for a data set); URLs stay."""
    if identifier.startswith(("https://", "http://")):
        return identifier
    prefix = f"{kind}/" if kind else ""
    return f"https://{HUB_HOST}/{prefix}{identifier}"


def _text(value: Any) -> str:
    """A card value as text; structured values (``args``) as canonical JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


@dataclass
class CardResult:
    """One result of a card: what was evaluated, and every metric reported on it."""

    number: int
    facts: dict[str, str]
    metrics: list[Any] = field(default_factory=list)  # huggingface_hub EvalResult objects

    def label(self) -> str:
        """The result in a sentence: task, data set, config, split and its metrics."""
        what = self.facts.get("task_name") or self.facts.get("task_type") or "a task"
        values = ", ".join(f"{m.metric_type}={m.metric_value!r}" for m in self.metrics)
        return f"{what} on {self.dataset_description()}: {values}"

    def dataset_description(self) -> str:
        """The data set's name with the config and split the metrics were measured on."""
        name = self.facts.get("dataset_name") or self.facts.get("dataset_type") or "a data set"
        where = [
            f"{part} {self.facts[key]}"
            for part, key in (("config", "dataset_config"), ("split", "dataset_split"))
            if self.facts.get(key)
        ]
        return f"{name} ({', '.join(where)})" if where else name

    def evaluation_dataset(self) -> dict[str, Any]:
        """The result's data set as the schema's data reference, its revision as the version."""
        dataset: dict[str, Any] = {
            "url": hub_url(self.facts.get("dataset_type", ""), "datasets"),
            "description": self.dataset_description(),
        }
        if self.facts.get("dataset_revision"):
            dataset["version"] = self.facts["dataset_revision"]
        return dataset

    def as_evaluation(self, benchmark_id: str | None) -> ReportedEvaluation | None:
        """The result as an evaluation of its own (a result beside the one registered), with
        its data set, split and what the card said of it; None when a value is no finite number.
        """
        values, problems = self.metric_values()
        checked, bad = metric_values(values)
        if problems or bad or not checked:
            return None
        dataset = {**self.evaluation_dataset(), "hf_eval": self.extension()}
        config = self.facts.get("dataset_config")
        key = f"url:{dataset['url']}" + (f"#{config}" if config else "")
        split = self.facts.get("dataset_split")
        return ReportedEvaluation(CARD, benchmark_id, dataset, key, split, checked)

    def benchmark(self, registered: str | None, ours: bool) -> str | None:
        """The benchmark this result is on: ``registered``, the registration's, unless the
        card is one this registry wrote (``ours``), which names each result's benchmark
        as its task name (a task name the card kept from elsewhere is no benchmark id)."""
        named = self.facts.get("task_name")
        return named if ours and matches(BENCHMARK_ID, named) else registered

    def metric_values(self) -> tuple[dict[str, Any], list[Violation]]:
        """Metric name -> value; a value that is not a number or a name given twice is a problem."""
        values: dict[str, Any] = {}
        problems = []
        for metric in self.metrics:
            name, value = str(metric.metric_type), metric.metric_value
            where = f"model-index result {self.number} metric {name}"
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(Violation(where, f"is {value!r}, not a number"))
            elif name in values:
                problems.append(
                    Violation(
                        where,
                        "is reported twice in one result (with other args or config); a "
                        "version keeps one value per metric name: give the one you mean "
                        "with --set evaluation_metrics='{...}'",
                    )
                )
            else:
                values[name] = value
        return values, problems

    def extension(self) -> dict[str, Any]:
        """What the card says about the result beyond the data set and values, kept flat.

        Metric arguments, configs and display names are kept per metric
        (``metric_args.f1``), and the metrics the Hub marked verified are listed,
        so nothing the card said about how a value was measured is lost.
        """
        kept: dict[str, Any] = dict(self.facts)
        verified = [str(m.metric_type) for m in self.metrics if m.verified is True]
        if verified:
            kept["verified"] = verified
        for metric in self.metrics:
            for part in ("name", "args", "config"):
                value = getattr(metric, f"metric_{part}")
                if value is not None:
                    kept[f"metric_{part}.{metric.metric_type}"] = _text(value)
        return kept


def card_results(eval_results: list[Any]) -> list[CardResult]:
    """The card's metrics grouped into the results they were reported in, in card order."""
    results: dict[tuple[str, ...], CardResult] = {}
    for metric in eval_results:
        facts = {
            name: _text(getattr(metric, name))
            for name in _RESULT_FIELDS
            if getattr(metric, name) is not None
        }
        key = tuple(facts.get(name, "\0") for name in _RESULT_FIELDS)
        if key not in results:
            results[key] = CardResult(len(results) + 1, facts)
        results[key].metrics.append(metric)
    return list(results.values())


def chosen_result(
    results: list[CardResult], number: int | None
) -> tuple[CardResult | None, list[Violation]]:
    """The result registered as the version's own metrics: result ``number``, else the first.

    The card's other results are not lost by the choice: each becomes an
    evaluation of the same version (:meth:`CardResult.as_evaluation`).
    """
    if number is None:
        return (results[0] if results else None), []
    if 1 <= number <= len(results):
        return results[number - 1], []
    reported = f"results 1 to {len(results)}" if results else "no model-index results"
    problems = [Violation("result", f"is {number}, but the card reports {reported}")]
    problems += [Violation(f"result {r.number}", r.label()) for r in results]
    return None, problems


# What the Hub's model-index format requires, where (the parser fails on the first gap).
_REQUIRED = {
    "": ("name", "results"),
    "result": ("task", "dataset", "metrics"),
    "task": ("type",),
    "dataset": ("type", "name"),
    "metric": ("type", "value"),
}


def refuse_malformed_index(front: Any, source: str) -> None:
    """Every gap in a ``model-index`` the Hub's parser would stop at, with its path, at once.

    The parser reports only ``KeyError 'name'`` for the first one, and a
    Python argument to pass; a person needs to know which result lacks what.
    """
    index = front.get("model-index") if isinstance(front, dict) else None
    if index is None:
        return
    problems = _missing(index, "model-index", "", list)
    if not problems:
        for i, entry in enumerate(index):
            problems += _entry_problems(entry, f"model-index[{i}]")
    if problems:
        raise ValidationError(f"the model-index of {source} is not in the Hub's format", problems)


def _entry_problems(entry: Any, where: str) -> list[Violation]:
    problems = _missing(entry, where, "", dict)
    if problems or not isinstance(entry["results"], list):
        return problems or [Violation(f"{where}.results", "must be a list of results")]
    for j, result in enumerate(entry["results"]):
        at = f"{where}.results[{j}]"
        found = _missing(result, at, "result", dict)
        if found:
            problems += found
            continue
        problems += _missing(result["task"], f"{at}.task", "task", dict)
        problems += _missing(result["dataset"], f"{at}.dataset", "dataset", dict)
        metrics = result["metrics"]
        if not isinstance(metrics, list):
            problems.append(Violation(f"{at}.metrics", "must be a list of metrics"))
            continue
        for k, metric in enumerate(metrics):
            problems += _missing(metric, f"{at}.metrics[{k}]", "metric", dict)
    return problems


def _missing(node: Any, where: str, kind: str, shape: type) -> list[Violation]:
    """``node`` is not a ``shape``, or a mapping lacks what a ``kind`` requires."""
    if not isinstance(node, shape):
        return [Violation(where, f"must be a {'list' if shape is list else 'mapping'}")]
    if not isinstance(node, dict):
        return []
    return [
        Violation(f"{where}.{key}", "is required") for key in _REQUIRED[kind] if key not in node
    ]
