"""Rules for what the model is: its family, its framework, its number of fitted parameters."""

from __future__ import annotations

import re
from typing import Any

from atlas_registry.backfill.extract import whole_number
from atlas_registry.backfill.mapping import Context, agree, is_flat, short
from atlas_registry.backfill.vocabulary import vocabulary
from atlas_registry.schema.patterns import EXTENSION_KEY, FRAMEWORK, MODEL_FAMILY, matches


def _family_name(raw: Any) -> str | None:
    if not isinstance(raw, str):
        return None
    aliases = vocabulary().family_aliases
    text = raw.strip()
    if text.lower() in aliases:
        return aliases[text.lower()]
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).lower()
    snake = re.sub(r"[\s/-]+", "_", snake)
    return aliases.get(snake.replace("_", " "), snake) if matches(MODEL_FAMILY, snake) else None


def rule_model_family(ctx: Context) -> None:
    keys = vocabulary().keys["model_family"]
    found = agree(ctx, "model_family", keys, _family_name, blocking=True)
    if found is None:
        if not ctx.is_held("model_family"):
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
            f"{key}={short(raw)} + task={short(task)} -> {family!r}",
        )
    else:
        ctx.apply(
            "model_family.alias_or_snake_case", "model_family", f"{key}={short(raw)} -> {family!r}"
        )
    ctx.result.metadata["model_family"] = family


def _framework_parts(raw: Any) -> tuple[str, str | None] | None:
    if not isinstance(raw, str):
        return None
    # "PyTorch 2.1", "torch v2.1", "scikit-learn==1.3.2" (a pip pin), "xgboost@1.7.6"
    match = re.fullmatch(
        r"\s*([A-Za-z][A-Za-z0-9_.+ -]*?)\s*(?:(?:==|@)?\s*v?(\d+(?:\.\d+)*))?\s*", raw
    )
    if not match:
        return None
    aliases = vocabulary().framework_aliases
    name = aliases.get(match[1].lower(), match[1].lower().replace(" ", "-"))
    return (name, match[2]) if matches(FRAMEWORK, name) else None


def rule_framework(ctx: Context) -> None:
    keys = vocabulary().keys["framework"]
    found = agree(
        ctx, "framework", keys, lambda raw: (_framework_parts(raw) or (None,))[0], blocking=True
    )
    if found is None:
        if not ctx.is_held("framework"):
            ctx.hold("framework", "no legacy key names the framework", blocking=True)
        return
    key, raw, name = found
    ctx.result.metadata["framework"] = name
    ctx.apply("framework.alias_lowercase", "framework", f"{key}={short(raw)} -> {name!r}")
    version = (_framework_parts(raw) or ("", None))[1]
    if version:
        ctx.result.metadata.setdefault("extensions", {})["framework_version"] = version
        ctx.apply(
            "framework.version_split",
            "extensions.framework_version",
            f"{key}={short(raw)} -> {version!r}",
        )


def _fitted_value_counts(ctx: Context) -> dict[str, int]:
    """The length of every table of fitted values; flat ones are kept as extensions too."""
    fitted = [
        (key, value)
        for key, value in ctx.present(vocabulary().keys["fitted_values"])
        if isinstance(value, dict)
    ]
    for key, value in fitted:
        if key != "weights" and is_flat(value) and all(matches(EXTENSION_KEY, k) for k in value):
            ctx.result.metadata.setdefault("extensions", {}).setdefault(
                "fitted_parameters", {}
            ).update(value)
            ctx.apply("extensions.fitted_parameters", "extensions.fitted_parameters", key)
    return {key: len(value) for key, value in fitted}


def rule_parameter_count(ctx: Context) -> None:
    explicit_keys = list(vocabulary().keys["parameter_count"])
    if not isinstance(ctx.get("params"), dict):
        explicit_keys.append("params")  # a table of "params" is hyperparameters, not a count
    explicit = agree(ctx, "parameter_count", explicit_keys, whole_number, blocking=True)
    counted = _fitted_value_counts(ctx)
    if ctx.is_held("parameter_count"):
        return
    if explicit and counted and set(counted.values()) != {explicit[2]}:
        ctx.hold(
            "parameter_count",
            f"legacy {explicit[0]}={short(explicit[1])} disagrees with the fitted values listed "
            f"({', '.join(f'{k}: {n}' for k, n in counted.items())})",
            blocking=True,
        )
    elif explicit:
        key, raw, count = explicit
        ctx.result.metadata["parameter_count"] = count
        rule = "parameter_count.numeric" if isinstance(raw, int) else "parameter_count.numeric_text"
        ctx.apply(rule, "parameter_count", f"{key}={short(raw)} -> {count}")
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
