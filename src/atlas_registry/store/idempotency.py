"""A write done once per key: a retried request gets the first answer, not a second write.

A client that sent a write and never got its answer (a lost connection, a
timeout, a :class:`~atlas_registry.errors.CommitOutcomeUnknownError`) cannot
tell whether it was saved. With a key, it sends the same request again: if
the first one was saved, the answer kept with it comes back; if not, the
write is done now. That holds only if a write that committed always has its
key, so the key row is written in the write's own transaction, inside a
:meth:`~atlas_registry.store.db.Database.unit_of_work`, after the verb and
before COMMIT.

This module knows nothing of HTTP: an answer is a status, a few headers and a
body, whatever the caller makes of them. A key belongs to one owner (the
token's name over HTTP), so two clients cannot read each other's answers or
collide on a key. Only successful writes are kept; a refused write leaves no
row, so its retry is judged afresh. Keys are kept :data:`KEEP_HOURS` hours;
each keyed write deletes the expired ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from atlas_registry.errors import IdempotencyKeyReusedError, InputError, capped
from atlas_registry.store.db import TIMESTAMP_FORMAT, Database, utc_timestamp

T = TypeVar("T")

KEEP_HOURS = 24
MAX_KEY_LENGTH = 200
# A request line is kept to say which request a key was first used for.
MAX_REQUEST_LINE = 300


@dataclass(frozen=True)
class KeptAnswer:
    """An answer to a write as its caller will send it: status, headers, body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False  # True when it is the first answer, given again


@dataclass(frozen=True)
class IdempotentRequest:
    """One keyed write: who sends it, its key, what it is (``request_line``) and its digest.

    ``request_hash`` stands for the whole request (route and body): the same key
    with another hash is another request, which is refused, never answered
    with the first one's answer.
    """

    owner: str
    key: str
    request_line: str
    request_hash: str


def check_idempotency_key(key: str | bytes) -> str:
    """``key`` when it is 1 to 200 printable ASCII characters; InputError saying what is wrong.

    A key from an HTTP header is given as its bytes: a header is not text until
    it is decoded, and read as latin-1 (as HTTP servers do) a UTF-8 character
    would be reported as two others. Decoded as UTF-8 when it is UTF-8, so a
    position counts characters, else bytes; the refusal names what is wrong and
    where, never the character itself, which could not be shown faithfully.
    """
    unit = "character"
    if isinstance(key, bytes):
        try:
            text = key.decode("utf-8")
        except UnicodeDecodeError:
            text, unit = key.decode("latin-1"), "byte"
    else:
        text = key
    if not text:
        raise InputError(f"{_KEY_RULE}; it is empty")
    if len(text) > MAX_KEY_LENGTH:
        raise InputError(f"{_KEY_RULE}; it is {len(text):,} {unit}s long")
    for position, char in enumerate(text, 1):
        if not " " <= char <= "~":
            raise InputError(f"{_KEY_RULE}; it holds {_what(char, unit)} at position {position}")
    return text


_KEY_RULE = (
    f"an idempotency key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters "
    "(letters, digits, punctuation, spaces)"
)


def _what(char: str, unit: str) -> str:
    """A character a key may not hold, named without showing it."""
    if ord(char) > 0x7F:
        return f"a non-ASCII {unit}"
    if char == "\t":
        return "a tab"
    return f"a control character (U+{ord(char):04X})"


def run_once(
    db: Database,
    request: IdempotentRequest,
    work: Callable[[], T],
    answer: Callable[[T], KeptAnswer],
) -> KeptAnswer:
    """``answer(work())``, or the answer kept for ``request``'s key when it was done before.

    A second request with the same key waits for the first one's transaction
    (the key's lock on PostgreSQL, the write lock SQLite takes at BEGIN), then
    gets its answer: two requests with one key never write twice.
    """
    check_idempotency_key(request.key)
    with db.unit_of_work() as session:
        # One round trip on PostgreSQL: the SELECT still runs after the lock is held.
        with db.pipelined(session):
            db.lock(session, f"idempotency-key:{request.owner}:{request.key}")
            session.run("DELETE FROM idempotency_keys WHERE created_at < ?", (_expired_before(),))
            found = session.later(
                "SELECT request_hash, request_line, status, headers, body FROM idempotency_keys "
                "WHERE owner = ? AND idempotency_key = ?",
                (request.owner, request.key),
            )
        kept = next(iter(found.rows()), None)
        if kept is not None:
            request_hash, first_line, status, headers, body = kept
            if request_hash != request.request_hash:
                raise IdempotencyKeyReusedError(
                    f"the idempotency key {capped(request.key, 80)!r} was first used "
                    f"{_for_what(first_line, request.request_line)}: a key stands for one "
                    "request; send a new key for a new request"
                )
            return KeptAnswer(int(status), body.encode("utf-8"), json.loads(headers), True)
        done = answer(work())
        if 200 <= done.status < 300:  # only a success is an outcome to keep
            session.insert("idempotency_keys", [_row(request, done)])
        return done


def _for_what(first_line: str, line: str) -> str:
    if first_line == line:
        return f"for {capped(first_line, 120)} with another body"
    return f"for {capped(first_line, 120)}, not {capped(line, 120)}"


def _row(request: IdempotentRequest, done: KeptAnswer) -> dict[str, object]:
    return {
        "owner": request.owner,
        "idempotency_key": request.key,
        "request_hash": request.request_hash,
        "request_line": request.request_line[:MAX_REQUEST_LINE],
        "status": done.status,
        "headers": json.dumps(done.headers),
        "body": done.body.decode("utf-8"),
        "created_at": utc_timestamp(),
    }


def _expired_before() -> str:
    return (datetime.now(UTC) - timedelta(hours=KEEP_HOURS)).strftime(TIMESTAMP_FORMAT)
