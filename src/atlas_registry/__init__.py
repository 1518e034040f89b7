"""Atlas Model Registry: a schema-validated model catalog on SQLite or PostgreSQL."""

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
from atlas_registry.migration_runner import downgrade, migrate, status

__all__ = [
    "Database",
    "IllegalTransitionError",
    "MetadataValidationError",
    "NotFoundError",
    "RegistryError",
    "SchemaOutOfDateError",
    "ValidationError",
    "Violation",
    "downgrade",
    "migrate",
    "resolve_url",
    "status",
]
