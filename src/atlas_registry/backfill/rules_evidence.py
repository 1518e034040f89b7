"""Rules for what data the model saw and how well it did: data references, metrics, benchmark."""

from __future__ import annotations

import re
from typing import Any

from atlas_registry.backfill.extract import number, urls, whole_number, without_urls
from atlas_registry.backfill.mapping import Context, agree, short, single_source, spelt_like
from atlas_registry.backfill.vocabulary import vocabulary
from atlas_registry.schema.patterns import ARTIFACT_ID, BENCHMARK_ID, METRIC_NAME, matches


def _first_text(raw: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    found = (value for key in keys for _, value in spelt_like(raw, key))
    return next((value for value in found if isinstance(value, str)), None)


def _catalog_id(text: str) -> bool:
    """Text that reads as a catalog id (``dataset-29ce54ef``), not a name (``ADNI``).

    An id pattern alone would take any single word; ids have a digit and a
    separator, names of data mostly do not.
    """
    return (
        matches(ARTIFACT_ID, text)
        and any(c.isdigit() for c in text)
        and any(c in "-_:." for c in text)
    )


def _data_ref(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """A schema data reference from a legacy value, or the reason it cannot be made."""
    if isinstance(raw, str):
        found = urls(raw)
        if not found and _catalog_id(raw):
            # A platform names its own dataset artifacts by id; the adoption checks
            # that the id is in the catalog and is a dataset, like any reference.
            return {"artifact_id": raw, "description": raw}, None
        if len(found) != 1:
            why = "names no URL or artifact id" if not found else f"names {len(found)} URLs"
            return None, f"{short(raw)} {why}"
        return {"url": found[0], "description": without_urls(raw) or found[0]}, None
    if not isinstance(raw, dict):
        return None, f"{short(raw)} is not a description of data"
    words = vocabulary().data_keys
    reference: dict[str, Any] = {}
    description = _first_text(raw, words["description"])
    url = _first_text(raw, words["url"])
    if url is None and description:
        in_text = urls(description)
        if len(in_text) > 1:
            return None, f"{short(description)} names {len(in_text)} URLs"
        url = in_text[0] if in_text else None
        description = without_urls(description) or url
    artifact_id = raw.get("artifact_id") or raw.get("dataset_id")
    if matches(ARTIFACT_ID, artifact_id):
        reference["artifact_id"] = artifact_id
    if url:
        reference["url"] = url
    if not reference:
        return None, f"{short(raw)} names no URL or artifact id"
    reference["description"] = description or url or artifact_id
    count = next((whole_number(raw[k]) for k in words["sample_count"] if k in raw), None)
    if count is not None and count >= 0:
        reference["n_samples"] = count
    if isinstance(raw.get("version"), str):
        reference["version"] = raw["version"]
    return reference, None


def _data_refs(raw: Any) -> tuple[list[dict[str, Any]], list[str]]:
    items = raw if isinstance(raw, list) else [raw]
    references, problems = [], []
    for item in items:
        reference, problem = _data_ref(item)
        if reference:
            references.append(reference)
        if problem:
            problems.append(problem)
    return references, problems


def rule_training_data(ctx: Context) -> None:
    found = ctx.present(vocabulary().keys["training_data"])
    training = ctx.get("training")
    if isinstance(training, dict) and any(k in training for k in ("dataset", "source_url", "url")):
        ctx.used.add("training")
        found.append(("training", training))
    if not single_source(ctx, "training_data", found, "what the model was trained on"):
        return
    key, raw = found[0]
    references, problems = _data_refs(raw)
    if problems or not references:
        ctx.hold(
            "training_data", f"legacy {key}: " + "; ".join(problems or ["is empty"]), blocking=True
        )
        return
    ctx.result.metadata["training_data"] = references
    ctx.apply(
        "training_data.data_reference",
        "training_data",
        f"{key} -> {len(references)} data reference(s)",
    )


def _evaluation_text(raw: str) -> tuple[dict[str, float | int], str | None]:
    """``'precision@20=0.55; ndcg@50=0.61 vs GWAS genes (url)'`` -> metrics, dataset text."""
    metrics: dict[str, float | int] = {}
    for name, value in re.findall(r"([A-Za-z][\w@.-]*)\s*[=:]\s*([-+]?\d[\d.eE+-]*)", raw):
        parsed = number(value)
        if parsed is not None:
            metrics[name.lower()] = parsed
    rest = re.split(r"\b(?:vs\.?|versus|against|on)\b", raw, maxsplit=1)
    return metrics, rest[1].strip() if len(rest) == 2 else None


def rule_evaluation_dataset(ctx: Context) -> None:
    found = ctx.present(vocabulary().keys["evaluation_dataset"])
    for key in vocabulary().keys["evaluation_text"]:
        text = ctx.get(key)
        if isinstance(text, str) and _evaluation_text(text)[1]:
            ctx.used.add(key)
            found.append((key, _evaluation_text(text)[1]))
    if not single_source(ctx, "evaluation_dataset", found, "what the model was evaluated on"):
        return
    key, raw = found[0]
    reference, problem = _data_ref(raw)
    if reference is None:
        ctx.hold("evaluation_dataset", f"legacy {key}: {problem}", blocking=True)
        return
    ctx.result.metadata["evaluation_dataset"] = reference
    ctx.apply(
        "evaluation_dataset.data_reference",
        "evaluation_dataset",
        f"{key} -> {short(reference.get('url') or reference.get('artifact_id'))}",
    )


def _metric_pairs(key: str, raw: Any) -> list[tuple[str, Any]]:
    if isinstance(raw, dict):
        not_metrics = vocabulary().data_keys["not_metrics"]
        return [(name, value) for name, value in raw.items() if name.lower() not in not_metrics]
    if isinstance(raw, str):
        return list(_evaluation_text(raw)[0].items())
    if isinstance(raw, list):
        pairs = []
        for item in raw:
            if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str):
                pairs.append((item[0], item[1]))
            elif isinstance(item, dict) and isinstance(item.get("name"), str) and "value" in item:
                pairs.append((item["name"], item["value"]))
            else:
                pairs.append((f"{key}[?]", item))
        return pairs
    return []


def rule_evaluation_metrics(ctx: Context) -> None:
    metrics: dict[str, float | int] = {}
    sources: dict[str, str] = {}
    dropped = []
    for key, raw in ctx.present(vocabulary().keys["evaluation_metrics"]):
        for name, value in _metric_pairs(key, raw):
            normalised = re.sub(r"\s+", "_", name.strip().lower())
            parsed = number(value)
            if parsed is None or not matches(METRIC_NAME, normalised):
                dropped.append(f"{key}.{name}={short(value)}")
                continue
            if normalised in metrics and metrics[normalised] != parsed:
                ctx.hold(
                    "evaluation_metrics",
                    f"{normalised} is {metrics[normalised]} in {sources[normalised]} "
                    f"but {parsed} in {key}",
                    blocking=True,
                )
                return
            metrics[normalised], sources[normalised] = parsed, key
            if normalised != name or parsed != value:
                ctx.apply(
                    "evaluation_metrics.normalise",
                    f"evaluation_metrics.{normalised}",
                    f"{key}.{name}={short(value)} -> {parsed}",
                )
    if dropped:
        ctx.hold(
            "evaluation_metrics",
            "not numeric or not a metric name: " + ", ".join(dropped),
            blocking=not metrics,
        )
    if metrics:
        ctx.result.metadata["evaluation_metrics"] = metrics
        ctx.apply(
            "evaluation_metrics.collect",
            "evaluation_metrics",
            f"{len(metrics)} metric(s) from {', '.join(sorted(set(sources.values())))}",
        )
    elif not dropped:
        ctx.hold("evaluation_metrics", "no legacy key records evaluation results", blocking=True)


def _benchmark(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    name = raw.strip().lower()
    return name if matches(BENCHMARK_ID, name) else None


def rule_benchmark(ctx: Context) -> None:
    keys = vocabulary().keys["benchmark_id"]
    found = agree(ctx, "benchmark_id", keys, _benchmark, blocking=False)
    if found:
        ctx.result.metadata["benchmark_id"] = found[2]
        ctx.apply("benchmark_id.lowercase", "benchmark_id", f"{found[0]}={short(found[1])}")
