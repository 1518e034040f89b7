"""Tags: key/value labels on a version or a line, set and removed after registration.

A tag says something of a model that its registration did not (``team=vision``,
``reviewed``); it is never provenance. Every change is one row of the
append-only ``model_tag_events`` (who, when, the old and the new value), written
in the same transaction as the current value in ``model_tags``, which exists so
that ``list --tag k=v`` is an index lookup (migration 0023).

A tag is on a version (its subject is the version's id) or on a line (its
subject is the line's root artifact). A version's *effective* tags are its
line's, with the version's own value winning for a key both carry; listing
by tag, the card and the page all use the effective tags, so a line's tag
reaches every version of it, the ones registered later included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from atlas_registry.catalog.queries import fetch_model
from atlas_registry.catalog.refs import resolve_model_ref
from atlas_registry.catalog.tag_records import effective_from
from atlas_registry.catalog.version_names import version_label
from atlas_registry.documents import is_storable_text
from atlas_registry.errors import ValidationError, Violation, capped
from atlas_registry.schema.recorded_text import required_text
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.events.record import record_event
from atlas_registry.store.events.types import EventType
from atlas_registry.store.sql_session import SqlSession

# A key is a word people type and scripts match: ASCII letters, digits and
# ``. _ : / -``, starting with a letter or digit, at most 64 characters. No
# ``=`` (it separates a key from its value on the command line) and no space.
TAG_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}")
MAX_TAG_VALUE = 500
# The most tags one call may set or remove, and a version's filter may ask for.
MAX_TAGS = 50

SCOPES = ("version", "line")


@dataclass(frozen=True)
class TagSubject:
    """What a tag is on: a version (its id) or a line (its root artifact), and its name."""

    scope: str  # "version" or "line"
    subject_id: str
    label: str  # "line@3", an id, or the line's name
    line_root: str  # the root artifact of the line the subject is (in)


@dataclass(frozen=True)
class TagEvent:
    """One change of one tag: set (``old_value`` None when it was not set), or removed."""

    id: int
    scope: str
    subject_id: str
    key: str
    old_value: str | None
    new_value: str | None  # None: removed
    actor: str
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Tags:
    """The tags of a subject: its own, and for a version its line's."""

    scope: str
    subject_id: str
    label: str
    own: dict[str, str]
    line: dict[str, str] = field(default_factory=dict)  # a version's line's tags

    @property
    def effective(self) -> dict[str, str]:
        """What the version is listed by: its line's tags, its own winning per key."""
        return dict(sorted({**self.line, **self.own}.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "subject_id": self.subject_id,
            "label": self.label,
            "tags": self.own,
            "line_tags": self.line,
            "effective_tags": self.effective,
        }


@dataclass(frozen=True)
class TagChanges:
    """What one call changed: its events, the keys it left as they were, the tags after."""

    events: list[TagEvent]
    unchanged: list[str]  # set to the value they had, or removed while not set
    tags: Tags

    def to_dict(self) -> dict[str, Any]:
        return {
            "changed": [e.to_dict() for e in self.events],
            "unchanged": self.unchanged,
            **self.tags.to_dict(),
        }


# ------------------------------------------------------------------ checking input


# How much of a refused key or value an error echoes: a key is at most 64 characters.
_ECHO = 64


def _shown(value: object) -> str:
    """A refused key or value as an error quotes it: cut with :func:`capped`, in quotes."""
    return repr(capped(value, _ECHO)) if isinstance(value, str) else capped(repr(value), _ECHO)


def _at(what: str, key: object) -> str:
    """The path of one tag in an error: ``set.team``, however bad the key (cut, quoted
    when it is empty or not text), so each refused tag is told apart."""
    if isinstance(key, str) and key:
        return f"{what}.{capped(key, _ECHO)}"
    return f"{what}.{_shown(key)}"


def key_problem(key: object) -> str | None:
    """Why ``key`` is no tag key, or None when it is one."""
    if isinstance(key, str) and TAG_KEY.fullmatch(key):
        return None
    return (
        "must be 1 to 64 ASCII letters, digits or . _ : / - starting with a letter or digit, "
        f"got {_shown(key)}"
    )


def value_problem(value: object) -> str | None:
    """Why ``value`` is no tag value, or None when it is one."""
    if not isinstance(value, str):
        return f"must be text, got {type(value).__name__}"
    if len(value) > MAX_TAG_VALUE or not is_storable_text(value) or value != value.strip():
        return (
            f"must be text of at most {MAX_TAG_VALUE} characters, without surrounding "
            f"spaces, NUL or lone surrogates, got {_shown(value)}"
        )
    return None


def _tag_problems(what: str, key: object, value: object) -> list[Violation]:
    return [Violation(_at(what, key), p) for p in (key_problem(key), value_problem(value)) if p]


def checked_tags(tags: Mapping[Any, Any], what: str = "set") -> dict[str, str]:
    """``tags`` as key -> value, or a ValidationError naming every bad key and value."""
    if not isinstance(tags, Mapping):
        raise ValidationError(
            f"the tags to {what} are invalid", [Violation(what, "must be key: value pairs")]
        )
    problems = (
        [Violation(what, f"at most {MAX_TAGS} tags at a time")] if len(tags) > MAX_TAGS else []
    )
    for key, value in list(tags.items())[: MAX_TAGS + 1]:
        problems += _tag_problems(what, key, value)
    if problems:
        raise ValidationError(f"the tags to {what} are invalid", problems)
    return {str(k): str(v) for k, v in tags.items()}


def checked_keys(keys: Iterable[Any], what: str = "remove") -> list[str]:
    """``keys`` as tag keys, each once, or a ValidationError naming every bad one."""
    listed = list(keys) if not isinstance(keys, str | bytes | Mapping) else None
    if listed is None:
        raise ValidationError(
            f"the keys to {what} are invalid", [Violation(what, "must be a list of keys")]
        )
    problems = (
        [Violation(what, f"at most {MAX_TAGS} keys at a time")] if len(listed) > MAX_TAGS else []
    )
    problems += [
        Violation(f"{what}[{n}]", p)
        for n, k in enumerate(listed[: MAX_TAGS + 1])
        if (p := key_problem(k))
    ]
    if problems:
        raise ValidationError(f"the keys to {what} are invalid", problems)
    return list(dict.fromkeys(str(k) for k in listed))


def parse_tags(texts: Sequence[str], what: str = "tag") -> dict[str, str]:
    """Each ``k=v`` of ``texts`` parsed, or a ValidationError naming every bad one (the
    same words as :func:`checked_tags`); a key given twice with two values is refused."""
    parsed: dict[str, str] = {}
    problems = [Violation(what, f"at most {MAX_TAGS} at a time")] if len(texts) > MAX_TAGS else []
    for text in texts[: MAX_TAGS + 1]:
        key, _, value = text.partition("=")
        found = _tag_problems(what, key, value)
        if not found and parsed.get(key, value) != value:
            found = [
                Violation(
                    _at(what, key),
                    f"is given two values, {_shown(parsed[key])} and {_shown(value)}",
                )
            ]
        problems += found
        if not found:
            parsed[key] = value
    if problems:
        raise ValidationError(f"the {what}s are invalid", problems)
    return parsed


# ------------------------------------------------------------------ reading


def subject_of(session: SqlSession, ref: str) -> TagSubject:
    """What ``ref`` tags: a line's bare name names the line (as ``history NAME`` does);
    any other reference (``NAME@3``, ``NAME@promoted``, an id) names one version."""
    if "@" not in ref and is_storable_text(ref):
        row = session.first("SELECT root_id FROM model_lines WHERE name = ?", (ref,))
        if row is not None:
            return TagSubject("line", str(row[0]), ref, str(row[0]))
    model = fetch_model(session, resolve_model_ref(session, ref))
    label = version_label(model.line_name, model.version_number, model.id)
    return TagSubject("version", model.id, label, model.lineage_id or model.id)


_CURRENT = "SELECT tag_key, tag_value FROM model_tags WHERE scope = ? AND subject_id = ?"


def _current(session: SqlSession, scope: str, subject_id: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in sorted(session.rows(_CURRENT, (scope, subject_id)))}


def tags_in(session: SqlSession, subject: TagSubject) -> Tags:
    own = _current(session, subject.scope, subject.subject_id)
    line = _current(session, "line", subject.line_root) if subject.scope == "version" else {}
    return Tags(subject.scope, subject.subject_id, subject.label, own, line)


def effective_tags(db: Database, model_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """The effective tags (line's, then own) of each of ``model_ids``, by id; one read."""
    if not model_ids:
        return {}
    marks = ", ".join("?" for _ in model_ids)
    sql = (
        "SELECT a.id, t.scope, t.tag_key, t.tag_value FROM artifacts a JOIN model_tags t "
        "ON (t.scope = 'version' AND t.subject_id = a.id) "
        "OR (t.scope = 'line' AND t.subject_id = COALESCE(a.lineage_id, a.id)) "
        f"WHERE a.id IN ({marks}) ORDER BY a.id, t.scope, t.tag_key"
    )
    with db.single_read_session() as session:
        rows = session.rows(sql, list(model_ids))
    return effective_from(model_ids, rows)


_EVENT_COLUMNS = "id, scope, subject_id, tag_key, old_value, new_value, actor, created_at"


def history_in(session: SqlSession, subject: TagSubject) -> list[TagEvent]:
    """Every change of the subject's tags, newest first."""
    sql = (
        f"SELECT {_EVENT_COLUMNS} FROM model_tag_events "
        "WHERE subject_id = ? AND scope = ? ORDER BY id DESC"
    )
    return [_event(row) for row in session.rows(sql, (subject.subject_id, subject.scope))]


def _event(row: Sequence[Any]) -> TagEvent:
    return TagEvent(int(row[0]), *row[1:])


# ------------------------------------------------------------------ writing


def change_tags_in(
    db: Database,
    session: SqlSession,
    subject: TagSubject,
    *,
    to_set: Mapping[str, str],
    to_remove: Sequence[str],
    actor: str,
) -> TagChanges:
    """Set ``to_set`` and remove ``to_remove`` on ``subject``, one event per real change.

    Setting a tag to the value it has, or removing one that is not set, changes
    nothing and records nothing: it is answered in ``unchanged``. Writers of one
    subject's tags take its lock, so each event's old value is the one replaced.
    """
    both = sorted(set(to_set) & set(to_remove))
    if both:
        raise ValidationError(
            "a tag cannot be set and removed at once",
            [Violation(f"remove.{key}", "is also set") for key in both],
        )
    who = required_text("actor", actor, "who changes the tags must be named")
    db.lock(session, f"atlas_registry:tags:{subject.scope}:{subject.subject_id}")
    before = _current(session, subject.scope, subject.subject_id)
    now = utc_timestamp()
    events: list[TagEvent] = []
    unchanged: list[str] = []
    wanted: list[tuple[str, str | None]] = [*to_set.items(), *((k, None) for k in to_remove)]
    for key, value in wanted:
        old = before.get(key)
        if old == value:
            unchanged.append(key)
            continue
        events.append(_append(session, subject, key, old, value, who, now))
    if events:  # one event of the log per call; the tag history keeps each change
        changed = {
            "scope": subject.scope,
            "set": [e.key for e in events if e.new_value is not None],
            "removed": [e.key for e in events if e.new_value is None],
        }
        record_event(
            session,
            EventType.TAGS_CHANGED,
            actor=who,
            model_id=subject.subject_id,
            payload=changed,
        )
    return TagChanges(events, unchanged, tags_in(session, subject))


def _append(
    session: SqlSession,
    subject: TagSubject,
    key: str,
    old: str | None,
    new: str | None,
    actor: str,
    now: str,
) -> TagEvent:
    row = session.first(
        "INSERT INTO model_tag_events "
        "(scope, subject_id, tag_key, old_value, new_value, actor, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (subject.scope, subject.subject_id, key, old, new, actor, now),
    )
    assert row is not None
    event = TagEvent(int(row[0]), subject.scope, subject.subject_id, key, old, new, actor, now)
    where = (subject.scope, subject.subject_id, key)
    if new is None:
        session.run(
            "DELETE FROM model_tags WHERE scope = ? AND subject_id = ? AND tag_key = ?", where
        )
    else:
        session.run(
            "INSERT INTO model_tags (scope, subject_id, tag_key, tag_value, event_id) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope, subject_id, tag_key) "
            "DO UPDATE SET tag_value = excluded.tag_value, event_id = excluded.event_id",
            (*where, new, event.id),
        )
    return event
