"""Atlas Model Registry: a schema-validated model catalog on SQLite or PostgreSQL.

The public face. Open a :class:`Registry` on a database URL and call its verbs
(register, list, promote, backfill, ...); schema work goes through
:class:`SchemaAdmin`. Every error is a :class:`RegistryError` subclass that
carries its HTTP status and CLI exit code. The CLI, and any other shell, import
only what this module and :mod:`atlas_registry.errors` export.
"""

from typing import TYPE_CHECKING, Any

from atlas_registry._version import __version__ as __version__
from atlas_registry.catalog.aliases import AliasMove, LineAlias, NamedAt
from atlas_registry.catalog.dataset_records import (
    DATASET_FACTS,
    DatasetRecord,
    DatasetRegistration,
    DatasetUse,
)
from atlas_registry.catalog.evaluation_context import (
    EvaluationContext,
    best_in_context,
    evaluation_context,
    split_by_context,
)
from atlas_registry.catalog.evaluation_input import EvaluationInput, metrics_from_pairs
from atlas_registry.catalog.evaluations import Evaluation
from atlas_registry.catalog.file_entries import ROLES as FILE_ROLES
from atlas_registry.catalog.file_entries import SCHEMES as FILE_SCHEMES
from atlas_registry.catalog.file_entries import FileEntry
from atlas_registry.catalog.leaderboards import LeaderboardEntry
from atlas_registry.catalog.line_listing import LineOverview, LinePage, LineSummary
from atlas_registry.catalog.metric_directions import DIRECTIONS as METRIC_DIRECTIONS
from atlas_registry.catalog.metric_directions import MetricDirections, RankedBy, asking_how
from atlas_registry.catalog.model_files import CHECK_STATUSES as FILE_CHECK_STATUSES
from atlas_registry.catalog.model_files import FileAddition, FileCheck, ModelFile
from atlas_registry.catalog.model_filters import MODEL_FILTER_FIELDS, FilterField, ModelFilters
from atlas_registry.catalog.model_listing import Page
from atlas_registry.catalog.pin_checks import FAILING as PIN_FAILING
from atlas_registry.catalog.pin_checks import STATUSES as PIN_STATUSES
from atlas_registry.catalog.pin_checks import PinCheck
from atlas_registry.catalog.prepare import validate_registration
from atlas_registry.catalog.tags import TagChanges, TagEvent, Tags, parse_tags
from atlas_registry.catalog.text_edits import TextEdit, TextEdits
from atlas_registry.catalog.version_names import VersionName, version_label
from atlas_registry.documents import MAX_DOCUMENT_BYTES, parse_json
from atlas_registry.errors import (
    AlreadyExistsError,
    AmbiguousReferenceError,
    AuthenticationError,
    CommitOutcomeUnknownError,
    ConfigurationError,
    ConstraintViolationError,
    DatabaseFailureError,
    DatabaseNotFoundError,
    IdempotencyKeyReusedError,
    IllegalTransitionError,
    InputError,
    LockTimeoutError,
    MetadataValidationError,
    MigrationError,
    NotFoundError,
    PageTokenError,
    PermissionDeniedError,
    PromotionGateError,
    QueryValueError,
    RegistryError,
    SchemaOutOfDateError,
    UnsupportedMediaTypeError,
    ValidationError,
    ValueRejectedError,
    Violation,
)
from atlas_registry.lifecycle.alias_moves import AliasChange
from atlas_registry.lifecycle.moves import PromotionEvent
from atlas_registry.lifecycle.policy import POLICY_ENV_VAR, GatePolicy, load_policy
from atlas_registry.lifecycle.transitions import LineEvent, TransitionResult
from atlas_registry.pins.locations import MIRRORS_ENV_VAR, REPOS_ENV_VAR, RepositoryLocations
from atlas_registry.pins.status import PIN_STATES, PinStatus
from atlas_registry.records import (
    PROMOTION_STATES,
    Lineage,
    LineageEntry,
    ModelRecord,
    ModelRegistration,
    RegisteredModel,
    batch_registrations,
    short_id_of,
)
from atlas_registry.registry import Registry, SchemaAdmin
from atlas_registry.registry.file_verbs import Location
from atlas_registry.schema.shown_text import visible_text
from atlas_registry.schema.validation import validate_metadata
from atlas_registry.store.events.feed import MAX_EVENTS, Event
from atlas_registry.store.events.types import EVENT_TYPES, EventType
from atlas_registry.store.idempotency import (
    IdempotentRequest,
    KeptAnswer,
    check_idempotency_key,
)
from atlas_registry.store.migration_runner import Migration, MigrationState
from atlas_registry.store.paging import MAX_PAGE
from atlas_registry.store.urls import DEFAULT_URL, ENV_VAR, resolve_url
from atlas_registry.store.whole_files import read_document, target_file
from atlas_registry.tokens import SCOPES as TOKEN_SCOPES
from atlas_registry.tokens import ApiToken, NewToken

