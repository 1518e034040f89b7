"""What a registration refers to: the artifacts it names, checked under the write's lock.

A registration may name a parent version, a base model, a line, datasets; only
the database can tell whether they exist, which line each belongs to and which
version number comes next. These reads and checks are the registrar's
(:mod:`atlas_registry.catalog.registrar`) and the backfill adoption's
(:mod:`atlas_registry.catalog.adoption`).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from atlas_registry.catalog.lines import (
    NamedLine,
)
from atlas_registry.catalog.prepare import PreparedModel
from atlas_registry.catalog.refs import resolve_model_ref
from atlas_registry.documents import dump_json
from atlas_registry.errors import (
    AlreadyExistsError,
    AmbiguousReferenceError,
    NotFoundError,
    ValidationError,
    Violation,
    under,
)
from atlas_registry.store.sql_session import Pending, SqlSession, chunked, marks


class Known(NamedTuple):
    """An artifact a registration names, and the line it belongs to as last read."""

    artifact_type: str
    root: str
    top_version: int
    line_name: str | None


# Each named artifact with its line: the line's top version number (from the end of
# ux_artifacts_lineage_version) and its name; one round trip for what took three.
_KNOWN = """
SELECT a.id, a.artifact_type, COALESCE(a.lineage_id, a.id),
    (SELECT max(b.version_number) FROM artifacts b
     WHERE COALESCE(b.lineage_id, b.id) = COALESCE(a.lineage_id, a.id)),
    (SELECT l.name FROM model_lines l WHERE l.root_id = COALESCE(a.lineage_id, a.id))
FROM artifacts a WHERE a.id {matches}"""


@dataclass(frozen=True)
class KnownLookup:
    """The reads of the artifacts a batch names, sent at once and read when needed."""

    pending: list[Pending]

    @classmethod
    def send(cls, session: SqlSession, prepared: Sequence[PreparedModel]) -> KnownLookup:
        """Send the reads of every id the batch names or creates, a chunk at a time."""
        wanted = {p.artifact_id for p in prepared}
        wanted |= {p.line for p in prepared if p.line}  # a new line's name must not be an id
        wanted |= {p.parent_version_id for p in prepared if p.parent_version_id}
        wanted |= {ref for p in prepared for ref, _type in p.references.values()}
        if session.dialect == "postgresql":  # one array, not thousands of marks to convert
            return cls([session.later(_KNOWN.format(matches="= ANY(?)"), [sorted(wanted)])])
        return cls(
            [
                session.later(_KNOWN.format(matches=f"IN ({marks(len(c))})"), c)
                for c in chunked(sorted(wanted))
            ]
        )

    def read(self) -> dict[str, Known]:
        """id -> what is known of it, for every id sent that exists."""
        return {
            row[0]: Known(row[1], row[2], row[3], row[4])
            for pending in self.pending
            for row in pending.rows()
        }


def latest_versions(lines: Sequence[NamedLine]) -> dict[str, Known]:
    """The latest version of each named line, as known: a registration naming it follows it."""
    return {
        line.latest_id: Known(line.latest_type, line.root, line.top_version or 0, line.name)
        for line in lines
        if line.latest_id is not None and line.latest_type is not None
    }


def known_artifacts(session: SqlSession, prepared: Sequence[PreparedModel]) -> dict[str, Known]:
    """id -> what is known of it, for every id the batch names or creates that exists."""
    return KnownLookup.send(session, prepared).read()


def refuse_existing(prepared: Sequence[PreparedModel], known: Mapping[str, Known]) -> None:
    ids = [p.artifact_id for p in prepared]
    if len(set(ids)) == len(ids) and known.keys().isdisjoint(ids):
        return  # the usual case, without counting
    counts = Counter(ids)
    taken = sorted({i for i in counts if i in known} | {i for i, n in counts.items() if n > 1})
    if taken:
        raise AlreadyExistsError(
            f"artifact id{'s' if len(taken) > 1 else ''} already in use: {', '.join(taken)}; "
            "register a new version with parent_version_id instead"
        )


def reference_problems(
    prepared: Sequence[PreparedModel], known: Mapping[str, Known]
) -> dict[int, list[Violation]]:
    """Per item, every reference to an artifact that is missing or of the wrong type.

    Items may refer to earlier items of the same batch.
    """
    available: dict[str, tuple[str, str]] = {k: (v.artifact_type, v.root) for k, v in known.items()}
    problems: dict[int, list[Violation]] = {}
    for index, item in enumerate(prepared):
        checks = dict(item.references)
        if item.parent_version_id:
            checks["parent_version_id"] = (item.parent_version_id, "model")
        for path, (ref, required) in checks.items():
            found = available.get(ref)
            if found is None:
                reason = f"refers to {ref}, which is not in the catalog"
            elif found[0] != required:
                reason = f"refers to {ref}, a {found[0]} artifact, not a {required}"
            else:
                continue
            problems.setdefault(index, []).append(Violation(path, reason))
        parent_root = available.get(item.parent_version_id or "", (None, item.artifact_id))[1]
        available.setdefault(item.artifact_id, ("model", parent_root))
    return problems


def check_references(
    prepared: Sequence[PreparedModel],
    known: Mapping[str, Known],
    batch: bool,
    unresolved: Mapping[int, Violation],
) -> None:
    found = reference_problems(prepared, known)
    for index, problem in unresolved.items():  # said better than "not in the catalog"
        others = [v for v in found.get(index, []) if v.path != problem.path]
        found[index] = [problem, *others]
    if found:
        listed = [
            under(f"[{index}]", v) if batch else v
            for index, items in sorted(found.items())
            for v in items
        ]
        raise ValidationError("the registration refers to artifacts it cannot use", listed)


_BASE_MODEL = "metadata.base_model_id"


def resolve_base_models(
    session: SqlSession, prepared: Sequence[PreparedModel], known: Mapping[str, Known]
) -> tuple[list[PreparedModel], dict[int, Violation]]:
    """Each base model named by a model reference that is not an id (a line name,
    ``NAME@N``, a short id, an id prefix), as the id it names; and why the others name none.

    Resolved inside the write transaction, so the id stored is the one the
    reference names as the registration is written, in model_versions and in the
    metadata alike; the reference itself is not kept. An id, or an earlier item of
    the batch, stays as given. Per item index, a reference that names no model or
    several gets the resolver's own explanation (lines spelt alike, the candidates).
    """
    items: list[PreparedModel] = []
    problems: dict[int, Violation] = {}
    written: set[str] = set()
    for index, item in enumerate(prepared):
        ref = item.references.get(_BASE_MODEL, (None, "model"))[0]
        if ref is not None and ref not in known and ref not in written:
            try:
                item = _with_base_model(item, resolve_model_ref(session, ref))
            except (NotFoundError, AmbiguousReferenceError) as error:
                problems[index] = Violation(_BASE_MODEL, error.message)
        written.add(item.artifact_id)
        items.append(item)
    return items, problems


def _with_base_model(item: PreparedModel, model_id: str) -> PreparedModel:
    """``item`` with its base model named by ``model_id``, in every row that holds it."""
    metadata = json.loads(item.artifact_row["metadata"])
    metadata["base_model_id"] = model_id
    return dataclasses.replace(
        item,
        references={**item.references, _BASE_MODEL: (model_id, "model")},
        artifact_row={**item.artifact_row, "metadata": dump_json(metadata)},
        version_row={**item.version_row, "base_model_id": model_id},
    )
