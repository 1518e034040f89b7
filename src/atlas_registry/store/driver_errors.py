"""What a driver error means, as a registry error; and a lost COMMIT told from a failed write.

Every driver error gets a class of its own (:func:`translate`), so no caller
has to know which driver is below.

A failure before COMMIT is sent leaves nothing behind: the database rolls the
transaction back. Once COMMIT is on its way, a lost connection (the server
ended the session, the network dropped, SQLite's file could not be written
back) means the commit may have happened or not; only the database knows.
Answering "failed" then is a lie one time in N (a client retries and writes
twice), answering "saved" is one the other times. :class:`~.db.Database`
marks an error raised after COMMIT went out, and asks :func:`outcome_unknown`
whether it is one that leaves the outcome open; an error the database itself
answered to the COMMIT (a deferred constraint, a serialization failure) is a
plain failure.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from atlas_registry.errors import (
    CommitOutcomeUnknownError,
    ConstraintViolationError,
    DatabaseFailureError,
    DatabaseNotFoundError,
    LockTimeoutError,
    RegistryError,
    ValueRejectedError,
)
from atlas_registry.store.backends import LOCK_TIMEOUT_SECONDS
from atlas_registry.store.sql_session import LOST_SQLSTATES, ends_session, error_chain

E = TypeVar("E", bound=BaseException)

_MARK = "atlas_commit_sent"


def mark_commit_sent(error: E) -> E:
    """Note on ``error`` that it was raised after COMMIT was sent; returns it, to raise."""
    setattr(error, _MARK, True)
    return error


def commit_sent(error: BaseException) -> bool:
    """True when ``error`` (or the driver error it wraps) was raised after COMMIT was sent."""
    seen: list[BaseException] = []
    found: BaseException | None = error
    while found is not None and found not in seen:
        if getattr(found, _MARK, False):
            return True
        seen.append(found)
        found = getattr(found, "orig", None) or found.__cause__
    return False


def outcome_unknown(dialect: str, error: DBAPIError) -> bool:
    """True when ``error`` at COMMIT leaves open whether the commit happened.

    On PostgreSQL: the connection was lost (no answer came, or the answer was
    the session being ended). On SQLite: an I/O error writing the commit out.
    """
    driver_error = error.orig
    if dialect == "postgresql":
        if error.connection_invalidated:
            return True
        state = getattr(driver_error, "sqlstate", None)
        return state is None or state.startswith("08") or state in LOST_SQLSTATES
    name = str(getattr(driver_error, "sqlite_errorname", ""))
    return name.startswith("SQLITE_IOERR") or "disk I/O error" in str(driver_error)


def driver_message(exc: DBAPIError) -> str:
    """The driver's own first line, without SQLAlchemy's statement and parameters."""
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)


def translate(exc: DBAPIError, dialect: str, shown_url: str, lock_timeout: bool) -> RegistryError:
    """The registry error for ``exc`` from the database at ``shown_url``.

    ``lock_timeout``: the backend read ``exc`` as a lock wait that gave up.
    """
    if commit_sent(exc) and outcome_unknown(dialect, exc):
        return CommitOutcomeUnknownError(
            f"the database at {shown_url} failed after the write's COMMIT was sent "
            f"({driver_message(exc)}): the write may or may not have been saved; "
            "read it back before writing it again"
        )
    if exc.connection_invalidated:  # the session was lost, whatever the driver called it
        return _unreachable(exc, shown_url)
    if isinstance(exc, IntegrityError):
        return ConstraintViolationError(f"the database refused the write: {driver_message(exc)}")
    if isinstance(exc, DataError):
        return ValueRejectedError(
            f"the database refused a value it was given: {driver_message(exc)}"
        )
    if isinstance(exc, OperationalError) and lock_timeout:
        return LockTimeoutError(
            f"gave up after {LOCK_TIMEOUT_SECONDS}s waiting for another writer on "
            f"{shown_url}; retry, or find the long-running process holding it"
        )
    if "malformed" in str(exc.orig) or "not a database" in str(exc.orig):
        return DatabaseFailureError(
            f"the SQLite file at {shown_url} reads as damaged "
            f"({driver_message(exc)}): stop every process that uses it and try again; "
            "if it still reads as damaged, restore it from a backup"
        )
    if isinstance(exc, OperationalError) and (
        exc.statement is None  # raised while connecting, before any statement
        or "connect" in str(exc.orig).lower()
    ):
        return _unreachable(exc, shown_url)
    return DatabaseFailureError(f"the database at {shown_url} failed: {driver_message(exc)}")


def _unreachable(exc: DBAPIError, shown_url: str) -> DatabaseNotFoundError:
    """ "Cannot reach", in the server's words when it ended the session (not the driver's after)."""
    ended = next((found for found in error_chain(exc) if ends_session(found)), None)
    said = str(ended).strip().splitlines()[0] if ended is not None else driver_message(exc)
    return DatabaseNotFoundError(f"cannot reach the database at {shown_url}: {said}")
