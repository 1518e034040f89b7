"""Reverse lineage: which models were trained, or evaluated, on a dataset.

One side table answers both, ``model_dataset_uses`` (migration 0025): a row
per model, dataset and use (``trained``: its ``training_data`` names the
dataset; ``evaluated``: its ``evaluation_dataset`` does), with the model's
registration time. Its primary key (dataset, use, registration time, model)
is the model listings' newest-first order for one dataset, so a page of
``list --trained-on D`` is an ordered index range, as a page of
``--trained-by`` is: it costs the same for a dataset used by ten models or by
ten thousand. The rows are derived: the registration (and a legacy
adoption) writes them with the model's facts, in the same transaction
(:mod:`.facts`), and 0025 fills them from the stored models.

Evaluations recorded after registration join here, in one place: their writer
(:func:`atlas_registry.catalog.evaluations.add_evaluation`) adds the row
``(dataset, "evaluated", registered_at, model)`` in its own transaction (a
model evaluated twice on a dataset is one row), 0025 fills them from the
evaluations already recorded, and every listing, page and count that asks
``evaluated_on`` follows with no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, literal_column

from atlas_registry.store.tables import model_dataset_uses, model_versions

# The filters of ModelFilters answered here, and the use each one asks for.
DATASET_USES = {"trained_on": "trained", "evaluated_on": "evaluated"}
DATASET_FILTERS = tuple(DATASET_USES)

# Where prepare's references put each dataset a model names.
_TRAINING_PATH = "metadata.training_data["
_EVALUATION_PATH = "metadata.evaluation_dataset.artifact_id"


def use_row(model_id: str, dataset_id: str, use: str, registered_at: str) -> dict[str, str]:
    """One row of ``model_dataset_uses``."""
    return {
        "dataset_id": dataset_id,
        "use": use,
        "registered_at": registered_at,
        "model_id": model_id,
    }


def use_rows(
    model_id: str, registered_at: str, references: Mapping[str, tuple[str, str]]
) -> list[dict[str, str]]:
    """The rows of a model's checked dataset references: each dataset once per use."""
    uses = set()
    for path, (dataset_id, _kind) in references.items():
        if path.startswith(_TRAINING_PATH):
            uses.add((dataset_id, "trained"))
        elif path == _EVALUATION_PATH:
            uses.add((dataset_id, "evaluated"))
    return [use_row(model_id, d, use, registered_at) for d, use in sorted(uses)]


class Narrowed:
    """A listing narrowed to the models that use given datasets.

    ``order_key`` is the registration time and model id of the use the
    listing is read through (its index gives the newest first), or None when
    the listing keeps its own order (the versions of one line).
    """

    def __init__(self, query: Select[Any], order_key: tuple[Any, Any] | None) -> None:
        self.query = query
        self.order_key = order_key


def narrowed(query: Select[Any], filters: tuple[str, ...], *, ordered: bool) -> Narrowed:
    """``query`` (a model listing) joined to one use per dataset filter in ``filters``.

    Each filter's dataset is the bound parameter of its name; its use is
    written into the text, so the primary key's range is known when planned.
    With ``ordered``, the first filter's use gives the order (see
    :class:`Narrowed`).
    """
    order_key = None
    for name in (n for n in filters if n in DATASET_USES):
        uses = model_dataset_uses.alias(f"uses_{name}")
        query = query.join(uses, _joined(uses, name))
        if ordered and order_key is None:
            order_key = (uses.c.registered_at, uses.c.model_id)
    return Narrowed(query, order_key)


def _joined(uses: Any, name: str) -> ColumnElement[bool]:
    """The uses of the dataset bound as ``name`` by the model of the row.

    Joined by the model id alone: the registration time a use repeats is
    the model's, and naming it in the join made PostgreSQL take the two
    equalities for independent, expect a hundredth of the rows, and hash the
    whole catalog instead of reading the uses in order.
    """
    return and_(
        uses.c.dataset_id == bindparam(name),
        uses.c.use == literal_column(f"'{DATASET_USES[name]}'"),
        uses.c.model_id == model_versions.c.artifact_id,
    )
