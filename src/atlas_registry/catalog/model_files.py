"""A version's file list (``model_files``) and every check of it (``model_file_checks``).

Both tables are append-only in the database. A listed file is never rewritten:
an entry listed with a wrong digest is corrected by a new entry that replaces
it (``replaces_id``), and the replaced entry leaves the list (it stays in the
record, with its checks). The list a deployment loads, `show` prints and the
gate checks is therefore the entries nobody replaced, each with its newest check.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from atlas_registry.catalog.file_entries import FileEntry, normal_uri, notes_problems
from atlas_registry.catalog.file_records import FileCheck as FileCheck
from atlas_registry.catalog.file_records import ModelFile as ModelFile
from atlas_registry.catalog.file_records import file_from_row
from atlas_registry.catalog.queries import fetch_model
from atlas_registry.errors import NotFoundError, ValidationError, Violation
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.events.record import NewEvent, record_event, record_events, short
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession, chunked, marks
from atlas_registry.store.tables import model_file_checks, model_files

# Check outcomes; only "passed" proves the bytes are the ones listed.
CHECK_STATUSES = ("passed", "mismatch", "unreachable", "unpinned")
ORIGINS = ("registration", "added", "mlflow")


def file_rows(
    model_id: str, entries: Sequence[FileEntry], *, origin: str, actor: str, now: str
) -> list[dict[str, Any]]:
    """The ``model_files`` rows that list ``entries`` for ``model_id`` (no replacements)."""
    return [
        {
            "artifact_id": model_id,
            "uri": entry.uri,
            "size_bytes": entry.size_bytes,
            "sha256": entry.sha256,
            "role": entry.role,
            "replaces_id": None,
            "origin": origin,
            "added_at": now,
            "added_by": actor,
            "notes": None,
        }
        for entry in entries
    ]


_FILE_COLUMNS = (
    "f.id, f.artifact_id, f.uri, f.sha256, f.size_bytes, f.role, f.origin, f.added_at, "
    "f.added_by, f.notes, f.replaces_id, c.id, c.checked_at, c.status, c.size_found, "
    "c.sha256_found, c.detail, c.checked_by"
)
_NEWEST_CHECK = (
    f"LEFT JOIN {model_file_checks.name} c ON c.id = "
    f"(SELECT max(id) FROM {model_file_checks.name} WHERE file_id = f.id)"
)
_LISTED = f"NOT EXISTS (SELECT 1 FROM {model_files.name} r WHERE r.replaces_id = f.id)"


def listed_files(
    session: SqlSession, model_ids: Sequence[str], *, replaced: bool = False
) -> list[ModelFile]:
    """The files the models list now (with ``replaced``, every entry ever), oldest first."""
    found: list[ModelFile] = []
    for chunk in chunked(list(dict.fromkeys(model_ids))):
        listed = "" if replaced else f"AND {_LISTED}"
        sql = (
            f"SELECT {_FILE_COLUMNS} FROM {model_files.name} f {_NEWEST_CHECK} "
            f"WHERE f.artifact_id IN ({marks(len(chunk))}) {listed} ORDER BY f.id"
        )
        found += [file_from_row(row) for row in session.rows(sql, chunk)]
    return found


def files_of(db: Database, model_id: str, *, replaced: bool = False) -> list[ModelFile]:
    """A model's listed files (checked to be a model: an unknown id is NotFoundError)."""
    with db.session() as session:
        fetch_model(session, model_id)
        return listed_files(session, [model_id], replaced=replaced)


def promoted_files(db: Database, page: int = 500) -> Iterator[list[ModelFile]]:
    """The listed files of every promoted version, a page at a time (by file id)."""
    after = 0
    while True:
        sql = (
            f"SELECT {_FILE_COLUMNS} FROM {model_files.name} f "
            "JOIN model_versions mv ON mv.artifact_id = f.artifact_id "
            f"{_NEWEST_CHECK} WHERE mv.promotion_state = 'promoted' AND f.id > ? "
            f"AND {_LISTED} ORDER BY f.id LIMIT {int(page)}"
        )
        with db.session() as session:
            found = [file_from_row(row) for row in session.rows(sql, (after,))]
        if not found:
            return
        yield found
        after = found[-1].id


def checks_of_model(db: Database, model_id: str, limit: int = 100) -> list[FileCheck]:
    """The newest `limit` checks of the model's files (replaced entries' too), newest first."""
    sql = (
        "SELECT id, file_id, artifact_id, checked_at, status, size_found, sha256_found, "
        f"detail, checked_by FROM {model_file_checks.name} WHERE artifact_id = ? "
        f"ORDER BY id DESC LIMIT {int(limit)}"
    )
    with db.session() as session:
        fetch_model(session, model_id)
        return [FileCheck(*row) for row in session.rows(sql, (model_id,))]


