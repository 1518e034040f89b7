"""Atlas Model Registry: a schema-validated model catalog on SQLite or PostgreSQL.

The public face. Open a :class:`Registry` on a database URL and call its verbs
(register, list, promote, backfill, ...); schema work goes through
:class:`SchemaAdmin`. :func:`connect` opens either a database (a
:class:`Registry`) or a server over HTTP (a :class:`RemoteRegistry`, with the
same verbs and records), by the URL's scheme. Every error is a :class:`RegistryError` subclass that
carries its HTTP status and CLI exit code. The CLI, and any other shell, import
only what this module and :mod:`atlas_registry.errors` export.
"""

from typing import TYPE_CHECKING, Any

from atlas_registry._version import __version__ as __version__
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

if TYPE_CHECKING:
    from atlas_registry.backfill.legacy_fixture import LoadResult
    from atlas_registry.backfill.runner import BackfillResult, Outcome
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
    from atlas_registry.client import RegistryVerbs, RemoteRegistry, connect, registration_from_git
    from atlas_registry.documents import MAX_DOCUMENT_BYTES, parse_json
    from atlas_registry.fastread.show_reads import shown_model as read_shown_model
    from atlas_registry.fastread.sqlite_reads import first_page as read_first_page
    from atlas_registry.interop.card_import import CardImport
    from atlas_registry.interop.card_out import CardExport
    from atlas_registry.interop.mlflow_import import MlflowImport
    from atlas_registry.lifecycle.alias_moves import AliasChange
    from atlas_registry.lifecycle.moves import PromotionEvent
    from atlas_registry.lifecycle.policy import POLICY_ENV_VAR, GatePolicy, load_policy
    from atlas_registry.lifecycle.transitions import LineEvent, TransitionResult
    from atlas_registry.pins.changes import PinChange
    from atlas_registry.pins.git_history import CommitSummary
    from atlas_registry.pins.locations import MIRRORS_ENV_VAR, REPOS_ENV_VAR, RepositoryLocations
    from atlas_registry.pins.status import PIN_STATES, PinStatus
    from atlas_registry.pins.suggestion import PinSuggestion
    from atlas_registry.registry import Registry, SchemaAdmin
    from atlas_registry.registry.file_verbs import Location
    from atlas_registry.review.queue import Provenance, ReviewItem
    from atlas_registry.schema.shown_text import visible_text
    from atlas_registry.schema.validation import validate_metadata
    from atlas_registry.store.backup import BackupSummary
    from atlas_registry.store.events.feed import MAX_EVENTS, Event
    from atlas_registry.store.events.types import EVENT_TYPES, EventType
    from atlas_registry.store.idempotency import (
        IdempotentRequest,
        KeptAnswer,
        check_idempotency_key,
    )
    from atlas_registry.store.migration_runner import Migration, MigrationState
    from atlas_registry.store.paging import MAX_PAGE, ListingPage
    from atlas_registry.store.urls import DEFAULT_URL, ENV_VAR, resolve_url
    from atlas_registry.store.whole_files import read_document, target_file
    from atlas_registry.tokens import SCOPES as TOKEN_SCOPES
    from atlas_registry.tokens import ApiToken, NewToken
    from atlas_registry.webhooks.records import Attempt as WebhookAttempt
    from atlas_registry.webhooks.records import Delivery as WebhookDelivery
    from atlas_registry.webhooks.records import NewWebhook, Webhook

