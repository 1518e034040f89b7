"""One MLflow model version as an Atlas registration: what MLflow records, mapped, nothing invented.

MLflow records metrics, params, tags, the run's git commit and repository,
who ran it and when. It does not record what the registry's schema requires
about the model itself (family, parameter count, training and evaluation
data). Those come from ``atlas.FIELD`` tags on the registered model or the
version (a version's tag wins; values are JSON where they read as JSON), or
from ``--set FIELD=VALUE`` on the import: a default for every model of the
run, which fills only what neither the model's tags nor MLflow's records say.
A version still missing a required fact is held, with every gap listed.

What MLflow users rely on and the registry has no field for yet (the
version's source URI, the aliases naming it, the registered model's
description, the run's ``mlflow.source.name``) is kept under
``extensions.mlflow``. Params, which MLflow stores as text, become numbers or
booleans only where the text says so unambiguously; what the schema cannot
hold as MLflow wrote it is named, not bent (:mod:`mlflow_values`).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from atlas_registry.backfill.extract import repository_url
from atlas_registry.catalog.file_entries import FileEntry, checked_entry
from atlas_registry.catalog.line_naming import slug_of
from atlas_registry.catalog.prepare import prepare
from atlas_registry.errors import Violation
from atlas_registry.interop.mlflow_source import MlflowVersion
from atlas_registry.interop.mlflow_values import evaluation_metrics, fitted_text, hyperparameters
from atlas_registry.records import ModelRegistration
from atlas_registry.review.queue import json_or_text
from atlas_registry.schema.validation import MetadataValidator

TAG_PREFIX = "atlas."
IMPORT_ACTOR = "mlflow-import"
# MLflow flavors and the registry's framework names, where they differ.
FRAMEWORK_OF_FLAVOR = {"sklearn": "scikit-learn", "transformers": "huggingface-transformers"}


def model_id_for(source: str, model: str, version: int) -> str:
    """The Atlas id of an imported version, the same on every import of the same store.

    A second import finds its earlier work by id, so nothing is registered
    twice even if an import stopped between a registration and its report.
    """
    digest = hashlib.sha256(f"{source}\n{model}\n{version}".encode()).hexdigest()[:32]
    return f"model-mlflow-{digest}"


def _iso(millis: int | None) -> str | None:
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _framework(version: MlflowVersion) -> str | None:
    """The logged model's flavor, from the run's log-model history, if it was recorded."""
    history = version.run_tags.get("mlflow.log-model.history")
    if not history:
        return None
    try:
        logged = json.loads(history)
    except ValueError:
        return None
    for entry in logged if isinstance(logged, list) else []:
        flavors = [str(f) for f in (entry.get("flavors") or {}) if f != "python_function"]
        if flavors:
            return FRAMEWORK_OF_FLAVOR.get(flavors[0], flavors[0])
    return None


def _tagged(version: MlflowVersion) -> dict[str, Any]:
    """``atlas.FIELD`` tags of the model, then of the version (which win)."""
    facts: dict[str, Any] = {}
    for tags in (version.model_tags, version.tags):
        for key, value in tags.items():
            if key.startswith(TAG_PREFIX) and len(key) > len(TAG_PREFIX):
                facts[key[len(TAG_PREFIX) :]] = json_or_text(value, key)
    return facts


def _kept_tags(version: MlflowVersion) -> dict[str, str]:
    kept = {}
    for tags in (version.model_tags, version.tags):
        for key, value in tags.items():
            if not key.startswith(("mlflow.", TAG_PREFIX)):
                kept[key] = fitted_text(value)
    return kept


# Tags and --set keys that are registration fields, not metadata.
REGISTRATION_FIELDS = (
    "code_repo_url",
    "code_commit_sha",
    "code_entrypoint",
    "trained_by",
    "gpu_allocation_id",
    "version_tag",
)


# A relative path of file names (``train.py``, ``./src/fit.R``): no scheme, drive, ``~`` or
# ``-c``/``<stdin>`` as Python reports a script it was not given as a file.
_RELATIVE_FILE = re.compile(
    r"(?:\./)?[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*"
)


def entrypoint_of(source_name: str | None) -> str | None:
    """``mlflow.source.name`` as a code entrypoint, when it is a path inside a repository.

    MLflow records the script as it was started: ``train.py`` is a path in
    the checkout; an absolute path, a notebook path, a ``file://`` or git URL
    names a place on one machine or elsewhere, not a file at the commit. The
    text is kept as ``extensions.mlflow.source_name`` either way.
    """
    if not source_name or len(source_name) > 500 or not _RELATIVE_FILE.fullmatch(source_name):
        return None
    return None if ".." in PurePosixPath(source_name).parts else source_name


def _mlflow_facts(version: MlflowVersion) -> dict[str, Any]:
    """What MLflow says about the version that has no registry field yet, under ``mlflow``."""
    facts: dict[str, Any] = {
        "model": version.model,
        "version": version.version,
        "run_id": version.run_id,
    }
    optional = {
        "source": version.source,
        "aliases_at_import": list(version.aliases),
        "model_description": version.model_description,
        "source_name": version.run_tags.get("mlflow.source.name"),
    }
    facts.update(
        {key: fitted_text(v) if isinstance(v, str) else v for key, v in optional.items() if v}
    )
    _, left = hyperparameters(version.params)
    if left:
        facts.update(params_not_kept=left, params_logged=len(version.params))
    _, unfit = evaluation_metrics(version.metrics)
    if unfit:
        facts.update(metrics_not_kept=unfit)
    return facts


def metadata_for(version: MlflowVersion, assignments: dict[str, Any]) -> dict[str, Any]:
    """The metadata MLflow's records, the ``atlas.`` tags and the person's ``--set`` make."""
    metadata: dict[str, Any] = {}
    metrics, _ = evaluation_metrics(version.metrics)
    if metrics:
        metadata["evaluation_metrics"] = metrics
    framework = _framework(version)
    if framework:
        metadata["framework"] = framework
    if version.run_id:
        config: dict[str, Any] = {"procedure": f"MLflow run {version.run_id}"}
        if version.params:
            kept, _ = hyperparameters(version.params)
            if kept:
                config["hyperparameters"] = kept
        metadata["training_config"] = config
    metadata["extensions"] = {
        "mlflow": _mlflow_facts(version),
        **({"mlflow_tags": _kept_tags(version)} if _kept_tags(version) else {}),
    }
    for key, value in _tagged(version).items():
        if key not in REGISTRATION_FIELDS:
            metadata[key] = value
    # --set is a default for every model of the run: it fills only what the model does not say.
    for key, value in assignments.items():
        if key not in REGISTRATION_FIELDS:
            metadata.setdefault(key, value)
    return metadata


def registration_for(
    version: MlflowVersion, source: str, line: str, assignments: dict[str, Any]
) -> ModelRegistration:
    tagged = _tagged(version)
    recorded = {
        "code_repo_url": repository_url(version.run_tags.get("mlflow.source.git.repoURL")),
        "code_commit_sha": version.run_tags.get("mlflow.source.git.commit"),
        "code_entrypoint": entrypoint_of(version.run_tags.get("mlflow.source.name")),
        "trained_by": version.user,
    }

    def field(name: str) -> str | None:
        """A model's own tag, else what MLflow recorded, else the person's ``--set`` default."""
        for said in (tagged, recorded, assignments):
            if said.get(name) not in (None, ""):
                return str(said[name])
        return None

    return ModelRegistration(
        artifact_id=model_id_for(source, version.model, version.version),
        title=f"{version.model} v{version.version}"[:200],
        description=version.description,
        metadata=metadata_for(version, assignments),
        line=line,
        version_tag=field("version_tag") or f"mlflow-{version.version}",
        code_repo_url=field("code_repo_url"),
        code_commit_sha=field("code_commit_sha"),
        code_entrypoint=field("code_entrypoint"),
        training_started_at=_iso(version.started_ms),
        training_completed_at=_iso(version.ended_ms),
        trained_by=field("trained_by"),
        gpu_allocation_id=field("gpu_allocation_id"),
    )


def source_file(source: str | None) -> FileEntry | None:
    """The version's ``source`` as a file entry of unknown digest (MLflow keeps none), if it
    is a URI the registry can list: a bare absolute path becomes a ``file://`` URI.

    A source that cannot be listed stays where it always was, under
    ``extensions.mlflow.source``; `files verify` records what it finds at one that is.
    """
    if not source:
        return None
    uri = PurePosixPath(source).as_uri() if source.startswith("/") else source
    entry, _ = checked_entry({"uri": uri}, digest_required=False)
    return entry


def line_for(model: str) -> str | None:
    """The Atlas line a new MLflow model becomes: its name made a slug (:func:`slug_of`)."""
    return slug_of(model)


def problems_of(registration: ModelRegistration, validator: MetadataValidator) -> list[Violation]:
    """Everything the registry would refuse, checked exactly as a registration is."""
    _, problems = prepare(registration, validator)
    return problems
