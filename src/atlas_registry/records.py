"""Plain frozen objects that cross the library's boundary: what goes in, what comes out."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from atlas_registry.errors import ValidationError, Violation, under

# A model version's promotion state, in the order of its life: the one list the
# filters, the lifecycle and the pages use (migrations 0002 and 0004 CHECK it).
PROMOTION_STATES = ("candidate", "promoted", "rejected", "superseded")

# The longest text each free-text field of a registration may hold (the bounded
# columns of the catalog are sized from it); identifiers are bounded elsewhere.
REGISTRATION_TEXT_LIMITS = {
    "title": 500,
    "description": 20000,
    "created_by": 200,
    "version_tag": 100,
    "changelog": 20000,
    "code_entrypoint": 500,
    "trained_by": 200,
    "gpu_allocation_id": 200,
}


# The registration fields that are not text: the schema's document, the file list.
NOT_TEXT_FIELDS = ("metadata", "files")


@dataclass(frozen=True)
class ModelRegistration:
    """Everything needed to register one model version.

    The facts that describe the model itself (family, data, metrics, base model,
    external pin, benchmark) live in ``metadata`` and are validated by the JSON
    Schema; the facts about this particular training run (code pin, who, when,
    which GPU allocation) are fields here. ``line`` names the model line: the
    registration becomes its next version, or version 1 of a new line with that
    name. ``parent_version_id`` makes this a new version of the line of that
    version (named or not).
    """

    title: str
    metadata: Mapping[str, Any]
    artifact_id: str | None = None
    description: str | None = None
    created_by: str | None = None
    parent_version_id: str | None = None
    version_tag: str | None = None
    changelog: str | None = None
    code_repo_url: str | None = None
    code_commit_sha: str | None = None
    code_entrypoint: str | None = None
    training_started_at: str | None = None
    training_completed_at: str | None = None
    trained_by: str | None = None
    gpu_allocation_id: str | None = None
    line: str | None = None
    # The version's files (each {uri, sha256, size_bytes, role}): where its bytes are
    # and what they hash to. Beside the metadata, not in it: released schema
    # versions stay as they are, and files are listed later too (`files add`).
    files: Sequence[Any] | None = None  # each entry is checked whole by prepare()

    @classmethod
    def from_dict(cls, data: Any) -> ModelRegistration:
        """Build from a decoded JSON document (a registration file), refusing unknown keys."""
        if not isinstance(data, Mapping):
            raise ValidationError(
                "a registration must be a JSON object", [Violation("$", "must be an object")]
            )
        names = {f.name for f in dataclasses.fields(cls)}
        problems = [
            Violation(str(key), _not_a_field(str(key), names)) for key in data if key not in names
        ]
        problems += [
            Violation(key, "is required") for key in ("title", "metadata") if key not in data
        ]
        problems += [
            Violation(key, "must be text")
            for key, value in data.items()
            if key in names
            and key not in NOT_TEXT_FIELDS
            and value is not None
            and not isinstance(value, str)
        ]
        if problems:
            raise ValidationError("the registration is invalid", problems)
        return cls(**{key: data[key] for key in data})


def batch_registrations(items: Sequence[Any]) -> list[ModelRegistration]:
    """Every item of a batch body as a registration, or every item's problems at once.

    Each problem is placed under its item (``[3].title``), as the batch's own
    checks place theirs, so a 500-item batch says which items to fix.
    """
    registrations: list[ModelRegistration] = []
    problems: list[Violation] = []
    for index, item in enumerate(items):
        try:
            registrations.append(ModelRegistration.from_dict(item))
        except ValidationError as refused:
            problems += [under(f"[{index}]", v) for v in refused.violations]
    if problems:
        raise ValidationError("the batch has items that are not registrations", problems)
    return registrations


def _not_a_field(key: str, names: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(names), n=1, cutoff=0.7)
    if close:
        return f"is not a registration field; did you mean `{close[0]}`?"
    return f"is not a registration field (allowed: {', '.join(sorted(names))})"


# An id that ends in a UUID (generated ids are model-<uuid7>; legacy ones model-<uuid4>),
# or in a run of hex digits as long as a 64-bit hash at least (card and MLflow imports
# end in 32 digits of a SHA-256): its last digits are random.
_ENDS_IN_HEX = re.compile(
    r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})\Z", re.I
)
SHORT_ID_LENGTH = 8


def short_id_of(artifact_id: str) -> str:
    """The short id a person copies: the last 8 hex digits of an id that ends in a
    UUID or in a hash (16 hex digits or more).

    Those digits are random in a version-7 and a version-4 UUID and in a hash
    alike, where a version-7 id's first 19 characters are its creation time,
    shared by every id made in the same second. 32 random bits name one model
    among a million but for a few (each ambiguous short id is refused with its
    candidates, and a longer end of the id then names it); as in git, its first
    7 characters name a model too, while they are unique. Any other id (a
    chosen or legacy one) is its own short id.
    """
    if _ENDS_IN_HEX.search(artifact_id):
        return artifact_id[-SHORT_ID_LENGTH:]
    return artifact_id


@dataclass(frozen=True)
class ModelRecord:
    """One registered model version: its catalog row, its version facts, decoded JSON.

    ``short_id`` (:func:`short_id_of`) is derived from the id, never stored.
    ``lifecycle_state`` is the generic catalog's state, derived from
    ``promotion_state`` (the state a person reads; see lifecycle.moves.CATALOG_STATES).
    """

    id: str
    title: str
    description: str | None
    metadata: dict[str, Any]
    created_by: str | None
    created_at: str
    updated_at: str
    version_number: int
    parent_version_id: str | None
    version_tag: str | None
    changelog: str | None
    is_latest: bool
    lifecycle_state: str
    superseded_by: str | None
    origin_type: str | None
    origin_url: str | None
    lineage_id: str
    is_external: bool
    external_source_url: str | None
    external_source_version: str | None
    base_model_id: str | None
    code_repo_url: str | None
    code_commit_sha: str | None
    code_entrypoint: str | None
    training_started_at: str | None
    training_completed_at: str | None
    trained_by: str | None
    gpu_allocation_id: str | None
    training_params: dict[str, Any] | None
    eval_metrics: dict[str, Any] | None
    eval_dataset_artifact_id: str | None
    benchmark_id: str | None
    promotion_state: str
    promotion_notes: str | None
    registered_at: str
    model_family: str | None
    framework: str | None
    metadata_schema_version: str | None
    line_name: str | None
    # The created_by a registration's document gave when the registry knew its sender
    # (a token's name, then created_by) to be someone else: a claim, kept apart.
    claimed_by: str | None
    # Last, where orjson writes a field set after __init__ (Page.to_json).
    short_id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "short_id", short_id_of(self.id))

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict; nested JSON values are shared, not copied.

        ``dataclasses.asdict`` deep-copies every metadata document, which was
        most of the time of an API listing page.
        """
        return {name: getattr(self, name) for name in _MODEL_FIELDS}