# Everything but the errors and the plain records is imported on first use, so
# `import atlas_registry` stays light: a CLI `list` does not load the backfill's
# rules, and a script that only talks to a server over HTTP
# (`atlas_registry.connect("https://...")`) loads neither SQLAlchemy nor FastAPI.
# Each public name: (module, name in it).
_LAZY: dict[str, tuple[str, str]] = {
    # The CLI's `list` on SQLite without SQLAlchemy (None: ask a Registry).
    "read_first_page": ("atlas_registry.fastread.sqlite_reads", "first_page"),
    # The CLI's `show` of a model by its id on SQLite, the same way.
    "read_shown_model": ("atlas_registry.fastread.show_reads", "shown_model"),
    "LoadResult": ("atlas_registry.backfill.legacy_fixture", "LoadResult"),
    "BackfillResult": ("atlas_registry.backfill.runner", "BackfillResult"),
    "Outcome": ("atlas_registry.backfill.runner", "Outcome"),
    "AliasMove": ("atlas_registry.catalog.aliases", "AliasMove"),
    "LineAlias": ("atlas_registry.catalog.aliases", "LineAlias"),
    "NamedAt": ("atlas_registry.catalog.aliases", "NamedAt"),
    "DATASET_FACTS": ("atlas_registry.catalog.dataset_records", "DATASET_FACTS"),
    "DatasetRecord": ("atlas_registry.catalog.dataset_records", "DatasetRecord"),
    "DatasetRegistration": ("atlas_registry.catalog.dataset_records", "DatasetRegistration"),
    "DatasetUse": ("atlas_registry.catalog.dataset_records", "DatasetUse"),
    "EvaluationContext": ("atlas_registry.catalog.evaluation_context", "EvaluationContext"),
    "best_in_context": ("atlas_registry.catalog.evaluation_context", "best_in_context"),
    "evaluation_context": ("atlas_registry.catalog.evaluation_context", "evaluation_context"),
    "split_by_context": ("atlas_registry.catalog.evaluation_context", "split_by_context"),
    "EvaluationInput": ("atlas_registry.catalog.evaluation_input", "EvaluationInput"),
    "metrics_from_pairs": ("atlas_registry.catalog.evaluation_input", "metrics_from_pairs"),
    "Evaluation": ("atlas_registry.catalog.evaluations", "Evaluation"),
    "FILE_ROLES": ("atlas_registry.catalog.file_entries", "ROLES"),
    "FILE_SCHEMES": ("atlas_registry.catalog.file_entries", "SCHEMES"),
    "FileEntry": ("atlas_registry.catalog.file_entries", "FileEntry"),
    "LeaderboardEntry": ("atlas_registry.catalog.leaderboards", "LeaderboardEntry"),
    "LineOverview": ("atlas_registry.catalog.line_listing", "LineOverview"),
    "LinePage": ("atlas_registry.catalog.line_listing", "LinePage"),
    "LineSummary": ("atlas_registry.catalog.line_listing", "LineSummary"),
    "METRIC_DIRECTIONS": ("atlas_registry.catalog.metric_directions", "DIRECTIONS"),
    "MetricDirections": ("atlas_registry.catalog.metric_directions", "MetricDirections"),
    "RankedBy": ("atlas_registry.catalog.metric_directions", "RankedBy"),
    "asking_how": ("atlas_registry.catalog.metric_directions", "asking_how"),
    "FILE_CHECK_STATUSES": ("atlas_registry.catalog.model_files", "CHECK_STATUSES"),
    "FileAddition": ("atlas_registry.catalog.model_files", "FileAddition"),
    "FileCheck": ("atlas_registry.catalog.model_files", "FileCheck"),
    "ModelFile": ("atlas_registry.catalog.model_files", "ModelFile"),
    "FilterField": ("atlas_registry.catalog.model_filters", "FilterField"),
    "MODEL_FILTER_FIELDS": ("atlas_registry.catalog.model_filters", "MODEL_FILTER_FIELDS"),
    "ModelFilters": ("atlas_registry.catalog.model_filters", "ModelFilters"),
    "Page": ("atlas_registry.catalog.model_listing", "Page"),
    "PIN_FAILING": ("atlas_registry.catalog.pin_checks", "FAILING"),
    "PIN_STATUSES": ("atlas_registry.catalog.pin_checks", "STATUSES"),
    "PinCheck": ("atlas_registry.catalog.pin_checks", "PinCheck"),
    "validate_registration": ("atlas_registry.catalog.prepare", "validate_registration"),
    "TagChanges": ("atlas_registry.catalog.tags", "TagChanges"),
    "TagEvent": ("atlas_registry.catalog.tags", "TagEvent"),
    "Tags": ("atlas_registry.catalog.tags", "Tags"),
    "parse_tags": ("atlas_registry.catalog.tags", "parse_tags"),
    "TextEdit": ("atlas_registry.catalog.text_edits", "TextEdit"),
    "TextEdits": ("atlas_registry.catalog.text_edits", "TextEdits"),
    "VersionName": ("atlas_registry.catalog.version_names", "VersionName"),
    "version_label": ("atlas_registry.catalog.version_names", "version_label"),
    "RegistryVerbs": ("atlas_registry.client", "RegistryVerbs"),
    "RemoteRegistry": ("atlas_registry.client", "RemoteRegistry"),
    "connect": ("atlas_registry.client", "connect"),
    "registration_from_git": ("atlas_registry.client", "registration_from_git"),
    "MAX_DOCUMENT_BYTES": ("atlas_registry.documents", "MAX_DOCUMENT_BYTES"),
    "parse_json": ("atlas_registry.documents", "parse_json"),
    "CardImport": ("atlas_registry.interop.card_import", "CardImport"),
    "CardExport": ("atlas_registry.interop.card_out", "CardExport"),
    "MlflowImport": ("atlas_registry.interop.mlflow_import", "MlflowImport"),
    "AliasChange": ("atlas_registry.lifecycle.alias_moves", "AliasChange"),
    "PromotionEvent": ("atlas_registry.lifecycle.moves", "PromotionEvent"),
    "GatePolicy": ("atlas_registry.lifecycle.policy", "GatePolicy"),
    "POLICY_ENV_VAR": ("atlas_registry.lifecycle.policy", "POLICY_ENV_VAR"),
    "load_policy": ("atlas_registry.lifecycle.policy", "load_policy"),
    "LineEvent": ("atlas_registry.lifecycle.transitions", "LineEvent"),
    "TransitionResult": ("atlas_registry.lifecycle.transitions", "TransitionResult"),
    "PinChange": ("atlas_registry.pins.changes", "PinChange"),
    "CommitSummary": ("atlas_registry.pins.git_history", "CommitSummary"),
    "MIRRORS_ENV_VAR": ("atlas_registry.pins.locations", "MIRRORS_ENV_VAR"),
    "REPOS_ENV_VAR": ("atlas_registry.pins.locations", "REPOS_ENV_VAR"),
    "RepositoryLocations": ("atlas_registry.pins.locations", "RepositoryLocations"),
    "PIN_STATES": ("atlas_registry.pins.status", "PIN_STATES"),
    "PinStatus": ("atlas_registry.pins.status", "PinStatus"),
    "PinSuggestion": ("atlas_registry.pins.suggestion", "PinSuggestion"),
    "Registry": ("atlas_registry.registry", "Registry"),
    "SchemaAdmin": ("atlas_registry.registry", "SchemaAdmin"),
    "Location": ("atlas_registry.registry.file_verbs", "Location"),
    "Provenance": ("atlas_registry.review.queue", "Provenance"),
    "ReviewItem": ("atlas_registry.review.queue", "ReviewItem"),
    "visible_text": ("atlas_registry.schema.shown_text", "visible_text"),
    "validate_metadata": ("atlas_registry.schema.validation", "validate_metadata"),
    "BackupSummary": ("atlas_registry.store.backup", "BackupSummary"),
    "Event": ("atlas_registry.store.events.feed", "Event"),
    "MAX_EVENTS": ("atlas_registry.store.events.feed", "MAX_EVENTS"),
    "EVENT_TYPES": ("atlas_registry.store.events.types", "EVENT_TYPES"),
    "EventType": ("atlas_registry.store.events.types", "EventType"),
    "IdempotentRequest": ("atlas_registry.store.idempotency", "IdempotentRequest"),
    "KeptAnswer": ("atlas_registry.store.idempotency", "KeptAnswer"),
    "check_idempotency_key": ("atlas_registry.store.idempotency", "check_idempotency_key"),
    "Migration": ("atlas_registry.store.migration_runner", "Migration"),
    "MigrationState": ("atlas_registry.store.migration_runner", "MigrationState"),
    "ListingPage": ("atlas_registry.store.paging", "ListingPage"),
    "MAX_PAGE": ("atlas_registry.store.paging", "MAX_PAGE"),
    "DEFAULT_URL": ("atlas_registry.store.urls", "DEFAULT_URL"),
    "ENV_VAR": ("atlas_registry.store.urls", "ENV_VAR"),
    "resolve_url": ("atlas_registry.store.urls", "resolve_url"),
    "read_document": ("atlas_registry.store.whole_files", "read_document"),
    "target_file": ("atlas_registry.store.whole_files", "target_file"),
    "ApiToken": ("atlas_registry.tokens", "ApiToken"),
    "NewToken": ("atlas_registry.tokens", "NewToken"),
    "TOKEN_SCOPES": ("atlas_registry.tokens", "SCOPES"),
    "NewWebhook": ("atlas_registry.webhooks.records", "NewWebhook"),
    "Webhook": ("atlas_registry.webhooks.records", "Webhook"),
    "WebhookAttempt": ("atlas_registry.webhooks.records", "Attempt"),
    "WebhookDelivery": ("atlas_registry.webhooks.records", "Delivery"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'atlas_registry' has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
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
    "ListingPage",
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
    "NewWebhook",
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
    "RegistryVerbs",
    "RemoteRegistry",
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
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "asking_how",
    "batch_registrations",
    "best_in_context",
    "check_idempotency_key",
    "connect",
    "evaluation_context",
    "load_policy",
    "metrics_from_pairs",
    "parse_json",
    "parse_tags",
    "read_document",
    "read_first_page",
    "read_shown_model",
    "registration_from_git",
    "resolve_url",
    "short_id_of",
    "split_by_context",
    "target_file",
    "validate_metadata",
    "validate_registration",
    "version_label",
    "visible_text",
]
