"""How a person names a version: ``NAME@N`` in a named line, else its short id."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from atlas_registry.documents import is_storable_text
from atlas_registry.records import short_id_of
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import chunked, marks


def version_label(line_name: str | None, version_number: int, model_id: str) -> str:
    """How a person names a version: ``line@N`` in a named line, else its short id.

    The one place the rule lives, so every page, the CLI and the API name a
    version alike (a title may repeat across versions; ``line@N`` does not).
    Both forms are references every surface reads back.
    """
    return f"{line_name}@{version_number}" if line_name else short_id_of(model_id)


@dataclass(frozen=True)
class VersionName:
    """A version as a person names it: its id, title, line and number."""

    id: str
    title: str
    line_name: str | None
    version_number: int

    @property
    def label(self) -> str:
        return version_label(self.line_name, self.version_number, self.id)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "label": self.label}


_VERSION_NAMES = """
SELECT a.id, a.title, n.name, a.version_number FROM artifacts a
LEFT JOIN model_lines n ON n.root_id = COALESCE(a.lineage_id, a.id)
WHERE a.id IN ({marks})"""


def version_names(db: Database, ids: Collection[str]) -> dict[str, VersionName]:
    """id -> :class:`VersionName` for the artifacts among ``ids`` (others are left out).

    What a listing of events or review items shows instead of raw ids: one
    read per thousand ids, whatever the listing's length.
    """
    wanted = sorted({i for i in ids if is_storable_text(i)})
    names: dict[str, VersionName] = {}
    with db.session() as session:
        for chunk in chunked(wanted):
            for row in session.rows(_VERSION_NAMES.format(marks=marks(len(chunk))), chunk):
                names[row[0]] = VersionName(*row)
    return names
