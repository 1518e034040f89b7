"""A Hugging Face model card read into a registration of an external model, never guessed.

The card's front matter says some of what a registration needs: evaluation
results (``model-index``), data sets, the library, the base model. It does not
say the model's family or parameter count, and never its own immutable
revision. What the card says is mapped; what a person supplies (``--revision``,
``--source-url``, ``--set field=value``) is added; anything still missing is
listed, every field at once, in one error. Nothing is filled in by guessing.
The metrics come from one result of the card's ``model-index`` (the first, or
the one a person names), kept with the data set, config and split they were
measured on (:mod:`card_results`); each other result is kept as an evaluation
of the same version, with its own data set, written in the registration's
transaction. One card, revision and source make one version, whichever
result is registered as its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas_registry.catalog.line_listing import search_pattern
from atlas_registry.catalog.prepare import ReportedEvaluation
from atlas_registry.catalog.tags import checked_tags
from atlas_registry.errors import InputError, ValidationError, Violation
from atlas_registry.interop.card_files import card_files
from atlas_registry.interop.card_front_matter import read_front_matter
from atlas_registry.interop.card_out import HUB_LIBRARY
from atlas_registry.interop.card_results import (
    CardResult,
    card_results,
    chosen_result,
    hub_url,
    refuse_malformed_index,
)
from atlas_registry.pins.locations import url_key
from atlas_registry.records import ModelRegistration
from atlas_registry.review.queue import json_or_text, parse_assignments, place
from atlas_registry.schema.patterns import SOURCE_VERSION, matches
from atlas_registry.schema.validation import MetadataValidator
from atlas_registry.store.whole_files import read_text

# The Hub's library names and the registry's framework names, where they differ.
FRAMEWORK_OF = {hub: ours for ours, hub in HUB_LIBRARY.items()} | {"sklearn": "scikit-learn"}
# A card is a README.md, or a folder holding one.
CARD_FILE = "README.md"
_BRANCH_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9._/-]*")


def read_card_text(path: str) -> tuple[str, str]:
    """The card's text and the name to report it by; a folder means its README.md."""
    if not path.strip():
        raise InputError("no model card named: give a README.md or the folder holding one")
    location = Path(path)
    if location.is_dir():
        location = location / CARD_FILE
    if not location.exists():
        raise InputError(f"no model card at {location}")
    try:
        return read_text(str(location)), str(location)
    except InputError as exc:
        raise InputError(f"model card: {exc}") from exc


def _parsed(content: str, source: str) -> Any:
    """The card's metadata as the Hub's ``ModelCardData``, from front matter read with bounds.

    The front matter is read by :func:`read_front_matter` (size, nesting, value
    count, aliases and duplicate keys refused before anything is built); the
    Hub's class is given those values as ``ModelCard`` would give them, so its
    parser never reads the YAML, unbounded, a second time.
    """
    from huggingface_hub import ModelCardData

    front = read_front_matter(content, source)
    if front is None:
        return ModelCardData(ignore_metadata_errors=True)
    refuse_malformed_index(front, source)
    try:
        return ModelCardData(**front, ignore_metadata_errors=False)
    except Exception as exc:  # huggingface_hub raises ValueError, TypeError for a key of its own
        raise InputError(f"the front matter of {source} cannot be read: {exc}") from exc


def _own(data: Any) -> Mapping[str, Any]:
    """What a card this registry wrote says under its own ``atlas_registry`` key."""
    found = data.to_dict().get("atlas_registry")
    return found if isinstance(found, Mapping) else {}


def _evaluation(
    data: Any, number: int | None
) -> tuple[CardResult | None, list[CardResult], list[Violation]]:
    """The result to import, every result the card reports, and the problems with either."""
    results = card_results(list(data.eval_results or []))
    chosen, problems = chosen_result(results, number)
    return chosen, results, problems


def _other_results(
    chosen: CardResult | None, results: list[CardResult], benchmark_id: Any, ours: bool
) -> tuple[tuple[ReportedEvaluation, ...], list[str]]:
    """The card's results beside the one registered, each an evaluation of its own; and the
    ones that cannot be (a value that is no finite number), named.

    Each is on the registration's benchmark, or, in a card this registry wrote
    (``ours``), on the benchmark its task name gives.
    """
    kept, left_out = [], []
    registered = benchmark_id if isinstance(benchmark_id, str) else None
    for result in results:
        if result is chosen:
            continue
        evaluation = result.as_evaluation(result.benchmark(registered, ours))
        if evaluation is None:
            left_out.append(f"result {result.number}: {result.label()}")
        else:
            kept.append(evaluation)
    return tuple(kept), left_out


