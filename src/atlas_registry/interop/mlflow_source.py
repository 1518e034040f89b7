"""Reading an MLflow Model Registry through MLflow's own client (the ``mlflow`` extra).

Only reads: registered models (their tags, description and aliases), their
versions in order (tags, description, source URI), and each version's run
(metrics, params, tags, times, and who ran it: see :func:`who_ran`). A SQLite
tracking URI must name an existing file: MLflow's client would otherwise
create an empty store there, and an import from a typo would silently find
nothing. A database URI must hold MLflow's tables already, for the same
reason: see :func:`refuse_foreign_database`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas_registry.errors import ConfigurationError, InputError, NotFoundError

PAGE = 1000


@dataclass(frozen=True)
class MlflowVersion:
    """One registered model version and what its run recorded."""

    model: str
    version: int
    run_id: str | None
    description: str | None
    stage: str | None
    tags: dict[str, str]
    model_tags: dict[str, str]
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    run_tags: dict[str, str] = field(default_factory=dict)
    started_ms: int | None = None
    ended_ms: int | None = None
    user: str | None = None
    source: str | None = None  # where MLflow says the version's files are (runs:/, s3://, ...)
    aliases: tuple[str, ...] = ()  # every alias of the model that names this version
    model_description: str | None = None  # the registered model's own description


@dataclass(frozen=True)
class MlflowModel:
    name: str
    aliases: dict[str, int]
    versions: list[MlflowVersion]


def source_key(uri: str) -> str:
    """The tracking store as one stable text: an absolute SQLite path, or the URL sans password."""
    if uri.startswith("sqlite:///"):
        return "sqlite:///" + str(Path(uri.removeprefix("sqlite:///")).resolve())
    from sqlalchemy.engine import make_url

    try:
        return make_url(uri).render_as_string(hide_password=True)
    except Exception:  # not a database URL: keep the text, without any credentials part
        return uri.split("@")[-1]


def _client(uri: str) -> Any:
    try:
        from mlflow import MlflowClient
    except ImportError as exc:
        raise ConfigurationError(
            "reading MLflow needs the mlflow extra: pip install 'atlas-registry[mlflow]'"
        ) from exc
    if uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).is_file():
        raise NotFoundError(f"no MLflow tracking database at {uri.removeprefix('sqlite:///')}")
    refuse_foreign_database(uri)
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    try:
        return MlflowClient(tracking_uri=uri, registry_uri=uri)
    except Exception as exc:  # MLflow raises its own exceptions for a store it cannot open
        raise InputError(f"cannot open the MLflow store {source_key(uri)}: {exc}") from exc


# Tables every MLflow tracking database has; MLflow creates them in any database it opens.
MLFLOW_TABLES = frozenset({"alembic_version", "experiments", "registered_models"})
_DATABASE_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")


def refuse_foreign_database(uri: str) -> None:
    """Refuse a database URI that does not hold an MLflow tracking store, before MLflow opens it.

    MLflow's client creates its tables in any database it is pointed at, so
    an import (even ``--check``) pointed at the registry's own database or
    another project's would write fifteen tables into it. The tables are
    looked up read-only first; a server URL or a folder is MLflow's to read.
    """
    if uri.split(":", 1)[0].split("+", 1)[0] not in _DATABASE_SCHEMES:
        return
    from sqlalchemy import create_engine, inspect

    try:
        if uri.startswith("sqlite:///"):
            read_only = f"{Path(uri.removeprefix('sqlite:///')).resolve().as_uri()}?mode=ro"
            engine = create_engine(
                "sqlite://", creator=lambda: sqlite3.connect(read_only, uri=True)
            )
        else:
            engine = create_engine(uri)
        try:
            with engine.connect() as conn:
                tables = set(inspect(conn).get_table_names())
        finally:
            engine.dispose()
    except Exception as exc:  # any driver's refusal: say which store, not a traceback
        raise InputError(f"cannot open the MLflow store {source_key(uri)}: {exc}") from exc
    missing = sorted(MLFLOW_TABLES - tables)
    if missing:
        raise InputError(
            f"{source_key(uri)} is not an MLflow tracking database (it has no "
            f"{', '.join(missing)} table); nothing was read or written"
        )


def _paged(search: Any, **options: Any) -> Iterator[Any]:
    token = None
    while True:
        page = search(max_results=PAGE, page_token=token, **options)
        yield from page
        token = page.token
        if not token:
            return


def read_models(uri: str, names: list[str] | None = None) -> list[MlflowModel]:
    """Every registered model (or the named ones), each with its versions, oldest first."""
    client = _client(uri)
    try:
        found = list(_paged(client.search_registered_models))
    except Exception as exc:
        raise InputError(f"cannot read registered models from {source_key(uri)}: {exc}") from exc
    by_name = {model.name: model for model in found}
    missing = [n for n in names or [] if n not in by_name]
    if missing:
        raise NotFoundError(f"{source_key(uri)} has no registered model {', '.join(missing)}")
    chosen = [by_name[n] for n in names] if names else sorted(found, key=lambda m: m.name)
    return [_model(client, model) for model in chosen]


def _model(client: Any, model: Any) -> MlflowModel:
    escaped = model.name.replace("'", "\\'")
    versions = list(_paged(client.search_model_versions, filter_string=f"name='{escaped}'"))
    runs: dict[str, Any] = {}
    read = []
    for version in sorted(versions, key=lambda v: int(v.version)):
        run = None
        if version.run_id:
            if version.run_id not in runs:
                try:
                    runs[version.run_id] = client.get_run(version.run_id)
                except Exception:  # a deleted run: the version keeps what it says itself
                    runs[version.run_id] = None
            run = runs[version.run_id]
        read.append(_version(model, version, run))
    aliases = {str(a): int(v) for a, v in (model.aliases or {}).items()}
    return MlflowModel(model.name, aliases, read)


def _aliases_of(model: Any, number: int) -> tuple[str, ...]:
    return tuple(sorted(str(a) for a, v in (model.aliases or {}).items() if int(v) == number))


# The tag MLflow records the person who ran a run in, and the user it records when none is known.
USER_TAG = "mlflow.user"
_NO_USER = "unknown"


def who_ran(info: Any, tags: dict[str, str]) -> str | None:
    """Who ran the run, as MLflow's UI shows it: the ``mlflow.user`` tag, else the run's user id.

    MLflow moved the user into that tag (its run's ``user_id`` is deprecated
    and copied from the tag only when the run is created), so a tag set or
    corrected later is what people see, while ``user_id`` keeps the first
    value, often the service account the run was started as. ``unknown`` is
    MLflow's word for no user, not a name.
    """
    for said in (tags.get(USER_TAG), getattr(info, "user_id", None)):
        if said and said.strip() and said != _NO_USER:
            return str(said)
    return None


def _version(model: Any, version: Any, run: Any) -> MlflowVersion:
    info, data = (run.info, run.data) if run is not None else (None, None)
    return MlflowVersion(
        model=model.name,
        version=int(version.version),
        run_id=version.run_id,
        description=version.description or None,
        stage=version.current_stage or None,
        tags=dict(version.tags or {}),
        model_tags=dict(model.tags or {}),
        metrics=dict(data.metrics) if data else {},
        params=dict(data.params) if data else {},
        run_tags=dict(data.tags) if data else {},
        started_ms=info.start_time if info else None,
        ended_ms=info.end_time if info else None,
        user=who_ran(info, dict(data.tags) if data else {}),
        source=version.source or None,
        aliases=_aliases_of(model, int(version.version)),
        model_description=model.description or None,
    )
