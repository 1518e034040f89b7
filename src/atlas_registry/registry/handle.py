"""The registry handle: one database, its gate policy and its validator, opened once.

Every shell (the CLI today; any later one, such as an HTTP API) holds one
:class:`Registry` and calls its verbs; none of them touches the database, the
tables or SQLAlchemy.
Whether the database is at this code's migration head depends only on the
database, so it is checked once, when the handle is opened, not in every verb.
Schema work (migrate, status, down) and loading legacy rows happen on databases
that are *not* at head by definition, so they live on a second handle,
:class:`SchemaAdmin`, which does no such check.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from atlas_registry import tokens
from atlas_registry._version import __version__
from atlas_registry.catalog import leaderboards, schema_check
from atlas_registry.errors import InputError
from atlas_registry.lifecycle.policy import GatePolicy, load_policy
from atlas_registry.registry.alias_verbs import AliasVerbs
from atlas_registry.registry.annotation_verbs import AnnotationVerbs
from atlas_registry.registry.base import Handle
from atlas_registry.registry.dataset_verbs import DatasetVerbs
from atlas_registry.registry.evaluation_verbs import EvaluationVerbs
from atlas_registry.registry.event_verbs import EventVerbs
from atlas_registry.registry.file_verbs import FileVerbs
from atlas_registry.registry.webhook_verbs import WebhookVerbs
from atlas_registry.schema.validation import (
    MetadataValidator,
    default_validator,
    load_schema,
    released_versions,
)
from atlas_registry.store import idempotency, migration_runner
from atlas_registry.store.db import Database
from atlas_registry.store.idempotency import IdempotentRequest, KeptAnswer
from atlas_registry.store.migration_runner import Migration, MigrationState
from atlas_registry.store.urls import resolve_url

T = TypeVar("T")

if TYPE_CHECKING:  # the backfill is imported when used: a CLI `list` should not load it
    from atlas_registry.backfill.legacy_fixture import LoadResult
    from atlas_registry.catalog.schema_upgrade import SchemaUpgrade
    from atlas_registry.store.backup import BackupSummary


class Registry(
    AliasVerbs,
    AnnotationVerbs,
    FileVerbs,
    DatasetVerbs,
    EvaluationVerbs,
    EventVerbs,
    WebhookVerbs,
):
    """The catalog, the lifecycle, the backfill and the review queue of one database."""

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        policy: GatePolicy | str | None = None,
        validator: MetadataValidator | None = None,
    ) -> Registry:
        """Open the database at ``url`` (else ``$ATLAS_REGISTRY_DB``, else the SQLite file).

        Refuses a database that is missing or not at this code's migration head
        (:class:`~atlas_registry.errors.SchemaOutOfDateError` names the fix).
        ``policy`` is a :class:`GatePolicy` or the path of a policy TOML file;
        by default ``$ATLAS_REGISTRY_POLICY`` or the packaged policy.
        """
        gate = policy if isinstance(policy, GatePolicy) else load_policy(policy)
        database = Database(resolve_url(url))
        try:
            migration_runner.ensure_current(database)
        except BaseException:
            database.dispose()
            raise
        return cls(database, gate, validator or default_validator())

    # ------------------------------------------------------------ the registry itself

    def check_schema(
        self, proposed: Any = None, *, on_page: Callable[[int], None] | None = None
    ) -> schema_check.SchemaCheck:
        """Every stored model's metadata against ``proposed`` (a schema), or the one in force."""
        validator = self.validator if proposed is None else schema_check.validator_for(proposed)
        return schema_check.check_stored(self.database, validator, on_page)

    def upgrade_schema(
        self, to: str, *, on_page: Callable[[int], None] | None = None
    ) -> SchemaUpgrade:
        """Re-stamp stored models that satisfy released version ``to``; hold the rest for review."""
        from atlas_registry.catalog.schema_upgrade import upgrade_stored

        released = released_versions()
        if to not in released:
            raise InputError(
                f"{to!r} is not a released schema version (released: {', '.join(released)})"
            )
        return upgrade_stored(self.database, MetadataValidator(load_schema(to)), on_page)

    def count_models(self) -> int:
        return schema_check.count_models(self.database)

    def benchmarks(self) -> list[dict[str, Any]]:
        """Every benchmark with a registered model: its metrics, their directions, the gate."""
        return leaderboards.benchmarks(self.database, self.policy)

    def schema(self) -> dict[str, Any]:
        """The model metadata JSON Schema in force."""
        return dict(self.validator.schema)

    def check_ready(self) -> None:
        """Raise unless the database answers and is at this version's migration head."""
        migration_runner.ensure_current(self.database)

    def about(self) -> dict[str, Any]:
        """The version, the schema's id and the migration head this registry runs."""
        return {
            "version": __version__,
            "schema_id": self.validator.schema.get("$id"),
            "schema_version": self.validator.version,
            "migration_head": migration_runner.head(self.database.dialect),
        }

    def idempotent(
        self,
        request: IdempotentRequest,
        work: Callable[[], T],
        answer: Callable[[T], KeptAnswer],
    ) -> KeptAnswer:
        """Any write verb done once per key: ``answer(work())``, kept with the write.

        ``work`` calls verbs of this registry; their transactions join one unit
        of work, and ``answer`` (what the caller will send back) is kept under
        the request's key in that same transaction. The same request again gets
        the kept answer (``replayed``); the same key for another request is an
        :class:`~atlas_registry.errors.IdempotencyKeyReusedError`. A write that
        fails keeps nothing. See :mod:`atlas_registry.store.idempotency`.
        """
        return idempotency.run_once(self.database, request, work, answer)

    # ------------------------------------------------------------ API tokens

    def create_token(
        self, name: str, scopes: list[str], *, expires_days: int | None = None
    ) -> tokens.NewToken:
        """A new bearer token; its text is in the result and nowhere else."""
        return tokens.create_token(self.database, name, scopes, expires_days)

    def list_tokens(self) -> list[tokens.ApiToken]:
        return tokens.list_tokens(self.database)

    def revoke_token(self, name: str) -> tokens.ApiToken:
        return tokens.revoke_token(self.database, name)

    def verify_token(self, presented: str) -> tokens.ApiToken:
        return tokens.verify_token(self.database, presented)

    def has_tokens(self) -> bool:
        return tokens.any_token(self.database)


