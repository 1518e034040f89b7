"""Importing a model card: one version per card, revision and source, however often run.

The imported version's id is derived from the card's exact text, the revision
and the source, as an MLflow import derives its ids from the store, model and
version; not from the result registered as the version's own metrics (the
card's other results are evaluations of that same version), so importing the
card again with another ``--result`` finds the version and names what differs.
A version an earlier release imported with ``--result N`` (N > 1), when each
result made a version of its own, is found by that id too. The source is the address the URL names,
not its spelling (:func:`source_identity`): the version keeps the URL as first
given, and the same card given its source as ``http://HuggingFace.co/org/x/``
finds it. Importing the same card again finds that
version and registers nothing; the report says so, and names any fact this
import would have given differently (a changed ``--set``, another ``--line``),
because the earlier version is what stays.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from atlas_registry.catalog import registrar, tags
from atlas_registry.errors import AlreadyExistsError, NotFoundError, ValidationError
from atlas_registry.interop.card_in import (
    CardReading,
    card_registration,
    model_from_source,
    read_card_text,
    source_identity,
)
from atlas_registry.records import ModelRecord
from atlas_registry.schema.validation import MetadataValidator
from atlas_registry.store.db import Database
from atlas_registry.store.sql_session import SqlSession


def card_model_id(content: str, revision: str, source_url: str) -> str:
    """The id of the version a card makes: the same for the same card, revision and source.

    ``source_url`` is taken as the address it names, so its spellings make one id.
    """
    return _card_id(content, revision, source_identity(source_url))


def _card_id(content: str, revision: str, source: str, result: int = 1) -> str:
    # ``result`` stays in the key, as 1, so versions imported when it was part of the
    # id (result 1, or none chosen) keep theirs.
    key = f"{content}\0{revision}\0{source}\0{result}"
    return f"model-card-{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def _imported_before(
    db: Database, content: str, revision: str, source_url: str, result: int | None
) -> tuple[str, ModelRecord | None]:
    """The id this import makes, and the version already imported from the same card, if any.

    A card imported before sources were compared as addresses has the id its
    URL as given made; one imported with ``--result N`` when each result made
    its own version has the id N made, and is the version that import meant.
    Each is found by that id too, so it is not registered again.
    """
    model_id = card_model_id(content, revision, source_url)
    sources = dict.fromkeys([source_identity(source_url), source_url])
    numbers = [n for n in (result,) if n is not None and n != 1] + [1]
    for number in numbers:
        for source in sources:
            earlier = _existing(db, _card_id(content, revision, source, number))
            if earlier is not None:
                return model_id, earlier
    return model_id, None


@dataclass(frozen=True)
class CardImport:
    """What an import of a card did: the version, and whether it was new."""

    model: ModelRecord
    status: str  # registered, would_register, already_imported
    result: int | None  # the model-index result imported, numbered from 1
    results: int | None  # how many results the card reports (None: not read again)
    differs: list[str] = field(default_factory=list)  # facts this import would have changed
    evaluations: int = 0  # the card's other results, kept as evaluations of their own
    left_out: list[str] = field(default_factory=list)  # results no evaluation can hold, named

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "result": self.result,
            "results": self.results,
            "differs": self.differs,
            "evaluations": self.evaluations,
            "left_out": self.left_out,
            "model": self.model.to_dict(),
        }


@dataclass(frozen=True)
class CardRequest:
    """What a person gives with a card: its pin, additions, line and the result to import."""

    revision: str | None = None
    source_url: str | None = None
    assignments: list[str] = field(default_factory=list)
    line: str | None = None
    result: int | None = None


def import_card(
    db: Database, path: str, request: CardRequest, *, validator: MetadataValidator, dry_run: bool
) -> CardImport:
    """Register the external model a card describes, once; see :class:`CardImport`."""
    content, source = read_card_text(path)
    model_id = None
    if request.revision and request.source_url:
        model_id, earlier = _imported_before(
            db, content, request.revision, request.source_url, request.result
        )
        if earlier is not None:
            return _again(db, earlier, content, source, request, validator)
    reading = _reading(db, content, source, request, validator)
    registration = dataclasses.replace(reading.registration, artifact_id=model_id)
    try:
        record = registrar.register_model(
            db,
            registration,
            validator=validator,
            dry_run=dry_run,
            evaluations=reading.evaluations,
            also=_tagged(db, reading),
        )
    except AlreadyExistsError:  # the same card, imported by another process since the look-up
        if model_id is None or (earlier := _existing(db, model_id)) is None:
            raise
        return _again(db, earlier, content, source, request, validator)
    status = "would_register" if dry_run else "registered"
    return CardImport(
        record,
        status,
        reading.result,
        reading.results,
        evaluations=len(reading.evaluations),
        left_out=list(reading.left_out),
    )


# Who set a card's tags on the version it made, in the tag history.
CARD_IMPORT_ACTOR = "card-import"


def _tagged(db: Database, reading: CardReading) -> Callable[[SqlSession, str], None] | None:
    """The write of the card's tags on the new version, in its registration's transaction."""
    if not reading.tags:
        return None

    def tag(session: SqlSession, model_id: str) -> None:
        subject = tags.subject_of(session, model_id)
        tags.change_tags_in(
            db, session, subject, to_set=reading.tags, to_remove=(), actor=CARD_IMPORT_ACTOR
        )

    return tag


def _reading(
    db: Database, content: str, source: str, request: CardRequest, validator: MetadataValidator
) -> CardReading:
    def base_lookup(url: str) -> str | None:
        with db.session() as session:
            return model_from_source(session, url)

    return card_registration(
        content,
        source,
        revision=request.revision,
        source_url=request.source_url,
        assignments=request.assignments,
        line=request.line,
        base_lookup=base_lookup,
        validator=validator,
        result=request.result,
    )


def _existing(db: Database, model_id: str) -> ModelRecord | None:
    try:
        return registrar.get_model(db, model_id)
    except NotFoundError:
        return None


def _again(
    db: Database,
    earlier: ModelRecord,
    content: str,
    source: str,
    request: CardRequest,
    validator: MetadataValidator,
) -> CardImport:
    """The report of an import that finds its version: nothing new, and what would differ.

    The card is read again so the report names the result it holds and any
    fact this run's additions would have given otherwise; a run that gives
    too little (no ``--set``) still finds the version it made before, but a
    card of several results still needs ``--result``.
    """
    try:
        reading = _reading(db, content, source, request, validator)
    except ValidationError as refused:
        if "result" in refused.paths:  # which result is meant is the person's to say, every time
            raise
        return CardImport(earlier, "already_imported", request.result, None)
    wanted, stored = _comparable(reading.registration.metadata), _comparable(earlier.metadata)
    differs = sorted(k for k in set(wanted) | set(stored) if wanted.get(k) != stored.get(k))
    line = reading.registration.line
    if line and line != earlier.line_name:
        differs.append("line")
    return CardImport(earlier, "already_imported", reading.result, reading.results, differs)


def _comparable(metadata: Any) -> dict[str, Any]:
    """Metadata without what changes while the card does not: a base model registered since.

    The source URL is left out too: the version was found by the address it
    names, so another spelling of it is the same source, not another fact.
    """
    kept = {k: v for k, v in metadata.items() if k not in {"base_model_id", "external_source_url"}}
    extensions = {k: v for k, v in (kept.get("extensions") or {}).items() if k != "hf_base_model"}
    kept["extensions"] = extensions or None
    return kept
