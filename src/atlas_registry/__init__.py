"""Atlas Model Registry: a schema-validated model catalog on SQLite or PostgreSQL."""

from atlas_registry.artifact_catalog import (
    get_model,
    leaderboard,
    lineage,
    list_models,
    register_model,
    register_models,
)
from atlas_registry.db import Database, resolve_url
from atlas_registry.errors import (
    IllegalTransitionError,
    MetadataValidationError,
    NotFoundError,
    RegistryError,
    SchemaOutOfDateError,
    ValidationError,
    Violation,
)
from atlas_registry.lifecycle import (
    PromotionEvent,
    TransitionResult,
    history,
    promote,
    promoted_version,
    reject,
    supersede,
)
from atlas_registry.migration_runner import downgrade, migrate, status
from atlas_registry.records import Lineage, LineageEntry, ModelRecord, ModelRegistration
from atlas_registry.validation import validate_metadata

__all__ = [
    "Database",
    "IllegalTransitionError",
    "Lineage",
    "LineageEntry",
    "MetadataValidationError",
    "ModelRecord",
    "ModelRegistration",
    "NotFoundError",
    "PromotionEvent",
    "RegistryError",
    "SchemaOutOfDateError",
    "TransitionResult",
    "ValidationError",
    "Violation",
    "downgrade",
    "get_model",
    "history",
    "leaderboard",
    "lineage",
    "list_models",
    "migrate",
    "promote",
    "promoted_version",
    "register_model",
    "register_models",
    "reject",
    "resolve_url",
    "status",
    "supersede",
    "validate_metadata",
]