class SchemaAdmin(Handle):
    """Schema work on a database that need not be at head: migrate, status, down, legacy load."""

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = False) -> SchemaAdmin:
        """Open the database at ``url``; only ``create=True`` (``migrate``) may make a new one."""
        return cls(Database(resolve_url(url), must_exist=not create))

    @classmethod
    def open_for_restore(cls, url: str | None) -> SchemaAdmin:
        """Open the new database a restore goes into, refusing a SQLite path it must not use.

        The check comes before opening, which would make a missing folder.
        """
        from atlas_registry.store.backup_restore import refuse_restore_url

        resolved = resolve_url(url)
        refuse_restore_url(resolved)
        return cls(Database(resolved, must_exist=False))

    def migrate(self, to: int | None = None) -> list[Migration]:
        return migration_runner.migrate(self.database, to=to)

    def downgrade(self, to: int, *, discard: Collection[str] = ()) -> list[Migration]:
        """Revert to ``to``; refused if it would destroy rows of a table (or values of a
        ``table.column``) not in ``discard``."""
        return migration_runner.downgrade(self.database, to=to, discard=discard)

    def status(self) -> list[MigrationState]:
        return migration_runner.status(self.database)

    def baseline(self, *, add_columns: bool = False) -> Migration:
        """Adopt the platform's existing ``artifacts`` table as migration 0001."""
        from atlas_registry.store.baseline import baseline

        return baseline(self.database, add_columns=add_columns)

    def load_legacy(self, path: str | None = None) -> LoadResult:
        from atlas_registry.backfill.legacy_fixture import load_legacy

        return load_legacy(self.database, path)

    def backup(self, to: str | Path, *, force: bool = False) -> BackupSummary:
        """A consistent backup of the database, taken while servers write, written to ``to``."""
        from atlas_registry.store.backup import backup

        return backup(self.database, to, force=force)

    def restore(self, source: str | Path) -> BackupSummary:
        """The backup at ``source`` restored into this (empty) database, then checked."""
        from atlas_registry.store.backup_restore import restore

        return restore(source, self.database)

    @staticmethod
    def check_backup(path: str | Path) -> BackupSummary:
        """What the backup at ``path`` holds, read whole and checked, without restoring it."""
        from atlas_registry.store.backup import describe

        return describe(path)
