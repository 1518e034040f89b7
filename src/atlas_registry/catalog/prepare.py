"""What a registration must satisfy beyond the JSON Schema, checked before any write.

The schema sees one metadata document; these rules see the whole registration
(code pin, training times, text fields) and turn it into the rows to write.
Rules that need the database (do referenced artifacts exist?) live in
:mod:`atlas_registry.catalog.registrar`, inside the write transaction.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from atlas_registry.catalog.alias_names import ALIAS_NAME
from atlas_registry.catalog.file_entries import FileEntry, checked_entries
from atlas_registry.documents import dump_json, is_storable_text, value_problems
from atlas_registry.errors import ValidationError, Violation, under
from atlas_registry.records import NOT_TEXT_FIELDS, REGISTRATION_TEXT_LIMITS, ModelRegistration
from atlas_registry.schema.patterns import ARTIFACT_ID, COMMIT_SHA, HTTP_URL, LINE_NAME, matches
from atlas_registry.schema.validation import MetadataValidator, default_validator, format_path

MAX_IDENTIFIER_TEXT = 2048
REGISTRATION_TEXT_FIELDS = tuple(
    f.name for f in dataclasses.fields(ModelRegistration) if f.name not in NOT_TEXT_FIELDS
)


@dataclass(frozen=True)
class ReportedEvaluation:
    """An evaluation a registration carries beside its own metrics: a card's other results.

    Written with the version, in its transaction, as evaluations of ``origin``;
    ``dataset`` is the data reference as the source gave it.
    """

    origin: str
    benchmark_id: str | None
    dataset: dict[str, Any]
    dataset_key: str
    split: str | None
    metrics: dict[str, float]


@dataclass(frozen=True)
class PreparedModel:
    """A registration that passed every check that needs no database, as rows to write."""

    artifact_id: str
    parent_version_id: str | None
    references: dict[str, tuple[str, str]]  # path -> (artifact id, required artifact_type)
    artifact_row: dict[str, Any]
    version_row: dict[str, Any]
    metric_rows: list[dict[str, Any]]
    line: str | None = None
    chosen_id: bool = False  # the caller gave the artifact id (it was not generated)
    files: tuple[FileEntry, ...] = ()  # the version's files, listed as it is registered
    evaluations: tuple[ReportedEvaluation, ...] = ()  # beside the registration's own


_COUNTER_LIMIT = 1 << 12  # rand_a of RFC 9562's layout: 12 bits, counted within a millisecond
_last_millis = -1
_last_counter = 0
_uuid_lock = threading.Lock()


def _forget_last_id() -> None:
    """A forked child starts its own sequence: two children counting on from the
    parent's last id in the same millisecond would share their counter values."""
    global _last_millis, _uuid_lock
    _last_millis, _uuid_lock = -1, threading.Lock()


os.register_at_fork(after_in_child=_forget_last_id)


def time_ordered_uuid() -> uuid.UUID:
    """A version-7 UUID: 48 bits of Unix milliseconds, a 12-bit counter, 62 random bits.

    New ids sort by creation time, so every index keyed by artifact id grows at
    its right-hand edge instead of splitting pages at random: bulk registration
    into a million-row catalog stays fast. Within one process they also sort in
    the order they were made inside one millisecond (RFC 9562 §6.2, method 1:
    the counter starts at a random value below 2,048 each millisecond and counts
    up), so "newest first, then by id" orders a process's own writes as they
    happened. The last 62 bits stay random for every id: a short id (the last 8
    hex digits) of two ids made together is no more alike than any two.
    """
    return uuid.UUID(int=_time_ordered_int())


def time_ordered_id() -> str:
    """``str(time_ordered_uuid())``, without building the UUID object on the way (a new id
    for every registration: the object and its checks cost more than the bits)."""
    digits = f"{_time_ordered_int():032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _time_ordered_int() -> int:
    global _last_millis, _last_counter
    millis = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")
    with _uuid_lock:
        if millis <= _last_millis:  # the same millisecond, or the clock stepped back
            millis, counter = _last_millis, _last_counter + 1
            if counter >= _COUNTER_LIMIT:  # 2,048 ids or more in one millisecond
                millis, counter = millis + 1, 0
        else:
            counter = random_bits >> 69  # 11 random bits: room to count up
        _last_millis, _last_counter = millis, counter
    return (
        (millis & (2**48 - 1)) << 80
        | 0x7 << 76  # version 7
        | counter << 64  # rand_a
        | 0x2 << 62  # RFC 4122 variant
        | random_bits & (2**62 - 1)  # rand_b
    )


def dump_validated_json(value: Any) -> str:
    """:func:`dump_json` for documents the schema has already accepted, several times faster.

    orjson would write NaN as null, which is why only validated documents (which
    cannot hold NaN) come here; what orjson refuses (integers beyond 64 bits,
    lone surrogates) falls back to the standard library.
    """
    try:
        return orjson.dumps(value).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return dump_json(value)


