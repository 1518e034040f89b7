"""What every part of the registry handle stands on: the database, the policy, the validator,
and reading a model reference once."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Self, TypeVar

from atlas_registry.catalog.refs import resolve_model_ref
from atlas_registry.documents import is_storable_text
from atlas_registry.errors import NotFoundError
from atlas_registry.lifecycle.policy import GatePolicy
from atlas_registry.schema.validation import MetadataValidator
from atlas_registry.store.db import Database

T = TypeVar("T")


class Handle:
    """What both handles share: the database they hold, and closing it."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @property
    def url(self) -> str:
        """The database URL with any password hidden, fit for messages and logs."""
        return self.database.display_url

    def close(self) -> None:
        self.database.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Verbs(Handle):
    """The state every verb of :class:`~atlas_registry.registry.Registry` uses."""

    def __init__(
        self, database: Database, policy: GatePolicy, validator: MetadataValidator
    ) -> None:
        super().__init__(database)
        self.policy = policy
        self.validator = validator

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """The verbs called inside read the database as it was at one moment.

        Each verb reads in a transaction of its own, so answers read one after
        another may come from either side of another writer's COMMIT: a model's
        newest pin check beside the pin state of the check before it. Inside,
        every read joins one read-only transaction instead; a write inside
        raises ``RuntimeError`` before it sends anything. ``show`` and every
        page of the web interface read their parts this way::

            with registry.snapshot():
                record = registry.get_model(ref)
                files = registry.files(record.id)
        """
        with self.database.snapshot():
            yield

    def resolve(self, ref: str) -> str:
        """The model id a reference names: an id, ``line``, ``line@3``, ``line@promoted``,
        ``line@latest``, a short id (the last 8 or more characters of an id, or the first 7
        of a short id) or a unique id prefix of 8 or more characters."""
        with self.database.single_read() as conn:
            return resolve_model_ref(conn, ref)

    def _read(self, verb: Callable[[Database, str], T], model_ref: str) -> T:
        return self._on_model(
            lambda model_id: verb(self.database, model_id), model_ref, reading=True
        )

    def _on_model(self, verb: Callable[[str], T], model_ref: str, *, reading: bool = False) -> T:
        """``verb`` on the model ``model_ref`` names, with no lookup first when it is an exact id.

        Most calls name a model by its id; only when that finds nothing is the
        reference resolved (line name, ``NAME@N``, short id, id prefix) and the call
        repeated. A transition that finds no model has written nothing (it
        reads the model before any write), so repeating it is safe. A read
        (``reading``) resolves and reads again in one snapshot: ``line@latest``
        read apart could name a version that a registration committed in
        between had already made not the latest, and say so beside its name.
        """
        if not is_storable_text(model_ref):
            self.resolve(model_ref)  # names nothing: NotFoundError, on either database
        try:
            return verb(model_ref)
        except NotFoundError as missing:
            not_found = missing
        with self.database.snapshot() if reading else contextlib.nullcontext():
            resolved = self.resolve(model_ref)
            if resolved == model_ref:
                raise not_found
            return verb(resolved)
