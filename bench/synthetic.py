"""Realistic synthetic workload data shared by both sides of the benchmark."""

from __future__ import annotations

import json
import random
from typing import Any

from atlas_registry.backfill.legacy_fixture import read_fixture

FAMILIES = [
    ("transformer_classifier", "pytorch"),
    ("logistic_regression", "scikit-learn"),
    ("gradient_boosting", "xgboost"),
    ("rule_based_ranker", "python"),
    ("biophysical_ode", "scipy"),
]
BENCHMARKS = [f"benchmark-{i:02d}" for i in range(20)]
AGENTS = [f"agent-{i:03d}" for i in range(100)]
SHA = "0123456789abcdef0123456789abcdef01234567"


def facts(index: int) -> dict[str, Any]:
    """The ~6 facts MLflow stores as tags and this registry as columns/metadata."""
    family, framework = FAMILIES[index % len(FAMILIES)]
    rng = random.Random(index)
    return {
        "family": family,
        "framework": framework,
        "trained_by": AGENTS[index % len(AGENTS)],
        "benchmark": BENCHMARKS[index % len(BENCHMARKS)],
        "auroc": round(rng.uniform(0.6, 0.95), 4),
        "parameter_count": rng.randrange(5, 10**8),
    }


def metadata(index: int) -> dict[str, Any]:
    f = facts(index)
    return {
        "model_family": f["family"],
        "framework": f["framework"],
        "parameter_count": f["parameter_count"],
        "training_data": [
            {
                "url": "https://portal.brain-map.org/explore/seattle-alzheimers-disease",
                "description": "SEA-AD MTG snRNA-seq",
                "n_samples": 1378211,
            }
        ],
        "evaluation_dataset": {
            "url": "https://adni.loni.usc.edu",
            "description": "held-out donors",
        },
        "evaluation_metrics": {"auroc": f["auroc"], "f1_macro": round(f["auroc"] - 0.05, 4)},
        "benchmark_id": f["benchmark"],
        "training_config": {
            "procedure": "5-fold cross-validated fit",
            "hyperparameters": {"learning_rate": 0.001, "epochs": 10, "seed_split": "donor"},
            "random_seed": index % 1000,
        },
    }


def invalid_metadata(index: int) -> dict[str, Any]:
    """A payload with six distinct violations, for the invalid-path throughput."""
    bad = metadata(index)
    del bad["framework"]
    bad["parameter_count"] = -1
    bad["evaluation_metrics"]["auroc"] = float("nan")
    bad["training_data"][0]["url"] = "javascript:alert(1)"
    bad["external_source_url"] = "https://huggingface.co/x/y"
    bad["colour"] = "blue"
    return bad


INVALID_PATHS = 6


def legacy_rows(count: int, start: int = 0) -> list[dict[str, Any]]:
    """Legacy model artifacts in the 8 messy shapes of the fixture, values varied."""
    templates = read_fixture()
    rows = []
    for index in range(start, start + count):
        template = templates[index % len(templates)]
        text = template["metadata"]
        rng = random.Random(index)
        blob = json.loads(text)
        for key in ("metrics", "evaluation_metrics"):
            if isinstance(blob.get(key), dict):
                blob[key] = {k: round(rng.uniform(0.5, 0.95), 3) for k in blob[key]}
        rows.append(
            {
                "id": f"model-synthetic-{index:07d}",
                "artifact_type": "model",
                "title": f"{template['title']} #{index}",
                "metadata": json.dumps(blob, indent=None if index % 2 else 1),
            }
        )
    return rows
