"""What a person should believe about a model's pin now: the state its badge shows.

A pin that was recorded is not a pin that checks out. The badge on the
models list and the model page, and ``code_pin_status`` in `show`, come from
one place: the model's pin and its newest check, read together. A check of an
earlier pin (the pin was repaired through the review queue since) says
nothing about the current one, which is then "not checked", as the gate's
``require_verified_code_pin`` treats it.
"""

from __future__ import annotations

from collections.abc import Sequence

from atlas_registry.catalog.pin_check_records import CHECK_COLUMNS, PinCheck, check_from_row
from atlas_registry.pins.pin_states import (
    PIN_STATE_LABELS as PIN_STATE_LABELS,
)
from atlas_registry.pins.pin_states import (
    PIN_STATES as PIN_STATES,
)
from atlas_registry.pins.pin_states import (
    PinStatus as PinStatus,
)
from atlas_registry.pins.pin_states import (
    current_pin as current_pin,
)
from atlas_registry.pins.pin_states import (
    is_of_current_pin as is_of_current_pin,
)
from atlas_registry.pins.pin_states import (
    pin_status as pin_status,
)
from atlas_registry.records import ModelRecord
from atlas_registry.store.sql_session import SqlSession, chunked, marks


def newest_checks(session: SqlSession, model_ids: Sequence[str]) -> dict[str, PinCheck]:
    """The newest check of each of ``model_ids`` that has one (a page's worth, in chunks)."""
    found: dict[str, PinCheck] = {}
    for chunk in chunked(sorted(set(model_ids))):
        sql = (
            f"SELECT {CHECK_COLUMNS} FROM code_pin_checks c WHERE c.artifact_id IN "
            f"({marks(len(chunk))}) AND c.id = "
            "(SELECT max(id) FROM code_pin_checks WHERE artifact_id = c.artifact_id)"
        )
        for row in session.rows(sql, chunk):
            check = check_from_row(row)
            found[check.model_id] = check
    return found


def pin_statuses(session: SqlSession, models: Sequence[ModelRecord]) -> dict[str, PinStatus]:
    """The pin state of each model, keyed by id, read in one query per chunk of models."""
    newest = newest_checks(session, [m.id for m in models])
    return {m.id: pin_status(m, newest.get(m.id)) for m in models}