def normalise_timestamp(value: str) -> str:
    """ISO 8601 in, UTC ``YYYY-MM-DD HH:MM:SS`` out; naive times are taken as UTC.

    Years are always written with four digits, so stored times sort as text on
    both databases; a time whose UTC date falls outside years 1-9999 (e.g.
    ``0001-01-01T00:00:00+14:00``) raises OverflowError.
    """
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    utc = parsed.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%d %H:%M:%S}"


def _text_problems(registration: ModelRegistration) -> list[Violation]:
    """Every field beside the metadata: text, within its length, free of NUL and lone surrogates.

    Titles and the other texts are stored exactly as written (nothing is trimmed);
    a title must hold something other than white space.
    """
    problems = []
    for name in REGISTRATION_TEXT_FIELDS:
        value = getattr(registration, name)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(Violation(name, "must be text"))
            continue
        found = [] if is_storable_text(value) else value_problems(value, name)
        if found:
            problems += found
        elif name == "title" and not value.strip():
            problems.append(Violation(name, "must not be empty"))
        elif len(value) > REGISTRATION_TEXT_LIMITS.get(name, MAX_IDENTIFIER_TEXT):
            limit = REGISTRATION_TEXT_LIMITS.get(name, MAX_IDENTIFIER_TEXT)
            problems.append(
                Violation(name, f"is too long ({len(value)} characters; at most {limit})")
            )
    return problems


def code_pin_problems(repo: str | None, sha: str | None) -> list[Violation]:
    """A code pin is a commit SHA in an http(s) repository; a SHA alone pins nothing."""
    problems = []
    if sha is not None and not (isinstance(sha, str) and matches(COMMIT_SHA, sha.lower())):
        problems.append(
            Violation(
                "code_commit_sha",
                f"must be a commit SHA (7-40 or 64 hex characters), got {str(sha)[:60]!r}",
            )
        )
    if repo is not None and not (
        isinstance(repo, str) and len(repo) <= 2048 and matches(HTTP_URL, repo)
    ):
        problems.append(
            Violation("code_repo_url", f"must be an http(s) URL, got {str(repo)[:60]!r}")
        )
    if sha is not None and repo is None:
        problems.append(Violation("code_repo_url", "is required when code_commit_sha is given"))
    return problems


def _time_problems(registration: ModelRegistration) -> tuple[list[Violation], dict[str, str]]:
    problems, times = [], {}
    for name in ("training_started_at", "training_completed_at"):
        value = getattr(registration, name)
        if value is None:
            continue
        try:
            times[name] = normalise_timestamp(value)
        except OverflowError:
            problems.append(
                Violation(name, f"falls outside years 1-9999 once converted to UTC: {value!r:.80}")
            )
        except (ValueError, TypeError, AttributeError):
            problems.append(
                Violation(
                    name,
                    "must be an ISO 8601 date-time such as 2026-03-01T12:00:00Z, "
                    f"got {value!r:.80}",
                )
            )
    started, completed = times.get("training_started_at"), times.get("training_completed_at")
    if started and completed and completed < started:
        problems.append(
            Violation(
                "training_completed_at", f"is before training_started_at ({completed} < {started})"
            )
        )
    return problems, times


def _id_problems(registration: ModelRegistration) -> list[Violation]:
    problems = []
    for name in ("artifact_id", "parent_version_id"):
        value = getattr(registration, name)
        if value is not None and not matches(ARTIFACT_ID, value):
            problems.append(
                Violation(name, "must be a catalog id (letters, digits, . _ : -, at most 200)")
            )
    if registration.line is not None and not matches(LINE_NAME, registration.line):
        problems.append(
            Violation(
                "line",
                "must be a line name such as ad-risk-predictor (2-100 characters: lower-case "
                "letters, digits, . _ -; starting with a letter or digit), "
                f"got {registration.line!r:.80}",
            )
        )
    return problems


def _references(metadata: dict[str, Any]) -> dict[str, tuple[str, str]]:
    references = {}
    if metadata.get("base_model_id"):
        references["metadata.base_model_id"] = (metadata["base_model_id"], "model")
    evaluation = metadata.get("evaluation_dataset") or {}
    if evaluation.get("artifact_id"):
        references["metadata.evaluation_dataset.artifact_id"] = (
            evaluation["artifact_id"],
            "dataset",
        )
    for index, item in enumerate(metadata.get("training_data") or []):
        if item.get("artifact_id"):
            path = format_path(["metadata", "training_data", index, "artifact_id"])
            references[path] = (item["artifact_id"], "dataset")
    return references


# A line version as a base model: NAME@3, NAME@promoted, NAME@latest, NAME@ALIAS (catalog/refs.py).
_LINE_VERSION_REF = re.compile(
    rf"({LINE_NAME.pattern[1:-1]})@(?:[0-9]+|promoted|latest|{ALIAS_NAME.pattern})"
)


