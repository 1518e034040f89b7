"""The verbs a script may call on either registry: a database's or a server's.

:class:`RegistryVerbs` is what :func:`~atlas_registry.connect` answers with,
whichever the URL names; mypy checks that both :class:`~atlas_registry.Registry`
and :class:`~atlas_registry.RemoteRegistry` satisfy it (tests/test_client_parity.py).
:data:`LOCAL_ONLY` lists the library's verbs a server does not offer, and why.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, Self

from atlas_registry import Lineage, ModelRecord, ModelRegistration

if TYPE_CHECKING:
    from atlas_registry import (
        AliasChange,
        AliasMove,
        Evaluation,
        EvaluationInput,
        Event,
        LeaderboardEntry,
        LineAlias,
        LineEvent,
        LineSummary,
        ListingPage,
        Location,
        NamedAt,
        Page,
        PromotionEvent,
        TagChanges,
        Tags,
        TransitionResult,
    )


class RegistryVerbs(Protocol):
    """The common verbs, with the library's names, arguments and records."""

    @property
    def url(self) -> str: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *_exc: object) -> None: ...
    def about(self) -> dict[str, Any]: ...
    def register_model(
        self, registration: ModelRegistration, *, dry_run: bool = False, actor: str | None = None
    ) -> ModelRecord: ...
    def register_models(
        self, registrations: Iterable[ModelRegistration], *, actor: str | None = None
    ) -> list[str]: ...
    def get_model(self, model_ref: str) -> ModelRecord: ...
    def resolve(self, ref: str) -> str: ...
    def list_models(self, **filters: Any) -> list[ModelRecord]: ...
    def list_page(
        self, *, page_size: int = 50, page_token: str | None = None, **filters: Any
    ) -> Page: ...
    def lineage(self, model_ref: str) -> Lineage: ...
    def history(self, model_ref: str) -> list[PromotionEvent]: ...
    def line_history(self, model_ref: str) -> list[LineEvent]: ...
    def promoted_version(self, model_ref: str) -> ModelRecord | None: ...
    def lines(self, *, name: str | None = None) -> list[LineSummary]: ...
    def promote(
        self, model_ref: str, *, actor: str, notes: str | None = None, override: bool = False
    ) -> TransitionResult: ...
    def reject(self, model_ref: str, *, actor: str, notes: str | None) -> TransitionResult: ...
    def rollback(
        self,
        line_ref: str,
        *,
        to_version: int | None = None,
        actor: str,
        notes: str | None,
        override: bool = False,
    ) -> TransitionResult: ...
    def leaderboard(
        self,
        benchmark_id: str,
        metric: str,
        *,
        limit: int = 10,
        direction: str | None = None,
        dataset: str | None = None,
        split: str | None = None,
    ) -> list[LeaderboardEntry]: ...
    def add_evaluation(
        self,
        model_ref: str,
        evaluation: EvaluationInput | None = None,
        *,
        by: str,
        scopes: Collection[str] | None = None,
        **fields: Any,
    ) -> Evaluation: ...
    def evaluations(self, model_ref: str, *, limit: int = 1000) -> list[Evaluation]: ...
    def evaluation_page(
        self, model_ref: str, *, page_size: int = 50, page_token: str | None = None
    ) -> ListingPage[Evaluation]: ...
    def set_alias(
        self,
        line: str,
        alias: str,
        *,
        to_version: int,
        actor: str,
        notes: str | None = None,
        override: bool = False,
    ) -> AliasChange: ...
    def aliases(self, line: str) -> list[LineAlias]: ...
    def alias_history(self, line: str, alias: str | None = None) -> list[AliasMove]: ...
    def named_at(self, ref: str, at: str) -> NamedAt: ...
    def set_tags(self, ref: str, values: Mapping[str, str], *, actor: str) -> TagChanges: ...
    def tags_of(self, ref: str) -> Tags: ...
    def locate(self, model_ref: str) -> Location: ...
    def events_after(
        self,
        after: int = 0,
        *,
        types: Sequence[str] = (),
        line: str | None = None,
        limit: int = 100,
    ) -> list[Event]: ...
    def follow(
        self,
        after: int = 0,
        *,
        types: Sequence[str] = (),
        line: str | None = None,
        stop: threading.Event | None = None,
    ) -> Iterator[Event]: ...


# The library's public verbs a server does not offer over HTTP, and why.
LOCAL_ONLY: dict[str, str] = {
    "open": "opens a database; connect() opens either",
    "snapshot": "holds a read transaction open in the process holding the database",
    "idempotent": "the server runs each write through it; the client sends Idempotency-Key",
    "check_ready": "GET /-/ready answers it for a server's operator",
    "check_schema": "reads every stored model: an operator's command (schema check)",
    "upgrade_schema": "re-stamps stored models: an operator's command (schema upgrade)",
    "count_models": "no route; list_page pages through the models",
    "backfill": "runs the legacy backfill on the database: an operator's command",
    "count_pending_backfill": "the backfill's own count; no route",
    "write_migration_report": "writes a file on the machine holding the database",
    "import_card": "reads a model card's files from the caller's disk or the Hub: local",
    "import_mlflow": "reads an MLflow registry the server cannot reach: local",
    "export_card": "writes files on the caller's disk; model_card() returns the text",
    "write_model_card": "writes files on the caller's disk; model_card() returns the text",
    "verify_pins": "reads git mirrors configured where it runs: an operator's command",
    "verify_files": "re-reads files where it runs: an operator's command",
    "suggest_pin": "reads git mirrors configured where it runs",
    "pin_status": "derived from pin checks where the mirrors are; pin_checks() reads them",
    "pin_statuses": "derived from pin checks where the mirrors are; pin_checks() reads them",
    "create_token": "tokens are made by whoever runs the server (token create)",
    "list_tokens": "tokens are listed by whoever runs the server",
    "revoke_token": "tokens are revoked by whoever runs the server",
    "verify_token": "the server checks the token every request carries",
    "has_tokens": "the server's own question",
    "subscribe_events": "wakes threads in the process holding the database; follow() long-polls",
    "event_poll_interval": "the database's poll interval; follow() long-polls",
    "last_event_id": "no route; events_after() from a stored cursor is how a follower starts",
    "effective_tags": "a batch read for the pages; tags_of() reads one subject",
    "version_names": "a batch read for the pages; get_model() names a version",
    "metric_direction": "GET /api/v1/benchmarks and leaderboards say each metric's direction",
    "ranked_by": "a leaderboard's answer says which direction it ranked by",
    "lines_overview": "the pages' listing; lines() reads the named lines",
    "lines_page": "lines() reads every page",
    "unnamed_page": "the pages' listing of versions without a line",
    "provenance": "no route",
    "versions_evaluated_on": "no route; dataset_use() lists the versions evaluated on one",
    "events_before": "the history page's read; no route: events_after() follows the log",
    "webhook_worker": "sends deliveries from the process holding the database (webhooks run)",
    "run_webhooks": "sends deliveries from the process holding the database (webhooks run)",
}
