"""Reverse lineage: which models were trained, or evaluated, on a dataset.

The one definition of both questions, as the set of model ids each names; the
model listings (:mod:`.model_listing`) filter by them (``trained_on``,
``evaluated_on``) and the dataset page reads them. Both are index lookups on
either database:

- trained on D: ``model_training_datasets`` (migration 0025), one row per
  model and dataset its ``training_data`` names, written with the model's
  facts in its registration's transaction (:mod:`.facts`) and backfilled
  from the stored metadata by 0025; its primary key starts with the dataset.
- evaluated on D: ``model_versions.eval_dataset_artifact_id``, through its
  partial index (0025). Evaluations recorded after registration join here:
  :func:`evaluated_on` is the one place that adds "or has an evaluation on D".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, select

from atlas_registry.store.tables import model_training_datasets, model_versions

# The filters of ModelFilters answered here, by name.
DATASET_FILTERS = ("trained_on", "evaluated_on")

_evaluated = model_versions.alias("evaluated")


def trained_on(param: str = "trained_on") -> Select[Any]:
    """The ids of every model whose training_data names the dataset bound as ``param``."""
    return select(model_training_datasets.c.model_id).where(
        model_training_datasets.c.dataset_id == bindparam(param)
    )


def evaluated_on(param: str = "evaluated_on") -> Select[Any]:
    """The ids of every model evaluated on the dataset bound as ``param``.

    Today: its registration's evaluation_dataset. A table of later evaluations
    adds itself here, once, with ``.union(select(<its model id>).where(<its
    dataset id> == bindparam(param)))``; every listing and page follows.
    """
    return select(_evaluated.c.artifact_id).where(
        _evaluated.c.eval_dataset_artifact_id == bindparam(param)
    )


def models_using(name: str) -> Select[Any]:
    """The id set of one dataset filter (``trained_on`` or ``evaluated_on``)."""
    return trained_on() if name == "trained_on" else evaluated_on()


def training_rows(model_id: str, references: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
    """The ``model_training_datasets`` rows of a model's checked references, one per dataset."""
    datasets = {ref for path, (ref, _kind) in references.items() if path.startswith(TRAINING_PATH)}
    return [{"dataset_id": d, "model_id": model_id} for d in sorted(datasets)]


# Where prepare.references puts each training_data[] artifact id.
TRAINING_PATH = "metadata.training_data["
