"""Rules for where the model came from and how to reproduce it.

Base model, external source and its pinned revision, training configuration,
the code pin, and the legacy status that says whether the model was in use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from atlas_registry.backfill.extract import (
    commit_refs,
    is_commit_sha,
    repository_url,
    source_pin,
    urls,
    whole_number,
)
from atlas_registry.backfill.mapping import Context, agree, held_if_they_disagree, is_flat, short
from atlas_registry.backfill.vocabulary import vocabulary
from atlas_registry.schema.patterns import ARTIFACT_ID, HTTP_URL, SOURCE_VERSION, matches


def rule_base_model(ctx: Context) -> None:
    found = agree(
        ctx,
        "base_model_id",
        vocabulary().keys["base_model_id"],
        lambda r: r if matches(ARTIFACT_ID, r) else None,
        blocking=False,
    )
    if found:
        ctx.result.metadata["base_model_id"] = found[2]
        ctx.apply("base_model_id.catalog_id", "base_model_id", f"{found[0]}={short(found[1])}")


def _external_source(ctx: Context) -> tuple[tuple[str, str] | None, list[tuple[str, str]]]:
    """(key, URL) of a legacy source URL on a model hub or repository host, if any,
    and the source URLs no pin can be read from."""
    unreadable = []
    for key, raw in ctx.present(vocabulary().keys["external_source_url"]):
        if isinstance(raw, str) and source_pin(raw.strip()):
            return (key, raw.strip()), []
        if isinstance(raw, str) and urls(raw):
            unreadable.append((key, raw))
    return None, unreadable


def rule_external(ctx: Context) -> None:
    flag = ctx.get("is_external") if "is_external" in ctx.legacy else ctx.get("external")
    source, unreadable = _external_source(ctx)
    if source is None and unreadable and flag is not False:
        # A source the rules cannot pin is still a source: registering the model
        # as internal would drop where it came from.
        key, raw = unreadable[0]
        ctx.hold(
            "external_source_url",
            f"legacy {key}={short(raw)} names a source that is not a Hugging Face model or "
            "a GitHub or GitLab repository; set is_external and the source's URL and version",
            blocking=True,
        )
        return
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
    explicit = agree(
        ctx,
        "external_source_version",
        vocabulary().keys["external_source_version"],
        lambda r: r if isinstance(r, str) else None,
        blocking=True,
    )
    revisions = {r for r in (pin.revision, explicit[2] if explicit else None) if r}
    ctx.result.metadata.update(is_external=True, external_source_url=pin.url)
    ctx.apply("external.source_url", "external_source_url", f"{key}={short(url)} -> {pin.url!r}")
    if len(revisions) != 1:
        reason = "no pinned revision" if not revisions else f"two revisions {sorted(revisions)}"
        ctx.hold("external_source_version", f"external source has {reason}", blocking=True)
        return
    revision = revisions.pop()
    if not matches(SOURCE_VERSION, revision):
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


def _hyperparameters(ctx: Context) -> dict[str, Any]:
    """Settings from every legacy place that holds them: tables, a training block, single keys."""
    keys = vocabulary().keys
    hyper: dict[str, Any] = {}
    for key, raw in ctx.present(keys["hyperparameters"]):
        if isinstance(raw, dict):
            hyper.update(raw)
            ctx.apply("training_config.hyperparameters", "training_config.hyperparameters", key)
    training = ctx.get("training")
    if isinstance(training, dict):
        not_settings = vocabulary().data_keys["not_settings"]
        extra = {k: v for k, v in training.items() if k not in not_settings}
        hyper.update(extra)
        if extra:
            ctx.apply(
                "training_config.from_training_block",
                "training_config.hyperparameters",
                f"training.{{{', '.join(sorted(extra))}}}",
            )
    for key, raw in ctx.present(keys["known_settings"]):
        hyper[key] = raw
        ctx.apply("training_config.known_setting", f"training_config.hyperparameters.{key}", key)
    return hyper


def rule_training_config(ctx: Context) -> None:
    if ctx.result.metadata.get("is_external"):
        return
    config: dict[str, Any] = {}
    given = ctx.get("training_config")
    if isinstance(given, dict):  # already in the schema's shape: kept, then completed
        ctx.used.add("training_config")
        config.update(given)
        ctx.apply("training_config.as_given", "training_config", "training_config")
    procedure = ctx.present(vocabulary().keys["training_procedure"])
    if procedure and isinstance(procedure[0][1], str) and "procedure" not in config:
        config["procedure"] = procedure[0][1][:2000]
        ctx.apply("training_config.procedure", "training_config.procedure", procedure[0][0])
    hyper = _hyperparameters(ctx)
    flat = {k: v for k, v in hyper.items() if is_flat(v)}
    if len(flat) < len(hyper):
        ctx.hold(
            "training_config.hyperparameters",
            f"nested settings kept only in the legacy blob: {sorted(set(hyper) - set(flat))}",
            blocking=False,
        )
    if flat:
        config["hyperparameters"] = {**config.get("hyperparameters", {}), **flat}
    seed = ctx.present(vocabulary().keys["random_seed"])
    found = whole_number(seed[0][1]) if seed and "random_seed" not in config else None
    if found is not None and found >= 0:
        config["random_seed"] = found
        ctx.apply("training_config.random_seed", "training_config.random_seed", seed[0][0])
    if config:
        ctx.result.metadata["training_config"] = config
    else:
        ctx.hold(
            "training_config",
            "legacy metadata says nothing about how the model was trained",
            blocking=True,
        )


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _pin_part(value: Any) -> Any:
    """A repository or commit as two keys may both write it: an SSH remote and its https
    URL, or a SHA in capitals and in lower case, are the same pin."""
    if not isinstance(value, str):
        return value
    url = repository_url(value) or value
    return url.strip().rstrip("/").removesuffix(".git").lower()


def rule_code_pin(ctx: Context) -> None:
    if ctx.result.metadata.get("is_external"):
        return
    keys = vocabulary().keys
    repo = ctx.present(keys["code_repo_url"])
    sha = ctx.present(keys["code_commit_sha"])
    entry = ctx.present(keys["code_entrypoint"])
    for target, found in (("code_repo_url", repo), ("code_commit_sha", sha)):
        compared = [_pin_part(value) for _, value in found]
        if held_if_they_disagree(ctx, target, found, compared, blocking=False):
            return
    if held_if_they_disagree(ctx, "code_entrypoint", entry, [v for _, v in entry], blocking=False):
        entry = []  # the repository and commit still pin the code
    mentioned = commit_refs("\n".join(_texts(ctx.legacy)))
    explicit = None
    if sha:
        value = sha[0][1]
        if not (isinstance(value, str) and is_commit_sha(value)):
            ctx.hold(
                "code_commit_sha",
                f"legacy {sha[0][0]}={short(value)} is not a commit SHA",
                blocking=False,
            )
            return
        if not (repo and isinstance(repo[0][1], str)):
            ctx.hold(
                "code_repo_url", f"legacy gives commit {value} but no repository", blocking=False
            )
            return
        url = (repository_url(repo[0][1]) or "").rstrip("/")
        if not matches(HTTP_URL, url):
            # The pin is optional: a repository it cannot name holds the pin, not the model.
            ctx.hold(
                "code_repo_url",
                f"legacy {repo[0][0]}={short(repo[0][1])} is not an http(s) repository URL",
                blocking=False,
            )
            return
        explicit = (url, value.lower())
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


def rule_status(ctx: Context) -> None:
    found = ctx.present(vocabulary().keys["status"])
    if not found or not isinstance(found[0][1], str):
        return
    status = found[0][1].strip().lower()
    ctx.result.legacy_status = status
    if status in vocabulary().in_use_statuses:
        ctx.result.in_use = True
        ctx.apply(
            "promotion.legacy_in_use", "promotion_state", f"{found[0][0]}={status!r} -> promote"
        )
    elif status not in vocabulary().not_in_use_statuses:
        ctx.hold(
            "promotion_state",
            f"legacy status {status!r} is not known; left as candidate",
            blocking=False,
        )