_MODEL_FIELDS = tuple(f.name for f in dataclasses.fields(ModelRecord))


@dataclass(frozen=True)
class RegisteredModel:
    """The answer to a registration: the record, and whether it was only a dry run.

    A dry run's record is what would have been stored: its id names nothing in
    the catalog, so every surface marks it ``dry_run`` rather than letting it
    pass for a model that exists.
    """

    record: ModelRecord
    dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.record.to_dict(), "dry_run": self.dry_run}


# Longest fine-tune chain the registry follows (lineage answers, cycle checks).
MAX_LINEAGE_DEPTH = 10_000


@dataclass(frozen=True)
class LineageEntry:
    """One model in a lineage answer, with how far it is from the model asked about."""

    id: str
    title: str
    version_number: int
    is_latest: bool
    promotion_state: str | None
    base_model_id: str | None
    depth: int = 0
    short_id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "short_id", short_id_of(self.id))


@dataclass(frozen=True)
class Lineage:
    """A model's version chain and its fine-tune ancestry and descendants.

    ``truncated`` says a fine-tune chain went on past ``depth_limit`` levels and
    was cut there.
    """

    model_id: str
    lineage_id: str
    versions: list[LineageEntry] = field(default_factory=list)
    ancestors: list[LineageEntry] = field(default_factory=list)
    descendants: list[LineageEntry] = field(default_factory=list)
    depth_limit: int = 0
    truncated: bool = False
    line_name: str | None = None  # the line's name, when it has one

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def decode_json(text: str | None) -> Any:
    """Stored JSON text as Python values; a listing page decodes three blobs per model.

    orjson reads it several times faster; what orjson refuses and the standard
    library accepts (integers beyond 64 bits, NaN in text written before the
    schema) still reads the same way it always did.
    """
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
