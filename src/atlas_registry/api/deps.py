"""What routes depend on: who is calling (and may they), and the request's JSON body.

A route reaches the registry only through an :class:`Access`, the value of
its guard: ``Depends(writer(scope))`` on every write route, ``Depends(reader)``
on every read (``Depends(body_reader)`` on a read that takes a body).
``tests/test_api.py`` lists the routes to prove no write route lacks its guard
or reaches the registry another way. The actor recorded in history is the
token's name, and so is the author of what it registers. A write route answers
through :meth:`Access.write`, which honours an ``Idempotency-Key``. Each route
has this one dependency: FastAPI's solving of each costs a request tens of µs.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from atlas_registry import (
    IdempotentRequest,
    KeptAnswer,
    Registry,
    check_idempotency_key,
    parse_json,
)
from atlas_registry.errors import (
    AuthenticationError,
    InputError,
    PermissionDeniedError,
    UnsupportedMediaTypeError,
)

T = TypeVar("T")

# Marks a route's dependency as the write guard, for the route audit test.
WRITE_GUARD = "atlas_write_guard"
# Said by the write guard (before the body is read) and by Access, which checks again.
NO_WRITE_TOKEN = "a write needs a bearer token: Authorization: Bearer atl_..."


@dataclass(frozen=True)
class Settings:
    read_only: bool = False
    anonymous_read: bool = True


@dataclass(frozen=True)
class Caller:
    """Who is calling: a token's name, or anonymous."""

    name: str | None
    scopes: tuple[str, ...] = ()

    def require(self, scope: str) -> None:
        if scope not in self.scopes and "admin" not in self.scopes:
            raise PermissionDeniedError(f"the token {self.name} lacks the {scope} scope")

    @property
    def actor(self) -> str:
        """The name history records; only writes ask, and no write passes its guard untokened."""
        assert self.name is not None
        return self.name


@dataclass(frozen=True)
class Access:
    """A request's way to the registry: its token is checked in the same hop as the verb.

    A verb does database I/O, so it runs in the thread pool; each hop there
    costs ~0.1 ms, and checking the token in a hop of its own cost a second
    one on every authenticated request. :meth:`run` checks the token (and the
    write's scope) and then calls the verb in one hop, so the verb, the body's
    parsing included, runs only for a caller who may.
    """

    _registry: Registry  # reached only through run and checked, after the check
    presented: str | None
    scope: str | None
    anonymous_read: bool
    body: bytes = b""
    # A write's Idempotency-Key header as sent (its bytes), and the method, path and query.
    idempotency_key: bytes | None = None
    request_line: str = ""
    # Run the verb on the event loop itself (see :meth:`inline`).
    on_loop: bool = False
    # Check the token on the connection the verb then uses (see :meth:`inline`).
    one_connection: bool = False

    def inline(self, *, allowed: bool = True) -> Access:
        """This access, its verb run on the event loop where the driver is in-process,
        and on the connection the token was checked on.

        SQLite answers in this process: a registration or a read by id
        (:mod:`.fast_paths`) takes less time than the hop to a thread and back
        (~0.1 ms idle, milliseconds on a busy machine, where each hop waits for
        the scheduler twice). Only those ask, and only when ``allowed``: a verb
        that can run long (a page, a list, a batch) keeps the thread pool, and
        a write takes it too while a stream or long poll of the event log is
        open in this process (a write may wait for another process's write
        lock, and the event loop must keep serving the followers meanwhile).

        Either way the token's lookup and the verb take one pooled connection
        between them (:meth:`Database.one_connection`): one checkout a request,
        not two, and the verb runs on a connection the lookup just found alive.
        Both verbs are short, so the connection is not held idle through a wait.
        """
        inline = allowed and self._registry.database.dialect == "sqlite"
        return replace(self, on_loop=inline, one_connection=True)

    def _connection(self) -> AbstractContextManager[None]:
        """Where the check and the verb run: one shared connection, or each its own."""
        if self.one_connection:
            return self._registry.database.one_connection()
        return contextlib.nullcontext()

    async def run(self, verb: Callable[[Registry, Caller], T]) -> T:
        """``verb(registry, caller)`` in the thread pool, once the caller is allowed."""
        if self.on_loop:
            return self.checked(verb)
        return await run_in_threadpool(self.checked, verb)

    async def write(
        self, verb: Callable[[Registry, Caller], T], answer: Callable[[T], KeptAnswer]
    ) -> KeptAnswer:
        """:meth:`run` for a write: ``answer(verb(...))``, done once per Idempotency-Key.

        With a key the answer is made inside the write's transaction and kept
        with it (:meth:`Registry.idempotent`): a retry of a write that was saved
        gets this answer back, ``replayed``, instead of writing again.
        """
        if self.on_loop:
            return self._written(verb, answer)
        return await run_in_threadpool(self._written, verb, answer)

    def _written(
        self, verb: Callable[[Registry, Caller], T], answer: Callable[[T], KeptAnswer]
    ) -> KeptAnswer:
        with self._connection():
            caller = self._caller()
            key = self._key()
            if key is None:
                return answer(verb(self._registry, caller))
            digest = hashlib.sha256(self.request_line.encode("utf-8"))
            digest.update(b"\n")
            digest.update(self.body)
            request = IdempotentRequest(caller.actor, key, self.request_line, digest.hexdigest())
            return self._registry.idempotent(request, lambda: verb(self._registry, caller), answer)

    def checked(self, verb: Callable[[Registry, Caller], T]) -> T:
        """:meth:`run` for code already off the event loop (the pages).

        A write answered here (a dry run, which keeps nothing) still has its
        Idempotency-Key checked: a key refused on a write is refused on its
        dry run, so a dry run does not pass what the write would not.
        """
        with self._connection():
            caller = self._caller()
            self._key()
            return verb(self._registry, caller)

    def _key(self) -> str | None:
        """The Idempotency-Key as text, once its form is checked; None when none was sent."""
        if self.idempotency_key is None:
            return None
        try:
            return check_idempotency_key(self.idempotency_key)
        except InputError as error:
            raise InputError(f"the Idempotency-Key header: {error.message}") from None

    def document(self) -> Any:
        """The body, read by the registry's one JSON reader (limits and all), in the verb."""
        return parse_json(self.body, "the request body")

    def _caller(self) -> Caller:
        if self.presented is None:
            if self.scope is not None:
                raise AuthenticationError(NO_WRITE_TOKEN)
            if not self.anonymous_read:
                raise AuthenticationError("reads need a bearer token on this server")
            return Caller(None)
        token = self._registry.verify_token(self.presented)
        caller = Caller(token.name, token.scopes)
        if self.scope is not None:
            caller.require(self.scope)
        return caller


