"""The results a model card's ``model-index`` holds: the registration's, then every later one.

Each evaluation of a version is a result of its card: the registration's
metrics first (on its ``evaluation_dataset``), then the card's own other
results as the card said them (kept with each evaluation at import), then the
evaluations added since, each naming its catalog dataset, split and revision.
Re-runs of one benchmark on one data set and split are one result, with the
newest run's metrics (:func:`model_index`), so `import card` reads back each
result with each metric once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from atlas_registry.catalog.evaluations import REGISTRATION, Evaluation

HUB_HOST = "huggingface.co"


def hub_id(url: str | None, kind: str = "") -> str | None:
    """``org/name`` of a huggingface.co URL (``kind='datasets'`` for a data set), else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if (parts.hostname or "").lower() != HUB_HOST:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if kind:
        if not segments or segments[0] != kind:
            return None
        segments = segments[1:]
    elif segments and segments[0] in {"datasets", "spaces"}:
        return None
    return "/".join(segments[:2]) or None  # "org/name", or a legacy one-part id


def data_id(reference: dict[str, Any]) -> str:
    """How a card names a data set: its Hub id, else its URL, else its catalog id."""
    url = reference.get("url")
    return hub_id(url, "datasets") or url or reference.get("artifact_id") or ""


def evaluated_as_said(metadata: dict[str, Any], dataset: str) -> dict[str, Any]:
    """What an imported card said about its result (``extensions.hf_eval``), to write it back.

    Only while it still describes the evaluation data set: a person may have
    registered another one over the card's.
    """
    kept = (metadata.get("extensions") or {}).get("hf_eval")
    if not isinstance(kept, dict) or kept.get("dataset_type") != dataset:
        return {}
    return kept


def _json_kept(evaluated: dict[str, Any], key: str) -> Any:
    """A structured value ``card_results`` kept as JSON text (``args``), read back."""
    raw = evaluated.get(key)
    if not isinstance(raw, str):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _metric_said(evaluated: dict[str, Any], name: str) -> dict[str, Any]:
    """What the imported card said about metric ``name`` and its result, as ``EvalResult`` fields.

    Its display name, config and args, whether the Hub marked it verified
    (``verified`` lists those metrics; a value a person gave instead of the
    card's is not listed, see :mod:`card_in`), and the result's source (a
    name without its URL is not a source the Hub's format accepts).
    """
    verified = evaluated.get("verified")
    said: dict[str, Any] = {
        "metric_name": evaluated.get(f"metric_name.{name}"),
        "metric_config": evaluated.get(f"metric_config.{name}"),
        "metric_args": _json_kept(evaluated, f"metric_args.{name}"),
        "verified": True if isinstance(verified, list) and name in verified else None,
    }
    if isinstance(evaluated.get("source_url"), str):
        said["source_url"] = evaluated["source_url"]
        said["source_name"] = evaluated.get("source_name")
    return said


def results_of(
    evaluation: dict[str, Any],
    evaluated: dict[str, Any],
    metrics: dict[str, Any],
    *,
    task: str,
    benchmark: str | None,
    split: str | None = None,
    revision: str | None = None,
) -> list[Any]:
    """One result's metrics as ``EvalResult``s, on the data ``evaluation`` names."""
    from huggingface_hub import EvalResult

    dataset = data_id(evaluation) or "unnamed"
    return [
        EvalResult(
            task_type=task,
            task_name=evaluated.get("task_name") or benchmark,  # the card's own name stays
            dataset_type=dataset,
            dataset_name=str(
                evaluated.get("dataset_name") or evaluation.get("description") or dataset
            ),
            dataset_config=evaluated.get("dataset_config"),
            dataset_split=evaluated.get("dataset_split") or split,
            dataset_revision=evaluated.get("dataset_revision") or revision,
            metric_type=name,
            metric_value=value,
            dataset_args=_json_kept(evaluated, "dataset_args"),
            **_metric_said(evaluated, name),
        )
        for name, value in sorted(metrics.items())
    ]


def later_results(evaluations: Sequence[Evaluation], task: str) -> list[list[Any]]:
    """Every evaluation beside the registration's, oldest first, each as one result's metrics.

    A card's own other results are written back as the card said them; an
    evaluation added later names its catalog dataset, split and revision.
    """
    results = []
    for later in reversed(evaluations):
        if later.origin == REGISTRATION:
            continue
        reference = dict(later.dataset or {})
        kept = reference.pop("hf_eval", None)
        if later.dataset_id and not reference.get("url"):
            reference["artifact_id"] = later.dataset_id
        evaluated = kept if isinstance(kept, dict) else {}
        results.append(
            results_of(
                reference,
                evaluated,
                later.metrics,
                task=str(evaluated.get("task_type") or task),
                benchmark=later.benchmark_id,
                split=later.split,
                revision=later.dataset_revision,
            )
        )
    return results


# What tells one model-index result from another, as `import card` groups a card's
# metrics back into results (card_results): the task, the benchmark under its
# name, and the data set with its config, split, revision and arguments.
_RESULT_KEY = (
    "task_type",
    "task_name",
    "dataset_type",
    "dataset_name",
    "dataset_config",
    "dataset_split",
    "dataset_revision",
    "dataset_args",
)


def model_index(name: str, results: Sequence[list[Any]]) -> list[dict[str, Any]]:
    """The card's ``model-index``: one result per task, benchmark and data set, each metric once.

    ``results`` are the evaluations' results, oldest first. Evaluations that
    share all of a result's key (re-runs of one benchmark on one split) are one
    result, holding the newest one's metrics, at the place the first took.
    ``huggingface_hub`` would merge results that differ only in their task
    name (the benchmark) and repeat each metric in them; each is built alone.
    """
    from huggingface_hub.repocard_data import eval_results_to_model_index

    newest: dict[str, list[Any]] = {}
    for metrics in results:
        if metrics:
            first = metrics[0]
            key = json.dumps([getattr(first, f) for f in _RESULT_KEY], sort_keys=True, default=str)
            newest[key] = metrics  # a dict keeps a key's first place when its value changes
    entries = []
    for metrics in newest.values():
        entries += eval_results_to_model_index(name, metrics)[0]["results"]
    return [{"name": name, "results": entries}] if entries else []