def _revision_problems(revision: str | None) -> list[Violation]:
    if not revision:
        return [
            Violation(
                "revision",
                "is required: give --revision with the commit SHA of the card's repository "
                "(a card does not pin itself)",
            )
        ]
    # The schema's own rule for an external pin (a SHA, a release tag or a DOI);
    # what it refuses and reads like a ref name gets the reason, not just "no match".
    if not matches(SOURCE_VERSION, revision) and _BRANCH_LIKE.fullmatch(revision):
        return [
            Violation(
                "revision",
                f"{revision[:80]!r} looks like a branch name, which moves; "
                "pin an immutable revision (a commit SHA or a release tag)",
            )
        ]
    return []


@dataclass(frozen=True)
class CardReading:
    """The registration a card makes, and which of the card's results it holds."""

    registration: ModelRegistration
    result: int | None  # the result imported, numbered from 1; None when the card has none
    results: int  # how many results the card reports
    # The card's other results, each kept as an evaluation of its own; and those that
    # cannot be (a value that is no finite number), named.
    evaluations: tuple[ReportedEvaluation, ...] = ()
    left_out: tuple[str, ...] = ()
    # The tags a card this registry wrote keeps exactly (``atlas_registry.tags``),
    # set on the imported version as tag events of its own.
    tags: Mapping[str, str] = field(default_factory=dict)


def card_registration(
    content: str,
    source: str,
    *,
    revision: str | None,
    source_url: str | None,
    assignments: list[str],
    line: str | None,
    base_lookup: Any,
    validator: MetadataValidator,
    result: int | None = None,
) -> CardReading:
    """The registration a card and a person's additions make; every gap in one error.

    ``base_lookup(url)`` returns the catalog id of a model whose source is
    ``url``, or None: a card's ``base_model`` becomes ``base_model_id`` only
    when the base is registered, else it is kept as ``extensions.hf_base_model``.
    The metrics and evaluation data set come from one result of the card's
    ``model-index``: the first, or ``result`` (see :mod:`card_results`); the
    others are returned as evaluations of the same version.
    """
    data = _parsed(content, source)
    own = _own(data)
    values = parse_assignments(assignments)
    problems = _revision_problems(revision)
    if not source_url:
        problems.append(
            Violation("source_url", "is required: give --source-url, where the model is published")
        )
    metadata = _described(data, own, revision, source_url)
    chosen, reported, result_problems = _evaluation(data, result)
    problems += result_problems
    files, file_problems = card_files(own, source_url, revision)
    problems += file_problems
    tags, tag_problems = _tags(own)
    problems += tag_problems
    extensions = _extensions(data, base_lookup, metadata)
    metrics: dict[str, Any] = {}
    if chosen is not None:
        metrics, metric_problems = chosen.metric_values()
        problems += [p for p in metric_problems if not _set_by_person(p, values)]
        metadata["evaluation_dataset"] = chosen.evaluation_dataset()
        if metrics:
            metadata["evaluation_metrics"] = dict(metrics)  # --set may change the copy
        extensions["hf_eval"] = chosen.extension()
    if extensions:
        metadata["extensions"] = extensions
    _apply(metadata, values)
    _verified_as_said(metadata, metrics)
    unchosen = {"evaluation_dataset", "evaluation_metrics"} if result_problems else set()
    problems += [v for v in validator.violations(metadata) if v.path not in unchosen]
    if problems:
        choose = "choose one of its results with --result N; " if result_problems else ""
        raise ValidationError(
            f"{source} cannot be registered as it is; {choose}give what the card does not "
            "say with --set field=value",
            problems,
        )
    title = str(data.model_name or own.get("title") or Path(source).parent.name or "model")
    registration = ModelRegistration(title=title[:200], metadata=metadata, line=line, files=files)
    ours = "id" in own  # written by `card`: each result's task name is its benchmark
    others, left_out = _other_results(chosen, reported, metadata.get("benchmark_id"), ours)
    number = chosen.number if chosen else None
    return CardReading(registration, number, len(reported), others, tuple(left_out), tags)


def _tags(own: Mapping[str, Any]) -> tuple[dict[str, str], list[Violation]]:
    """The card's ``atlas_registry.tags``, checked as any tag is; the Hub's own ``tags``
    list (``k:v`` for search) is not read back: it cannot tell a colon in a key apart."""
    said = own.get("tags")
    if said is None:
        return {}, []
    try:
        return checked_tags(said, "atlas_registry.tags"), []
    except ValidationError as refused:
        return {}, list(refused.violations)


