"""Synthetic model payloads: a good one per model family and a table of bad ones."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]


def logistic_regression() -> Payload:
    return {
        "model_family": "logistic_regression",
        "framework": "scikit-learn",
        "parameter_count": 24,
        "training_data": [
            {
                "url": "https://adni.loni.usc.edu",
                "description": "ADNI baseline visits",
                "n_samples": 1712,
            }
        ],
        "evaluation_dataset": {"url": "https://adni.loni.usc.edu", "description": "held-out 20%"},
        "evaluation_metrics": {"auroc": 0.83, "brier": 0.162},
        "benchmark_id": "adni-conversion-v1",
        "training_config": {"procedure": "L2 logistic regression", "hyperparameters": {"C": 0.5}},
    }


def transformer_classifier() -> Payload:
    return {
        "model_family": "transformer_classifier",
        "framework": "pytorch",
        "parameter_count": 86_000_000,
        "training_data": [{"artifact_id": "dataset-sea-ad", "description": "SEA-AD MTG snRNA-seq"}],
        "evaluation_dataset": {"artifact_id": "dataset-sea-ad", "description": "held-out donors"},
        "evaluation_metrics": {"accuracy": 0.93, "f1_macro": 0.87},
        "benchmark_id": "sea-ad-celltype-v1",
        "training_config": {
            "procedure": "fine-tune on donor split",
            "hyperparameters": {"learning_rate": 1e-4, "epochs": 10, "layers": [6, 6]},
            "random_seed": 17,
        },
    }


def rule_based_ranker() -> Payload:
    return {
        "model_family": "rule_based_ranker",
        "framework": "python",
        "parameter_count": 5,
        "training_data": [
            {"url": "https://platform.opentargets.org", "description": "Open Targets AD evidence"}
        ],
        "evaluation_dataset": {
            "url": "https://platform.opentargets.org",
            "description": "GWAS genes",
        },
        "evaluation_metrics": {"precision@20": 0.55},
        "training_config": {
            "procedure": "weighted z-scores",
            "hyperparameters": {"weights": {"genetic": 0.4, "literature": 0.6}},
        },
    }


def biophysical_ode() -> Payload:
    return {
        "model_family": "biophysical_ode",
        "framework": "scipy",
        "parameter_count": 6,
        "training_data": [
            {"url": "https://doi.org/10.1126/science.1197623", "description": "SILK"}
        ],
        "evaluation_dataset": {
            "url": "https://doi.org/10.1126/science.1197623",
            "description": "CSF",
        },
        "evaluation_metrics": {"rmse": 0.041, "r2": 0.92},
        "training_config": {"procedure": "least-squares fit of 6 kinetic constants"},
    }


def external_fine_tune(base_model_id: str = "model-base") -> Payload:
    return {
        "model_family": "transformer_classifier",
        "framework": "huggingface-transformers",
        "parameter_count": 110_000_000,
        "training_data": [{"artifact_id": "dataset-sea-ad", "description": "SEA-AD cells"}],
        "evaluation_dataset": {"artifact_id": "dataset-sea-ad", "description": "held-out donors"},
        "evaluation_metrics": {"accuracy": 0.94},
        "base_model_id": base_model_id,
        "is_external": True,
        "external_source_url": "https://huggingface.co/example-lab/celltype-bert-ad",
        "external_source_version": "3f1c2a9b7d4e5f60718293a4b5c6d7e8f9012345",
    }


GOOD_BY_FAMILY: dict[str, Callable[[], Payload]] = {
    "transformer_classifier": transformer_classifier,
    "logistic_regression": logistic_regression,
    "rule_based_ranker": rule_based_ranker,
    "biophysical_ode": biophysical_ode,
    "external_fine_tune": external_fine_tune,
}


def _without(key: str) -> Callable[[Payload], Any]:
    return lambda p: p.pop(key)


def _set(path: str, value: Any) -> Callable[[Payload], Any]:
    def mutate(payload: Payload) -> None:
        node: Any = payload
        *parents, last = path.split("/")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _external(**changes: Any) -> Callable[[Payload], Any]:
    def mutate(payload: Payload) -> None:
        payload.clear()
        payload.update(external_fine_tune())
        for key, value in changes.items():
            if value is _DROP:
                payload.pop(key)
            else:
                payload[key] = value

    return mutate


def _deep(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"x": 1}
    for _ in range(levels):
        node = {"a": node}
    return node


def _several(payload: Payload) -> None:
    payload.pop("framework")
    payload["parameter_count"] = -5
    payload["evaluation_metrics"]["auroc"] = float("nan")
    payload["training_data"][0]["url"] = "ftp://example.org/data"


_DROP = object()

# (case name, mutation of a good logistic-regression payload, exact violation paths)
BAD_PAYLOADS: list[tuple[str, Callable[[Payload], Any], set[str]]] = [
    ("missing model_family", _without("model_family"), {"model_family"}),
    ("missing framework", _without("framework"), {"framework"}),
    ("missing parameter_count", _without("parameter_count"), {"parameter_count"}),
    ("missing training_data", _without("training_data"), {"training_data"}),
    ("missing evaluation_dataset", _without("evaluation_dataset"), {"evaluation_dataset"}),
    ("missing evaluation_metrics", _without("evaluation_metrics"), {"evaluation_metrics"}),
    ("parameter_count as text", _set("parameter_count", "24"), {"parameter_count"}),
    ("negative parameter_count", _set("parameter_count", -1), {"parameter_count"}),
    ("fractional parameter_count", _set("parameter_count", 2.5), {"parameter_count"}),
    ("NaN metric", _set("evaluation_metrics/auroc", float("nan")), {"evaluation_metrics.auroc"}),
    (
        "infinite metric",
        _set("evaluation_metrics/brier", float("inf")),
        {"evaluation_metrics.brier"},
    ),
    ("metric as text", _set("evaluation_metrics/auroc", "0.8"), {"evaluation_metrics.auroc"}),
    ("no metrics at all", _set("evaluation_metrics", {}), {"evaluation_metrics"}),
    ("upper-case metric name", _set("evaluation_metrics/AUROC", 0.8), {"evaluation_metrics.AUROC"}),
    ("empty training_data", _set("training_data", []), {"training_data"}),
    (
        "javascript: URL",
        _set("training_data/0/url", "javascript:alert(1)"),
        {"training_data[0].url"},
    ),
    ("file: URL", _set("evaluation_dataset/url", "file:///etc/passwd"), {"evaluation_dataset.url"}),
    ("data: URL", _set("evaluation_dataset/url", "data:text/html,x"), {"evaluation_dataset.url"}),
    (
        "data reference without id or url",
        _set("evaluation_dataset", {"description": "somewhere"}),
        {"evaluation_dataset"},
    ),
    (
        "external without version",
        _external(external_source_version=_DROP),
        {"external_source_version"},
    ),
    ("external without url", _external(external_source_url=_DROP), {"external_source_url"}),
    (
        "external pinned to a branch",
        _external(external_source_version="main"),
        {"external_source_version"},
    ),
    (
        "external pinned to master",
        _external(external_source_version="master"),
        {"external_source_version"},
    ),
    (
        "internal with external URL",
        _set("external_source_url", "https://huggingface.co/x/y"),
        {"external_source_url"},
    ),
    ("internal without training_config", _without("training_config"), {"training_config"}),
    ("unknown top-level key", _set("colour", "blue"), {"colour"}),
    ("oversized model_family", _set("model_family", "a" * 10_000), {"model_family"}),
    (
        "oversized description",
        _set("training_data/0/description", "x" * 3000),
        {"training_data[0].description"},
    ),
    (
        "deep nesting in hyperparameters",
        _set("training_config/hyperparameters", {"a": _deep(4)}),
        {"training_config.hyperparameters.a"},
    ),
    ("deep nesting bomb", _set("extensions", _deep(5000)), {"extensions" + ".a" * 16}),
    ("path-like base_model_id", _set("base_model_id", "../etc/passwd"), {"base_model_id"}),
    ("is_external as text", _set("is_external", "yes"), {"is_external"}),
    ("benchmark id with spaces", _set("benchmark_id", "my benchmark"), {"benchmark_id"}),
    (
        "several problems at once",
        _several,
        {"framework", "parameter_count", "evaluation_metrics.auroc", "training_data[0].url"},
    ),
]


def bad_payload(mutation: Callable[[Payload], Any]) -> Payload:
    payload = copy.deepcopy(logistic_regression())
    mutation(payload)
    return payload
