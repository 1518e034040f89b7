"""The mapping from legacy model metadata to the schema: one named rule per fact.

Legacy blobs name the same fact differently (``framework`` / ``library``,
``params`` / ``n_parameters``), store numbers as text and bury code links in
notes. Each rule below reads one fact from every key it knows, normalises it,
and records what it did. When keys disagree, or a value cannot be read without
choosing between candidates, the rule does not choose: it holds the fact for a
person, and says why. ``RULES`` is the documented table, in the order applied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from atlas_registry.backfill.extract import (
    commit_refs,
    is_commit_sha,
    number,
    source_pin,
    urls,
    whole_number,
    without_urls,
)

ARTIFACT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")
EXTENSION_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.@-]{0,63}$")
FAMILY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
FRAMEWORK = re.compile(r"^[a-z0-9][a-z0-9_.+-]{0,63}$")
METRIC = re.compile(r"^[a-z][a-z0-9_@.-]{0,63}$")
BENCHMARK = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,127}$")
PIN = re.compile(
    r"^(?:[0-9a-f]{7,40}|[0-9a-f]{64}|v?[0-9]+(?:\.[0-9]+){0,3}(?:[-+][0-9A-Za-z.-]+)?"
    r"|10\.[0-9]{4,9}/[-._;()/:A-Za-z0-9]+)$"
)

FAMILY_ALIASES = {
    "ode": "biophysical_ode",
    "biophysical ode": "biophysical_ode",
    "mechanistic ode": "biophysical_ode",
    "logisticregression": "logistic_regression",
    "logistic regression": "logistic_regression",
    "logreg": "logistic_regression",
    "gradient boosting": "gradient_boosting",
    "gbm": "gradient_boosting",
    "random forest": "random_forest",
    "randomforest": "random_forest",
    "rule-based ranker": "rule_based_ranker",
    "rule based ranker": "rule_based_ranker",
    "mlp regressor": "mlp_regressor",
}
FRAMEWORK_ALIASES = {
    "sklearn": "scikit-learn",
    "scikit learn": "scikit-learn",
    "torch": "pytorch",
    "tf": "tensorflow",
    "hf": "huggingface-transformers",
    "transformers": "huggingface-transformers",
}
IN_USE_STATUSES = {"production", "deployed", "in use", "in_use", "live", "active", "released"}
NOT_IN_USE_STATUSES = {"experimental", "research", "draft", "prototype", "wip", "candidate", "dev"}
HYPERPARAMETER_KEYS = (
    "solver",
    "optimizer",
    "loss",
    "n_estimators",
    "learning_rate",
    "epochs",
    "batch_size",
)
_DATA_DESCRIPTION_KEYS = ("description", "name", "dataset", "title")
_DATA_URL_KEYS = ("url", "source_url", "link", "href")
_DATA_COUNT_KEYS = ("n_samples", "n", "cells", "n_cells", "samples", "subjects", "participants")
_NOT_METRICS = {"dataset", "on", "description", "name", "url", "data", "split"}


@dataclass(frozen=True)
class Applied:
    """A rule that produced a fact: which rule, which field, from what to what."""

    rule: str
    field: str
    detail: str


@dataclass(frozen=True)
class Held:
    """A fact the backfill would not guess. Blocking facts are required by the schema."""

    field: str
    reason: str
    blocking: bool


@dataclass
class LegacyMapping:
    """What the rules made of one legacy blob."""

    metadata: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    applied: list[Applied] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    unmapped_keys: list[str] = field(default_factory=list)
    legacy_status: str | None = None
    in_use: bool = False

    @property
    def blocking(self) -> bool:
        return any(h.blocking for h in self.held)

    def trace(self) -> dict[str, Any]:
        """The JSON-ready record of this mapping, stored beside the legacy blob."""
        return {
            "applied": [vars(a) for a in self.applied],
            "held": [vars(h) for h in self.held],
            "unmapped_keys": self.unmapped_keys,
            "legacy_status": self.legacy_status,
            "in_use": self.in_use,
        }


class _Context:
    """The legacy document being mapped, the keys used so far, and the result."""

    def __init__(self, legacy: dict[str, Any]) -> None:
        self.legacy = legacy
        self.used: set[str] = set()
        self.result = LegacyMapping()

    def get(self, path: str) -> Any:
        node: Any = self.legacy
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def present(self, keys: Iterable[str]) -> list[tuple[str, Any]]:
        found = [(key, self.get(key)) for key in keys]
        found = [(key, value) for key, value in found if value not in (None, "", [], {})]
        self.used.update(key.split(".")[0] for key, _ in found)
        return found

    def apply(self, rule: str, target: str, detail: str) -> None:
        self.result.applied.append(Applied(rule, target, detail))

    def hold(self, target: str, reason: str, *, blocking: bool) -> None:
        self.result.held.append(Held(target, reason, blocking))


def _short(value: Any) -> str:
    if not isinstance(value, str):
        text = json.dumps(value, sort_keys=True)
        return text if len(text) <= 70 else text[:67] + "..."
    return repr(value if len(value) <= 70 else value[:67] + "...")


def _agree(
    ctx: _Context,
    target: str,
    keys: Iterable[str],
    normalise: Callable[[Any], Any],
    *,
    blocking: bool,
) -> tuple[str, Any, Any] | None:
    """The one normalised value all ``keys`` agree on, or None (held when they disagree)."""
    candidates = [(key, raw, normalise(raw)) for key, raw in ctx.present(keys)]
    if not candidates:
        return None
    unreadable = [(key, raw) for key, raw, value in candidates if value is None]
    if unreadable:
        key, raw = unreadable[0]
        ctx.hold(
            target, f"legacy {key}={_short(raw)} cannot be read as {target}", blocking=blocking
        )
        return None
    if len({json.dumps(value, sort_keys=True) for _, _, value in candidates}) > 1:
        listed = ", ".join(f"{key}={_short(raw)}" for key, raw, _ in candidates)
        ctx.hold(target, f"legacy keys contradict each other: {listed}", blocking=blocking)
        return None
    return candidates[0]


# ------------------------------------------------------------ model_family


def _family_name(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if text.lower() in FAMILY_ALIASES:
        return FAMILY_ALIASES[text.lower()]
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).lower()
    snake = re.sub(r"[\s/-]+", "_", snake)
    return FAMILY_ALIASES.get(snake.replace("_", " "), snake) if FAMILY.match(snake) else None


def rule_model_family(ctx: _Context) -> None:
    keys = ("model_family", "family", "model_type", "type", "kind", "architecture", "model")
    found = _agree(ctx, "model_family", keys, _family_name, blocking=True)
    if found is None:
        if not any(h.field == "model_family" for h in ctx.result.held):
            ctx.hold("model_family", "no legacy key says what kind of model this is", blocking=True)
        return
    key, raw, family = found
    task = ctx.get("task")
    if family == "transformer" and isinstance(task, str) and "classif" in task.lower():
        ctx.used.add("task")
        family = "transformer_classifier"
        ctx.apply(
            "model_family.task_qualifier",
            "model_family",
            f"{key}={_short(raw)} + task={_short(task)} -> {family!r}",
        )
    else:
        ctx.apply(
            "model_family.alias_or_snake_case", "model_family", f"{key}={_short(raw)} -> {family!r}"
        )
    ctx.result.metadata["model_family"] = family


# ------------------------------------------------------------ framework


def _framework_parts(raw: Any) -> tuple[str, str | None] | None:
    if not isinstance(raw, str):
        return None
    match = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9_.+ -]*?)\s*(?:v?(\d+(?:\.\d+)*))?\s*", raw)
    if not match:
        return None
    name = FRAMEWORK_ALIASES.get(match[1].lower(), match[1].lower().replace(" ", "-"))
    return (name, match[2]) if FRAMEWORK.match(name) else None


def rule_framework(ctx: _Context) -> None:
    keys = ("framework", "library", "lib", "implementation", "backend")
    found = _agree(
        ctx, "framework", keys, lambda raw: (_framework_parts(raw) or (None,))[0], blocking=True
    )
    if found is None:
        if not any(h.field == "framework" for h in ctx.result.held):
            ctx.hold("framework", "no legacy key names the framework", blocking=True)
        return
    key, raw, name = found
    ctx.result.metadata["framework"] = name
    ctx.apply("framework.alias_lowercase", "framework", f"{key}={_short(raw)} -> {name!r}")
    version = (_framework_parts(raw) or ("", None))[1]
    if version:
        ctx.result.metadata.setdefault("extensions", {})["framework_version"] = version
        ctx.apply(
            "framework.version_split",
            "extensions.framework_version",
            f"{key}={_short(raw)} -> {version!r}",
        )


# ------------------------------------------------------------ parameter_count


def rule_parameter_count(ctx: _Context) -> None:
    explicit_keys = ["parameter_count", "n_parameters", "num_params", "n_params"]
    if not isinstance(ctx.get("params"), dict):
        explicit_keys.append("params")  # a table of "params" is hyperparameters, not a count
    explicit = _agree(ctx, "parameter_count", explicit_keys, whole_number, blocking=True)
    fitted = [
        (key, value)
        for key, value in ctx.present(
            ("kinetic_parameters", "parameters", "coefficients", "weights")
        )
        if isinstance(value, dict)
    ]
    counted = {key: len(value) for key, value in fitted}
    for key, value in fitted:
        if key != "weights" and _flat(value) and all(EXTENSION_KEY.match(str(k)) for k in value):
            ctx.result.metadata.setdefault("extensions", {}).setdefault(
                "fitted_parameters", {}
            ).update(value)
            ctx.apply("extensions.fitted_parameters", "extensions.fitted_parameters", key)
    if any(h.field == "parameter_count" for h in ctx.result.held):
        return
    if explicit and counted and set(counted.values()) != {explicit[2]}:
        ctx.hold(
            "parameter_count",
            f"legacy {explicit[0]}={_short(explicit[1])} disagrees with the fitted values listed "
            f"({', '.join(f'{k}: {n}' for k, n in counted.items())})",
            blocking=True,
        )
    elif explicit:
        key, raw, count = explicit
        ctx.result.metadata["parameter_count"] = count
        rule = "parameter_count.numeric" if isinstance(raw, int) else "parameter_count.numeric_text"
        ctx.apply(rule, "parameter_count", f"{key}={_short(raw)} -> {count}")
    elif len(set(counted.values())) == 1:
        count = next(iter(counted.values()))
        ctx.result.metadata["parameter_count"] = count
        ctx.apply(
            "parameter_count.count_of_fitted_values",
            "parameter_count",
            f"{len(counted)} fitted-value table(s) {sorted(counted)} -> {count}",
        )
    elif counted:
        ctx.hold("parameter_count", f"fitted-value tables disagree: {counted}", blocking=True)
    else:
        ctx.hold(
            "parameter_count", "no legacy key gives the number of fitted parameters", blocking=True
        )


# ------------------------------------------------------------ data references


def _data_ref(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """A schema data reference from a legacy value, or the reason it cannot be made."""
    if isinstance(raw, str):
        found = urls(raw)
        if len(found) != 1:
            why = "names no URL or artifact id" if not found else f"names {len(found)} URLs"
            return None, f"{_short(raw)} {why}"
        return {"url": found[0], "description": without_urls(raw) or found[0]}, None
    if not isinstance(raw, dict):
        return None, f"{_short(raw)} is not a description of data"
    reference: dict[str, Any] = {}
    description = next(
        (raw[k] for k in _DATA_DESCRIPTION_KEYS if isinstance(raw.get(k), str)), None
    )
    url = next((raw[k] for k in _DATA_URL_KEYS if isinstance(raw.get(k), str)), None)
    if url is None and description:
        in_text = urls(description)
        if len(in_text) > 1:
            return None, f"{_short(description)} names {len(in_text)} URLs"
        url = in_text[0] if in_text else None
        description = without_urls(description) or url
    artifact_id = raw.get("artifact_id") or raw.get("dataset_id")
    if isinstance(artifact_id, str) and ARTIFACT_ID.match(artifact_id):
        reference["artifact_id"] = artifact_id
    if url:
        reference["url"] = url
    if not reference:
        return None, f"{_short(raw)} names no URL or artifact id"
    reference["description"] = description or url or artifact_id
    count = next((whole_number(raw[k]) for k in _DATA_COUNT_KEYS if k in raw), None)
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


def _single_source(ctx: _Context, target: str, found: list[tuple[str, Any]], what: str) -> bool:
    """True when exactly one legacy key describes ``target``; otherwise hold it and say why."""
    if not found:
        ctx.hold(target, f"no legacy key says {what}", blocking=True)
    elif len(found) > 1:
        listed = ", ".join(key for key, _ in found)
        ctx.hold(
            target,
            f"several legacy keys say {what} ({listed}); which applies is unclear",
            blocking=True,
        )
    return len(found) == 1


def rule_training_data(ctx: _Context) -> None:
    keys = ("training_data", "train_data", "trained_on", "fit_data", "calibration_data", "input")
    found = ctx.present(keys)
    training = ctx.get("training")
    if isinstance(training, dict) and any(k in training for k in ("dataset", "source_url", "url")):
        ctx.used.add("training")
        found.append(("training", training))
    if not _single_source(ctx, "training_data", found, "what the model was trained on"):
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


def rule_evaluation_dataset(ctx: _Context) -> None:
    keys = (
        "evaluation_dataset",
        "eval_dataset",
        "test_data",
        "test_set",
        "validated_on",
        "validation_data",
        "validation.dataset",
        "evaluation.dataset",
        "eval.on",
        "eval.dataset",
    )
    found = ctx.present(keys)
    for key in ("evaluation", "eval"):
        text = ctx.get(key)
        if isinstance(text, str) and _evaluation_text(text)[1]:
            ctx.used.add(key)
            found.append((key, _evaluation_text(text)[1]))
    if not _single_source(ctx, "evaluation_dataset", found, "what the model was evaluated on"):
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
        f"{key} -> {_short(reference.get('url') or reference.get('artifact_id'))}",
    )


# ------------------------------------------------------------ evaluation_metrics


def _metric_pairs(key: str, raw: Any) -> list[tuple[str, Any]]:
    if isinstance(raw, dict):
        return [(name, value) for name, value in raw.items() if name.lower() not in _NOT_METRICS]
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


def rule_evaluation_metrics(ctx: _Context) -> None:
    keys = (
        "evaluation_metrics",
        "metrics",
        "performance",
        "scores",
        "fit_quality",
        "validation",
        "evaluation",
        "eval",
    )
    metrics: dict[str, float | int] = {}
    sources: dict[str, str] = {}
    dropped = []
    for key, raw in ctx.present(keys):
        for name, value in _metric_pairs(key, raw):
            normalised = re.sub(r"\s+", "_", name.strip().lower())
            parsed = number(value)
            if parsed is None or not METRIC.match(normalised):
                dropped.append(f"{key}.{name}={_short(value)}")
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
                    f"{key}.{name}={_short(value)} -> {parsed}",
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


# ------------------------------------------------------------ optional facts


def rule_benchmark(ctx: _Context) -> None:
    found = _agree(
        ctx,
        "benchmark_id",
        ("benchmark_id", "benchmark"),
        lambda r: (
            r.strip().lower() if isinstance(r, str) and BENCHMARK.match(r.strip().lower()) else None
        ),
        blocking=False,
    )
    if found:
        ctx.result.metadata["benchmark_id"] = found[2]
        ctx.apply("benchmark_id.lowercase", "benchmark_id", f"{found[0]}={_short(found[1])}")


def rule_base_model(ctx: _Context) -> None:
    keys = ("base_model_id", "base_model", "fine_tuned_from", "parent_model")
    found = _agree(
        ctx,
        "base_model_id",
        keys,
        lambda r: r if isinstance(r, str) and ARTIFACT_ID.match(r) else None,
        blocking=False,
    )
    if found:
        ctx.result.metadata["base_model_id"] = found[2]
        ctx.apply("base_model_id.catalog_id", "base_model_id", f"{found[0]}={_short(found[1])}")


def _external_source(ctx: _Context) -> tuple[str, str] | None:
    """(key, URL) of a legacy source URL on a model hub or repository host, if any."""
    for key, raw in ctx.present(
        ("external_source_url", "source", "source_url", "huggingface", "hf_repo", "origin")
    ):
        if isinstance(raw, str) and source_pin(raw.strip()):
            return key, raw.strip()
    return None


def rule_external(ctx: _Context) -> None:
    flag = ctx.get("is_external") if "is_external" in ctx.legacy else ctx.get("external")
    source = _external_source(ctx)
    if source is None:
        if flag is True:
            ctx.used.update({"is_external", "external"})
            ctx.hold(
                "external_source_url",
                "legacy marks the model external but names no source URL",
                blocking=True,
            )
        return
    if flag is False:
        ctx.hold(
            "is_external", f"legacy says not external but names source {source[1]!r}", blocking=True
        )
        return
    key, url = source
    pin = source_pin(url)
    assert pin is not None
    explicit = _agree(
        ctx,
        "external_source_version",
        ("external_source_version", "revision", "hf_revision"),
        lambda r: r if isinstance(r, str) else None,
        blocking=True,
    )
    revisions = {r for r in (pin.revision, explicit[2] if explicit else None) if r}
    ctx.result.metadata.update(is_external=True, external_source_url=pin.url)
    ctx.apply("external.source_url", "external_source_url", f"{key}={_short(url)} -> {pin.url!r}")
    if len(revisions) != 1:
        reason = "no pinned revision" if not revisions else f"two revisions {sorted(revisions)}"
        ctx.hold("external_source_version", f"external source has {reason}", blocking=True)
        return
    revision = revisions.pop()
    if not PIN.match(revision):
        ctx.hold(
            "external_source_version",
            f"revision {revision!r} is a moving reference, not an immutable pin",
            blocking=True,
        )
        return
    ctx.result.metadata["external_source_version"] = revision
    ctx.apply(
        "external.revision_in_url" if pin.revision else "external.explicit_revision",
        "external_source_version",
        repr(revision),
    )


def rule_training_config(ctx: _Context) -> None:
    if ctx.result.metadata.get("is_external"):
        return
    config: dict[str, Any] = {}
    procedure = ctx.present(("training_procedure", "procedure", "method", "rules"))
    if procedure and isinstance(procedure[0][1], str):
        config["procedure"] = procedure[0][1][:2000]
        ctx.apply("training_config.procedure", "training_config.procedure", procedure[0][0])
    hyper: dict[str, Any] = {}
    for key, raw in ctx.present(("hyperparameters", "hparams", "training_params", "config")):
        if isinstance(raw, dict):
            hyper.update(raw)
            ctx.apply("training_config.hyperparameters", "training_config.hyperparameters", key)
    training = ctx.get("training")
    if isinstance(training, dict):
        extra = {
            k: v
            for k, v in training.items()
            if k not in {"dataset", "source_url", "url", "n", "n_samples"}
        }
        hyper.update(extra)
        if extra:
            ctx.apply(
                "training_config.from_training_block",
                "training_config.hyperparameters",
                f"training.{{{', '.join(sorted(extra))}}}",
            )
    for key, raw in ctx.present((*HYPERPARAMETER_KEYS, "weights")):
        hyper[key] = raw
        ctx.apply("training_config.known_setting", f"training_config.hyperparameters.{key}", key)
    flat = {k: v for k, v in hyper.items() if _flat(v)}
    if len(flat) < len(hyper):
        ctx.hold(
            "training_config.hyperparameters",
            f"nested settings kept only in the legacy blob: {sorted(set(hyper) - set(flat))}",
            blocking=False,
        )
    if flat:
        config["hyperparameters"] = flat
    seed = ctx.present(("random_seed", "seed"))
    if seed and (value := whole_number(seed[0][1])) is not None and value >= 0:
        config["random_seed"] = value
        ctx.apply("training_config.random_seed", "training_config.random_seed", seed[0][0])
    if config:
        ctx.result.metadata["training_config"] = config
    else:
        ctx.hold(
            "training_config",
            "legacy metadata says nothing about how the model was trained",
            blocking=True,
        )


def _flat(value: Any, depth: int = 0) -> bool:
    if isinstance(value, dict):
        return depth < 1 and all(_flat(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(not isinstance(v, dict | list) for v in value)
    return isinstance(value, str | int | float | bool) or value is None


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def rule_code_pin(ctx: _Context) -> None:
    if ctx.result.metadata.get("is_external"):
        return
    repo = ctx.present(("code_repo_url", "repo", "repository", "github", "git_repo"))
    sha = ctx.present(("code_commit_sha", "commit", "commit_sha", "git_sha", "sha"))
    entry = ctx.present(("code_entrypoint", "entrypoint", "script", "training_script"))
    mentioned = commit_refs("\n".join(_texts(ctx.legacy)))
    explicit = None
    if sha:
        value = sha[0][1]
        if not (isinstance(value, str) and is_commit_sha(value)):
            ctx.hold(
                "code_commit_sha",
                f"legacy {sha[0][0]}={_short(value)} is not a commit SHA",
                blocking=False,
            )
            return
        if not (repo and isinstance(repo[0][1], str)):
            ctx.hold(
                "code_repo_url", f"legacy gives commit {value} but no repository", blocking=False
            )
            return
        explicit = (repo[0][1].rstrip("/"), value.lower())
    pins = {(ref.repo_url, ref.sha) for ref in mentioned} | ({explicit} if explicit else set())
    if not pins:
        return
    if len(pins) > 1:
        listed = ", ".join(f"{r}@{s[:12]}" for r, s in sorted(pins))
        ctx.used.update(
            k for k, v in ctx.legacy.items() if any(s in json.dumps(v) for _, s in pins)
        )
        ctx.hold(
            "code_commit_sha",
            f"legacy names {len(pins)} different commits ({listed}); "
            "which one trained this version is unclear",
            blocking=False,
        )
        return
    repo_url, commit = pins.pop()
    ctx.result.facts.update(code_repo_url=repo_url, code_commit_sha=commit)
    if explicit:
        ctx.apply(
            "code_pin.explicit_fields",
            "code_commit_sha",
            f"{repo[0][0]} + {sha[0][0]} -> {commit[:12]}",
        )
    else:
        ctx.used.update(k for k, v in ctx.legacy.items() if commit in json.dumps(v).lower())
        ctx.apply("code_pin.commit_in_text", "code_commit_sha", f"{repo_url} @ {commit[:12]}")
    if entry and isinstance(entry[0][1], str):
        ctx.result.facts["code_entrypoint"] = entry[0][1]
        ctx.apply("code_pin.entrypoint", "code_entrypoint", entry[0][0])


def rule_status(ctx: _Context) -> None:
    found = ctx.present(("status", "stage", "deployment_status", "lifecycle"))
    if not found or not isinstance(found[0][1], str):
        return
    status = found[0][1].strip().lower()
    ctx.result.legacy_status = status
    if status in IN_USE_STATUSES:
        ctx.result.in_use = True
        ctx.apply(
            "promotion.legacy_in_use", "promotion_state", f"{found[0][0]}={status!r} -> promote"
        )
    elif status not in NOT_IN_USE_STATUSES:
        ctx.hold(
            "promotion_state",
            f"legacy status {status!r} is not known; left as candidate",
            blocking=False,
        )


@dataclass(frozen=True)
class MappingRule:
    name: str
    produces: str
    apply: Callable[[_Context], None]


RULES: tuple[MappingRule, ...] = (
    MappingRule("model_family", "model_family", rule_model_family),
    MappingRule("framework", "framework (+ extensions.framework_version)", rule_framework),
    MappingRule("parameter_count", "parameter_count", rule_parameter_count),
    MappingRule("training_data", "training_data", rule_training_data),
    MappingRule("evaluation_dataset", "evaluation_dataset", rule_evaluation_dataset),
    MappingRule("evaluation_metrics", "evaluation_metrics", rule_evaluation_metrics),
    MappingRule("benchmark_id", "benchmark_id", rule_benchmark),
    MappingRule("base_model_id", "base_model_id", rule_base_model),
    MappingRule("external", "is_external, external_source_url/version", rule_external),
    MappingRule("training_config", "training_config", rule_training_config),
    MappingRule("code_pin", "code_repo_url, code_commit_sha, code_entrypoint", rule_code_pin),
    MappingRule("status", "promotion intent", rule_status),
)


def map_legacy(metadata_text: str) -> LegacyMapping:
    """Apply every rule to one legacy metadata text."""
    try:
        legacy = json.loads(metadata_text)
    except (json.JSONDecodeError, TypeError):
        result = LegacyMapping()
        result.held.append(Held("metadata", "legacy metadata is not JSON", blocking=True))
        return result
    if not isinstance(legacy, dict):
        result = LegacyMapping()
        result.held.append(Held("metadata", "legacy metadata is not a JSON object", blocking=True))
        return result
    ctx = _Context(legacy)
    for rule in RULES:
        rule.apply(ctx)
    ctx.result.unmapped_keys = sorted(set(legacy) - ctx.used)
    return ctx.result