def _as_the_schema_reads_it(metadata: Any) -> Any:
    """The metadata the schema checks: a base model named ``NAME@N`` is checked as ``NAME``.

    The schema's id pattern has no ``@``; the reference is a model reference like
    any other, resolved to the id it names inside the write transaction
    (references.resolve_base_models), which also writes that id into the
    stored metadata. Every other value is checked as given.
    """
    base = metadata.get("base_model_id") if isinstance(metadata, Mapping) else None
    found = _LINE_VERSION_REF.fullmatch(base) if isinstance(base, str) else None
    if found is None:
        return metadata
    return {**metadata, "base_model_id": found.group(1)}


def prepare(
    registration: ModelRegistration, validator: MetadataValidator
) -> tuple[PreparedModel | None, list[Violation]]:
    """Check a registration and turn it into rows, or return every violation found.

    ``metadata.base_model_id`` may be any model reference (an id, a line name,
    ``NAME@N``, a short id): the rows hold it as given until the write
    transaction resolves it to an id.
    """
    metadata_json, metadata_problems = validator.checked_json(
        _as_the_schema_reads_it(registration.metadata)
    )
    problems = [under("metadata", v) for v in metadata_problems]
    text_problems = _text_problems(registration)
    if text_problems:  # the field-by-field rules below assume readable text
        return None, problems + text_problems
    problems += code_pin_problems(registration.code_repo_url, registration.code_commit_sha)
    problems += _id_problems(registration)
    time_problems, times = _time_problems(registration)
    problems += time_problems
    files, file_problems = checked_entries(registration.files)
    problems += file_problems
    if problems:
        return None, problems
    metadata = dict(registration.metadata)
    artifact_id = registration.artifact_id or f"model-{time_ordered_id()}"
    if metadata.get("base_model_id") == artifact_id:
        return None, [Violation("metadata.base_model_id", "must not be the model itself")]
    is_external = metadata.get("is_external") is True
    evaluation = metadata["evaluation_dataset"]
    artifact_row = {
        "id": artifact_id,
        "artifact_type": "model",
        "title": registration.title,
        "description": registration.description,
        "metadata": metadata_json,
        "created_by": registration.created_by,
        "parent_version_id": registration.parent_version_id,
        "version_tag": registration.version_tag,
        "changelog": registration.changelog,
        "lifecycle_state": "active",
        "origin_type": "external" if is_external else "internal",
        "origin_url": metadata.get("external_source_url") if is_external else None,
    }
    training_config = metadata.get("training_config")
    version_row = {
        "artifact_id": artifact_id,
        "is_external": int(is_external),
        "external_source_url": metadata.get("external_source_url"),
        "external_source_version": metadata.get("external_source_version"),
        "base_model_id": metadata.get("base_model_id"),
        "code_repo_url": registration.code_repo_url,
        "code_commit_sha": registration.code_commit_sha.lower()
        if registration.code_commit_sha
        else None,
        "code_entrypoint": registration.code_entrypoint,
        "training_started_at": times.get("training_started_at"),
        "training_completed_at": times.get("training_completed_at"),
        "trained_by": registration.trained_by,
        "gpu_allocation_id": registration.gpu_allocation_id,
        "training_params_json": dump_validated_json(training_config)
        if training_config is not None
        else None,
        "eval_metrics_json": dump_validated_json(metadata["evaluation_metrics"]),
        "eval_dataset_artifact_id": evaluation.get("artifact_id"),
        "benchmark_id": metadata.get("benchmark_id"),
        "promotion_state": "candidate",
        "model_family": metadata["model_family"],
        "framework": metadata["framework"],
        "metadata_schema_version": validator.version,
        "claimed_by": None,  # see registrar.attributed
    }
    prepared = PreparedModel(
        artifact_id=artifact_id,
        parent_version_id=registration.parent_version_id,
        references=_references(metadata),
        artifact_row=artifact_row,
        version_row=version_row,
        line=registration.line,
        chosen_id=registration.artifact_id is not None,
        files=tuple(files),
        metric_rows=[
            {
                "artifact_id": artifact_id,
                "benchmark_id": metadata.get("benchmark_id"),
                "metric": name,
                "value": float(value),
            }
            for name, value in metadata["evaluation_metrics"].items()
        ],
    )
    return prepared, []


def check_registration(document: Any, validator: MetadataValidator) -> ModelRegistration:
    """A registration document checked whole, as ``register`` would, with no database.

    Registration fields and metadata are checked in one pass, so every problem
    is listed at once (references to other artifacts need the database and are
    checked by ``register --dry-run``).
    """
    try:
        registration = ModelRegistration.from_dict(document)
    except ValidationError as refused:  # the fields are wrong: the metadata is still checked
        problems = list(refused.violations)
        if isinstance(document, Mapping) and "metadata" in document:
            _, metadata_problems = validator.checked_json(document["metadata"])
            problems += [under("metadata", v) for v in metadata_problems]
        raise ValidationError("the registration is invalid", problems) from None
    _, problems = prepare(registration, validator)
    if problems:
        raise ValidationError("the registration is invalid", problems)
    return registration


def validate_registration(document: Any) -> ModelRegistration:
    """:func:`check_registration` against the packaged schema: what ``validate`` runs."""
    return check_registration(document, default_validator())
