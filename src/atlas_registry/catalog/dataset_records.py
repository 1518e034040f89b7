"""The frozen objects of datasets: a registration going in, a record coming out.

A dataset is an ``artifacts`` row with ``artifact_type = 'dataset'``. One
registered through the registry holds its facts (uri, revision and/or sha256
digest, licence) in its metadata, checked by the dataset schema; one written
before the registry (a legacy row) may hold anything, even text that is not
JSON. A record shows both as they are: the facts it can read, the metadata
whole, and whether that metadata follows the schema.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from atlas_registry.errors import ValidationError, Violation
from atlas_registry.records import ModelRecord

# The facts of a dataset kept in its metadata, in the order people read them.
DATASET_FACTS = ("uri", "revision", "sha256", "license")


@dataclass(frozen=True)
class DatasetRegistration:
    """Everything needed to register one dataset artifact.

    ``artifact_id`` is generated (``dataset-<uuid7>``, like a model's) unless
    given. At least one of ``revision`` and ``sha256`` says which data exactly:
    a model trained on "ADNI" without either cannot be reproduced.
    """

    title: str
    uri: str
    license: str
    revision: str | None = None
    sha256: str | None = None
    description: str | None = None
    artifact_id: str | None = None
    created_by: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> DatasetRegistration:
        """From a decoded JSON document, refusing unknown keys and values that are not text."""
        if not isinstance(data, Mapping):
            raise ValidationError(
                "a dataset registration must be a JSON object",
                [Violation("$", "must be an object")],
            )
        names = [f.name for f in dataclasses.fields(cls)]
        problems = [Violation(str(k), _not_a_field(str(k), names)) for k in data if k not in names]
        problems += [
            Violation(k, "is required") for k in ("title", "uri", "license") if k not in data
        ]
        problems += [
            Violation(k, "must be text")
            for k, v in data.items()
            if k in names and v is not None and not isinstance(v, str)
        ]
        if problems:
            raise ValidationError("the dataset registration is invalid", problems)
        return cls(**{key: data[key] for key in data})

    def metadata(self) -> dict[str, Any]:
        """The facts as the metadata document the schema checks and the row stores."""
        return {k: v for k in DATASET_FACTS if (v := getattr(self, k)) is not None}


def _not_a_field(key: str, names: list[str]) -> str:
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.7)
    if close:
        return f"is not a dataset field; did you mean `{close[0]}`?"
    return f"is not a dataset field (allowed: {', '.join(sorted(names))})"


@dataclass(frozen=True)
class DatasetRecord:
    """One dataset artifact as stored.

    ``metadata`` is the stored document decoded (an object for a registered
    dataset; for a legacy row whatever it holds, or its text when it is not
    JSON). The facts are read from it when they are text, else None;
    ``follows_schema`` says whether the metadata satisfies the dataset schema
    (False for most legacy rows: show what is there, trust it less).
    """

    id: str
    title: str
    description: str | None
    uri: str | None
    revision: str | None
    sha256: str | None
    license: str | None
    metadata: Any
    follows_schema: bool
    lifecycle_state: str
    created_by: str | None
    created_at: str
    # Registered over HTTP: the created_by the body gave, when not the token's name.
    claimed_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class DatasetUse:
    """The models that name one dataset: trained on it, evaluated on it.

    Each list holds the promoted versions first (the ones a withdrawn dataset
    affects in production), then the others, newest registration first;
    ``*_more`` says a list was cut at its limit.
    """

    dataset: DatasetRecord
    trained: list[ModelRecord]
    evaluated: list[ModelRecord]
    trained_more: bool = False
    evaluated_more: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset.to_dict(),
            "trained": [m.to_dict() for m in self.trained],
            "evaluated": [m.to_dict() for m in self.evaluated],
            "trained_more": self.trained_more,
            "evaluated_more": self.evaluated_more,
        }