def _described(
    data: Any, own: Mapping[str, Any], revision: str | None, source_url: str | None
) -> dict[str, Any]:
    """The facts the card states about the model itself, and the person's pin."""
    metadata: dict[str, Any] = {"is_external": True}
    if source_url:
        metadata["external_source_url"] = source_url
    if revision:
        metadata["external_source_version"] = revision
    for key in ("model_family", "parameter_count", "benchmark_id"):
        if own.get(key) is not None:
            metadata[key] = own[key]
    library = data.library_name or own.get("framework")
    if library:
        metadata["framework"] = FRAMEWORK_OF.get(str(library), str(library).lower())
    datasets = data.datasets or []
    if isinstance(datasets, str):
        datasets = [datasets]
    if datasets:
        metadata["training_data"] = [
            {"url": hub_url(str(d), "datasets"), "description": str(d)} for d in datasets
        ]
    return metadata


def _extensions(data: Any, base_lookup: Any, metadata: dict[str, Any]) -> dict[str, Any]:
    """The base model (as ``base_model_id`` when it is registered) and the Hub's task."""
    extensions: dict[str, Any] = {}
    base = data.base_model
    if isinstance(base, list):
        base = base[0] if len(base) == 1 else None
    if isinstance(base, str) and base:
        found = base_lookup(hub_url(base))
        if found:
            metadata["base_model_id"] = found
        else:
            extensions["hf_base_model"] = base
    if data.pipeline_tag:
        extensions["hf_task"] = str(data.pipeline_tag)
    return extensions


def _set_by_person(problem: Violation, values: dict[str, str]) -> bool:
    """A metric problem the person resolved with ``--set evaluation_metrics[.NAME]=``."""
    metric = problem.path.rsplit(" metric ", 1)[-1]
    keys = {key.removeprefix("metadata.") for key in values}
    return bool(keys & {"evaluation_metrics", f"evaluation_metrics.{metric}"})


def _verified_as_said(metadata: dict[str, Any], said: dict[str, Any]) -> None:
    """Keep the Hub's ``verified`` mark only on values the card reported.

    The mark vouches for the card's value; a value a person gave over it with
    ``--set`` is theirs, and `card` would otherwise write it back as verified.
    """
    kept = (metadata.get("extensions") or {}).get("hf_eval")
    if not isinstance(kept, dict) or not isinstance(kept.get("verified"), list):
        return
    stored = metadata.get("evaluation_metrics") or {}
    verified = [
        name
        for name in kept["verified"]
        if name in said and isinstance(stored, dict) and stored.get(name) == said[name]
    ]
    if verified:
        kept["verified"] = verified
    else:
        del kept["verified"]


def _apply(metadata: dict[str, Any], values: dict[str, str]) -> None:
    """``--set`` assignments placed by dotted path; they win over what the card says."""
    for key, raw in values.items():
        place(metadata, key.removeprefix("metadata.").split("."), json_or_text(raw, key), key)


def source_identity(url: str) -> str:
    """The source URL as the same text however it is spelled: ``https://host/path``.

    A model's source is a repository address, and a code pin already treats
    ``http://HuggingFace.co/org/name/`` and ``https://huggingface.co/org/name``
    as one repository (:func:`~atlas_registry.pins.locations.url_key`): the
    scheme, the host's case, a trailing slash or ``.git`` do not matter. A URL
    that is no such address (a query, a port) is its own text.
    """
    key = url_key(url)
    return f"https://{key}" if key else url


# Models whose source URL may be a spelling of one address; the spelling is checked in Python.
_BY_SOURCE = (
    "SELECT artifact_id, external_source_url FROM model_versions "
    "WHERE lower(external_source_url) LIKE ? ESCAPE '\\' "
    "ORDER BY created_at DESC, artifact_id DESC"
)


def model_from_source(session: Any, url: str) -> str | None:
    """The newest registered model published at ``url``, however its URL was spelled.

    Spellings are those :func:`source_identity` makes one; a URL that is no
    repository address is matched as written, with or without a trailing slash.
    """
    wanted = source_identity(url)
    key = url_key(url) or url.rstrip("/")
    for model_id, stored in session.rows(_BY_SOURCE, (search_pattern(key),)):
        if source_identity(stored) == wanted or stored.rstrip("/") == url.rstrip("/"):
            return str(model_id)
    return None
