"""Telling a write that failed from one whose outcome nobody on this side can know.

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

from sqlalchemy.exc import DBAPIError

E = TypeVar("E", bound=BaseException)

_MARK = "atlas_commit_sent"
# PostgreSQL's "connection exception" class, and the server ending the session.
_LOST_SQLSTATES = ("57P01", "57P02", "57P03")


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
        return state is None or state.startswith("08") or state in _LOST_SQLSTATES
    name = str(getattr(driver_error, "sqlite_errorname", ""))
    return name.startswith("SQLITE_IOERR") or "disk I/O error" in str(driver_error)