def _presented(request: Request) -> str | None:
    """The bearer token's text, or None when no Authorization header is sent."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise AuthenticationError("send the token as: Authorization: Bearer atl_...")
    return presented.strip()


def _access(request: Request, scope: str | None, body: bytes = b"") -> Access:
    config: Settings = request.app.state.settings
    presented = _presented(request)
    return Access(request.app.state.registry, presented, scope, config.anonymous_read, body)


def _idempotency_key(request: Request) -> bytes | None:
    """The write's Idempotency-Key header as sent, if it sent one (the registry checks its form).

    Starlette decodes a header's bytes as latin-1, one character a byte, so
    encoding it back gives the bytes the client sent.
    """
    keys = request.headers.getlist("idempotency-key")
    if len(keys) > 1:
        raise InputError("send one Idempotency-Key header, not several")
    return keys[0].encode("latin-1") if keys else None


def _request_line(request: Request) -> str:
    """``METHOD /path?query``: with the body, what makes two requests the same request."""
    query = request.url.query
    return f"{request.method} {request.url.path}" + (f"?{query}" if query else "")


async def _json_body(request: Request) -> bytes:
    """The request body, unparsed: the verb parses it, once the caller is allowed.

    Only a body declared ``application/json`` and not compressed is read: a
    ``text/plain`` POST is what a foreign page can send without a CORS preflight.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaTypeError("a write must be Content-Type: application/json")
    # A compressed body would be read as its compressed bytes and refused as "not UTF-8".
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise UnsupportedMediaTypeError(
            f"a write's body must be sent as is, not as Content-Encoding: {encoding[:40]!r}"
        )
    return await request.body()


# The guards are ``async`` on purpose: FastAPI runs a plain ``def`` dependency
# in its thread pool, a hop of its own. They do no I/O but reading the body;
# the token is checked by ``Access.run``, in the verb's hop.
async def reader(request: Request) -> Access:
    """The guard of a read: anonymous unless the server says otherwise; a token sent is checked."""
    return _access(request, None)


async def body_reader(request: Request) -> Access:
    """The guard of a read that takes a JSON body (checking a document writes nothing)."""
    return _access(request, None, await _json_body(request))


def writer(scope: str) -> Callable[[Request], Any]:
    """The guard of a write route: a valid token holding ``scope`` (or admin), not read-only.

    What needs no database is refused here, before the body is read: a
    read-only server (403), a missing or malformed token (401).
    """

    async def guard(request: Request) -> Access:
        if request.app.state.settings.read_only:
            raise PermissionDeniedError("this server is read-only")
        if _presented(request) is None:
            raise AuthenticationError(NO_WRITE_TOKEN)
        key = _idempotency_key(request)
        access = _access(request, scope, await _json_body(request))
        return replace(access, idempotency_key=key, request_line=_request_line(request))

    setattr(guard, WRITE_GUARD, scope)
    return guard


async def registry(request: Request) -> Registry:
    """The registry itself, for the one route that must answer without a caller: readiness."""
    found: Registry = request.app.state.registry
    return found


async def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found
