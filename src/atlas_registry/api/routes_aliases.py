"""A line's aliases over HTTP: list them, read one (now or at a time), set, delete, history.

Writes need the promote scope (an alias is what deployments follow), take an
``Idempotency-Key`` like every write, and record the token's name as who moved
the alias. Overriding an alias's gate needs the override scope, as a
promotion's does.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from atlas_registry import NotFoundError, Registry, ValidationError, Violation
from atlas_registry.api.bodies import (
    OBJECT,
    answer,
    answered,
    body_fields,
    json_response,
    override_flag,
    text_field,
)
from atlas_registry.api.deps import Access, Caller, reader, writer
from atlas_registry.api.openapi import ALIAS_DELETE_BODY, ALIAS_SET_BODY, responses
from atlas_registry.api.strict_query import StrictQueryRoute

router = APIRouter(prefix="/api/v1", route_class=StrictQueryRoute)

_READS = responses(400, 401, 404, 422, 503)
_WRITES = responses(400, 401, 403, 404, 409, 413, 415, 422, 503)


@router.get("/lines/{name}/aliases", responses=_READS, response_model=OBJECT)
async def aliases(name: str, access: Access = Depends(reader)) -> Response:
    """Every alias of the line by name, each with the version it names and its last move."""
    found = await access.run(lambda registry, _caller: registry.aliases(name))
    return json_response({"items": [alias.to_dict() for alias in found]})


@router.get("/lines/{name}/aliases/{alias}", responses=_READS, response_model=OBJECT)
async def alias(
    name: str, alias: str, at: str | None = None, access: Access = Depends(reader)
) -> Response:
    """The version the alias names now; with ``at`` (ISO 8601 with a zone), the version it
    named then and since when (``promoted`` is read the same way, from the promotion events)."""

    def read(registry: Registry, _caller: Caller) -> dict[str, Any]:
        if at is not None:
            return registry.named_at(f"{name}@{alias}", at).to_dict()
        current = {a.alias: a for a in registry.aliases(name)}
        if alias not in current:  # the missing alias's error, naming the line's aliases
            registry.resolve(f"{name}@{alias}")
            raise NotFoundError(
                f"{alias} is not an alias of {name}: /api/v1/models/{name}@{alias} reads the "
                "version it names"
            )
        return current[alias].to_dict()

    return json_response(await access.run(read))


@router.get("/lines/{name}/alias-moves", responses=_READS, response_model=OBJECT)
async def alias_history(
    name: str, alias: str | None = None, access: Access = Depends(reader)
) -> Response:
    """Every move of the line's aliases (``alias``: of that one), oldest first."""
    moves = await access.run(lambda registry, _caller: registry.alias_history(name, alias))
    return json_response({"items": [move.to_dict() for move in moves]})


@router.post(
    "/lines/{name}/aliases/{alias}",
    responses=_WRITES,
    openapi_extra=ALIAS_SET_BODY,
    response_model=OBJECT,
)
async def set_alias(name: str, alias: str, access: Access = Depends(writer("promote"))) -> Response:
    """Point the alias at version ``to_version`` of the line (made if new); the move is recorded.

    ``changed`` is false when it already named that version (nothing recorded).
    A gated alias (the policy's ``[aliases]``) is refused as a promotion is,
    unless ``override`` with ``notes``.
    """

    def set_it(registry: Registry, caller: Caller) -> Any:
        fields = body_fields(access, {"to_version", "notes", "override"})
        to_version = fields.get("to_version")
        if isinstance(to_version, bool) or not isinstance(to_version, int):
            raise ValidationError(
                "the body is invalid",
                [Violation("to_version", "is required: a whole version number, such as 2")],
            )
        return registry.set_alias(
            name,
            alias,
            to_version=to_version,
            actor=caller.actor,
            notes=text_field(fields, "notes"),
            override=override_flag(fields, caller),
        )

    return answered(await access.write(set_it, lambda done: answer(done.to_dict())))


@router.post(
    "/lines/{name}/aliases/{alias}/delete",
    responses=_WRITES,
    openapi_extra=ALIAS_DELETE_BODY,
    response_model=OBJECT,
)
async def delete_alias(
    name: str, alias: str, access: Access = Depends(writer("promote"))
) -> Response:
    """Remove the alias from the line; its history keeps every move, the delete included."""

    def delete_it(registry: Registry, caller: Caller) -> Any:
        fields = body_fields(access, {"notes"})
        return registry.delete_alias(
            name, alias, actor=caller.actor, notes=text_field(fields, "notes")
        )

    return answered(await access.write(delete_it, lambda done: answer(done.to_dict())))
