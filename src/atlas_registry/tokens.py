"""Bearer tokens for the HTTP API: created, listed and revoked from the CLI, checked per request.

A token reads ``atl_<id>_<secret>``: the id finds the row, the secret (32
random bytes) is compared by its SHA-256 in constant time. Only the hash is
stored, and the whole token is shown once. Each token carries scopes; its
name is the actor every write made with it is recorded under.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import or_, select, update

from atlas_registry.errors import (
    AlreadyExistsError,
    AuthenticationError,
    CommitOutcomeUnknownError,
    DatabaseFailureError,
    LockTimeoutError,
    NotFoundError,
    ValidationError,
    Violation,
)
from atlas_registry.store.db import TIMESTAMP_FORMAT, Database, utc_timestamp
from atlas_registry.store.events.record import record_event
from atlas_registry.store.events.types import EventType
from atlas_registry.store.tables import api_tokens

SCOPES = ("register", "promote", "override", "review", "admin")
TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_TOKEN = re.compile(r"^atl_(?P<id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class ApiToken:
    """A token as listed: never its secret."""

    id: str
    name: str
    scopes: tuple[str, ...]
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked_at: str | None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class NewToken:
    """A token just created: the only time its full text exists outside the caller."""

    token: str
    info: ApiToken

    def to_dict(self) -> dict[str, Any]:
        return {"token": self.token, **self.info.to_dict()}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _row(row: Any) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        scopes=tuple(row.scopes.split(",")),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _checked(name: str, scopes: list[str], expires_days: int | None) -> list[Violation]:
    problems = []
    if not TOKEN_NAME.fullmatch(name):
        problems.append(Violation("name", "must be 1-100 letters, digits or . _ @ -"))
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        problems.append(
            Violation("scope", f"must be one or more of {', '.join(SCOPES)}, got {unknown}")
        )
    if expires_days is not None and not 1 <= expires_days <= 3650:
        problems.append(Violation("expires_days", "must be 1..3650"))
    return problems


def create_token(
    db: Database, name: str, scopes: list[str], expires_days: int | None = None
) -> NewToken:
    problems = _checked(name, scopes, expires_days)
    if problems:
        raise ValidationError("the token cannot be created", problems)
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires = (
        (now + timedelta(days=expires_days)).strftime(TIMESTAMP_FORMAT) if expires_days else None
    )
    row = {
        "id": token_id,
        "name": name,
        "scopes": ",".join(sorted(set(scopes))),
        "secret_sha256": _hash(secret),
        "created_at": now.strftime(TIMESTAMP_FORMAT),
        "expires_at": expires,
    }
    with db.transaction(write=True) as conn:
        taken = conn.execute(select(api_tokens.c.id).where(api_tokens.c.name == name)).first()
        if taken is not None:
            # Revoking does not free a name: history records it as the actor of its writes.
            raise AlreadyExistsError(
                f"a token is already named {name} (revoked or not, a name is never reused: "
                "history records it as the actor); pick another, such as "
                f"{name[:90]}-{now:%Y%m%d}"
            )
        conn.execute(api_tokens.insert().values(**row))
        said = {"name": name[:200], "scopes": sorted(set(scopes))}
        record_event(conn, EventType.TOKEN_CREATED, actor=None, payload=said)
        stored = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one()
    return NewToken(f"atl_{token_id}_{secret}", _row(stored))


def list_tokens(db: Database) -> list[ApiToken]:
    with db.transaction() as conn:
        return [_row(r) for r in conn.execute(select(api_tokens).order_by(api_tokens.c.name))]


def revoke_token(db: Database, name: str) -> ApiToken:
    with db.transaction(write=True) as conn:
        found = conn.execute(select(api_tokens).where(api_tokens.c.name == name)).first()
        if found is None:
            raise NotFoundError(f"no token named {name!r:.100}")
        if found.revoked_at is None:
            conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == found.id)
                .values(revoked_at=utc_timestamp())
            )
            said = {"name": name[:200]}
            record_event(conn, EventType.TOKEN_REVOKED, actor=None, payload=said)
        return _row(conn.execute(select(api_tokens).where(api_tokens.c.id == found.id)).one())


def any_token(db: Database) -> bool:
    """True when at least one token exists that is not revoked."""
    with db.transaction() as conn:
        query = select(api_tokens.c.id).where(api_tokens.c.revoked_at.is_(None)).limit(1)
        return conn.execute(query).first() is not None


class _Stored(NamedTuple):
    id: str
    name: str
    scopes: str
    secret_sha256: str
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked_at: str | None


_VERIFY_SQL = f"SELECT {', '.join(_Stored._fields)} FROM api_tokens WHERE id = ?"


def verify_token(db: Database, presented: str) -> ApiToken:
    """The token ``presented`` stands for, if it is genuine, current and not revoked."""
    match = _TOKEN.fullmatch(presented)
    refused = AuthenticationError("the bearer token is not valid")
    if match is None:
        raise refused
    # Plain SQL on the driver: every authenticated request runs this, and building
    # it through Core cost more than the lookup itself. Never cached: a token
    # revoked is refused on the very next request, by every process.
    with db.single_read_session() as session:
        found = session.first(_VERIFY_SQL, (match["id"],))
    row = _Stored(*found) if found is not None else None
    stored = row.secret_sha256 if row is not None else _hash("x" * 43)
    genuine = hmac.compare_digest(stored, _hash(match["secret"]))
    if row is None or not genuine:
        raise refused
    now = utc_timestamp()
    if row.revoked_at is not None:
        raise AuthenticationError("the bearer token was revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise AuthenticationError("the bearer token has expired")
    _note_use(db, row.id, row.last_used_at)
    return _row(row)


# last_used_at is kept to the minute: writing it on every request made each
# authenticated request a second durable commit (the service's largest cost).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _note_use(db: Database, token_id: str, last_used_at: str | None) -> None:
    now = datetime.now(UTC)
    stale = (now - LAST_USED_RESOLUTION).strftime(TIMESTAMP_FORMAT)
    if (last_used_at is not None and last_used_at > stale) or db.in_snapshot:
        return  # noted this minute; or checked inside a snapshot, which writes nothing
    # Best effort: the request is not the caller's write, so a lost connection or
    # a busy database here must not answer it (a read least of all) with "your
    # write may have been saved"; the request's own verb meets any real outage.
    noted = update(api_tokens).where(
        api_tokens.c.id == token_id,
        or_(api_tokens.c.last_used_at.is_(None), api_tokens.c.last_used_at <= stale),
    )
    with (
        contextlib.suppress(CommitOutcomeUnknownError, DatabaseFailureError, LockTimeoutError),
        db.transaction(write=True) as conn,
    ):
        conn.execute(noted.values(last_used_at=now.strftime(TIMESTAMP_FORMAT)))