if TYPE_CHECKING:
    from atlas_registry.backfill.legacy_fixture import LoadResult
    from atlas_registry.backfill.runner import BackfillResult, Outcome
    from atlas_registry.interop.card_import import CardImport
    from atlas_registry.interop.card_out import CardExport
    from atlas_registry.interop.mlflow_import import MlflowImport
    from atlas_registry.pins.changes import PinChange
    from atlas_registry.pins.git_history import CommitSummary
    from atlas_registry.pins.suggestion import PinSuggestion
    from atlas_registry.review.queue import Provenance, ReviewItem
    from atlas_registry.store.backup import BackupSummary

# The backfill's records are imported on first use: a CLI `list` or `show` does
# not load the backfill's rules (start-up time is part of every command).
_LAZY = {
    "LoadResult": "atlas_registry.backfill.legacy_fixture",
    "Provenance": "atlas_registry.review.queue",
    "ReviewItem": "atlas_registry.review.queue",
    "BackfillResult": "atlas_registry.backfill.runner",
    "Outcome": "atlas_registry.backfill.runner",
    "CommitSummary": "atlas_registry.pins.git_history",
    "PinSuggestion": "atlas_registry.pins.suggestion",
    "PinChange": "atlas_registry.pins.changes",
    "MlflowImport": "atlas_registry.interop.mlflow_import",
    "CardImport": "atlas_registry.interop.card_import",
    "CardExport": "atlas_registry.interop.card_out",
    "BackupSummary": "atlas_registry.store.backup",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'atlas_registry' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "DATASET_FACTS",
    "DEFAULT_URL",
    "ENV_VAR",
    "EVENT_TYPES",
    "FILE_CHECK_STATUSES",
    "FILE_ROLES",
    "FILE_SCHEMES",
    "MAX_DOCUMENT_BYTES",
    "MAX_EVENTS",
    "MAX_PAGE",
    "METRIC_DIRECTIONS",
    "MIRRORS_ENV_VAR",
    "MODEL_FILTER_FIELDS",
    "PIN_FAILING",
    "PIN_STATES",
    "PIN_STATUSES",
    "POLICY_ENV_VAR",
    "PROMOTION_STATES",
    "REPOS_ENV_VAR",
    "TOKEN_SCOPES",
    "AliasChange",
    "AliasMove",
    "AlreadyExistsError",
    "AmbiguousReferenceError",
    "ApiToken",
    "AuthenticationError",
    "BackfillResult",
    "BackupSummary",
    "CardExport",
    "CardImport",
    "CommitOutcomeUnknownError",
    "CommitSummary",
    "ConfigurationError",
    "ConstraintViolationError",
    "DatabaseFailureError",
    "DatabaseNotFoundError",
    "DatasetRecord",
    "DatasetRegistration",
    "DatasetUse",
    "Evaluation",
    "EvaluationContext",
    "EvaluationInput",
    "Event",
    "EventType",
    "FileAddition",
    "FileCheck",
    "FileEntry",
    "FilterField",
    "GatePolicy",
    "IdempotencyKeyReusedError",
    "IdempotentRequest",
    "IllegalTransitionError",
    "InputError",
    "KeptAnswer",
    "LeaderboardEntry",
    "LineAlias",
    "LineEvent",
    "LineOverview",
    "LinePage",
    "LineSummary",
    "Lineage",
    "LineageEntry",
    "LoadResult",
    "Location",
    "LockTimeoutError",
    "MetadataValidationError",
    "MetricDirections",
    "Migration",
    "MigrationError",
    "MigrationState",
    "MlflowImport",
    "ModelFile",
    "ModelFilters",
    "ModelRecord",
    "ModelRegistration",
    "NamedAt",
    "NewToken",
    "NotFoundError",
    "Outcome",
    "Page",
    "PageTokenError",
    "PermissionDeniedError",
    "PinChange",
    "PinCheck",
    "PinStatus",
    "PinSuggestion",
    "PromotionEvent",
    "PromotionGateError",
    "Provenance",
    "QueryValueError",
    "RankedBy",
    "RegisteredModel",
    "Registry",
    "RegistryError",
    "RepositoryLocations",
    "ReviewItem",
    "SchemaAdmin",
    "SchemaOutOfDateError",
    "TagChanges",
    "TagEvent",
    "Tags",
    "TextEdit",
    "TextEdits",
    "TransitionResult",
    "UnsupportedMediaTypeError",
    "ValidationError",
    "ValueRejectedError",
    "VersionName",
    "Violation",
    "asking_how",
    "batch_registrations",
    "best_in_context",
    "check_idempotency_key",
    "evaluation_context",
    "load_policy",
    "metrics_from_pairs",
    "parse_json",
    "parse_tags",
    "read_document",
    "resolve_url",
    "short_id_of",
    "split_by_context",
    "target_file",
    "validate_metadata",
    "validate_registration",
    "version_label",
    "visible_text",
]