@dataclass(frozen=True)
class FileAddition:
    """What `files add` did: the entry now listed, and whether this call wrote it."""

    file: ModelFile
    written: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.file.to_dict(), "written": self.written}


def add_file(
    db: Database,
    model_id: str,
    entry: FileEntry,
    *,
    actor: str,
    notes: str | None = None,
    replaces: int | None = None,
) -> FileAddition:
    """List ``entry`` for the model, in one transaction; nothing is ever rewritten.

    An entry with the URI of one the model lists replaces it (the listing was
    wrong: a new digest, size or role); an identical one is already listed and
    nothing is written (a retried `files add` is harmless). ``replaces`` names
    the entry to correct when the URI itself was wrong. Two writers replacing
    the same entry at once: the database's unique ``replaces_id`` lets one win.
    """
    problems = notes_problems(notes)
    if problems:
        raise ValidationError("the file entry is invalid", problems)
    with db.session(write=True) as session:
        # Two writers listing a new URI at once would both find it unlisted (PostgreSQL;
        # SQLite's writers are serialised from BEGIN): one waits for the other.
        db.lock(session, f"model-files:{model_id}")
        fetch_model(session, model_id)
        listed = listed_files(session, [model_id])
        # Compared in their one spelling: a URI listed before spellings were normalised
        # is the same location, and the new entry replaces it.
        same_uri = next((f for f in listed if normal_uri(f.uri) == entry.uri), None)
        if replaces is None and same_uri is not None:
            if same_uri.entry == entry:
                return FileAddition(same_uri, written=False)
            replaces = same_uri.id
        elif replaces is not None:
            _check_replaced(session, model_id, replaces, listed)
            if same_uri is not None and same_uri.id != replaces:
                raise ValidationError(
                    "the file entry is invalid",
                    [Violation("uri", f"is already listed as file {same_uri.id}")],
                )
        row = file_rows(model_id, [entry], origin="added", actor=actor, now=utc_timestamp())[0]
        row.update(replaces_id=replaces, notes=notes)
        columns = ", ".join(row)
        inserted = session.rows(
            f"INSERT INTO {model_files.name} ({columns}) VALUES ({marks(len(row))}) RETURNING id",
            list(row.values()),
        )
        listing = {"file_id": inserted[0][0], "uri": short(entry.uri), "replaces": replaces}
        record_event(
            session, EventType.FILE_LISTED, actor=actor, model_id=model_id, payload=listing
        )
        values = [row[k] for k in ("artifact_id", "uri", "sha256", "size_bytes", "role")]
        values += [row[k] for k in ("origin", "added_at", "added_by", "notes", "replaces_id")]
        return FileAddition(file_from_row([inserted[0][0], *values, *([None] * 7)]), written=True)


def _check_replaced(
    session: SqlSession, model_id: str, replaces: int, listed: Sequence[ModelFile]
) -> None:
    if any(f.id == replaces for f in listed):
        return
    row = session.first(
        f"SELECT artifact_id, (SELECT min(id) FROM {model_files.name} WHERE replaces_id = ?) "
        f"FROM {model_files.name} WHERE id = ?",
        (replaces, replaces),
    )
    if row is None or row[0] != model_id:
        raise NotFoundError(f"model {model_id!r} lists no file {replaces}")
    raise ValidationError(
        "the file entry is invalid",
        [Violation("replaces", f"file {replaces} was already replaced by file {row[1]}")],
    )


def record_checks(db: Database, checks: Sequence[dict[str, Any]]) -> list[FileCheck]:
    """Append checks (rows of ``model_file_checks`` without id), in one transaction.

    Every INSERT is sent before any id is read: on PostgreSQL one round trip
    for them all, however many files a version lists.
    """
    columns = (
        "file_id, artifact_id, checked_at, status, size_found, sha256_found, detail, checked_by"
    )
    insert = f"INSERT INTO {model_file_checks.name} ({columns}) VALUES ({marks(8)}) RETURNING id"
    with db.session(write=True) as session:
        rows = [[check[name.strip()] for name in columns.split(",")] for check in checks]
        sent = [session.later(insert, values) for values in rows]
        recorded = [
            FileCheck(int(ids.rows()[0][0]), *values)
            for ids, values in zip(sent, rows, strict=True)
        ]
        record_events(
            session,
            [
                NewEvent(
                    EventType.FILE_CHECKED,
                    check.checked_by,
                    check.model_id,
                    {"file_id": check.file_id, "status": check.status},
                )
                for check in recorded
            ],
        )
    return recorded


def list_imported(
    db: Database, model_id: str, entries: Sequence[FileEntry], *, origin: str, actor: str
) -> None:
    """List files an importer found for a version it just registered (digests may be unknown).

    Run inside the importer's unit of work, so the version and its files are
    written together or not at all.
    """
    rows = file_rows(model_id, entries, origin=origin, actor=actor, now=utc_timestamp())
    with db.session(write=True) as session:
        session.insert(model_files.name, rows)
