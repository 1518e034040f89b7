"""The registry's error tree.

Every error a user can cause derives from :class:`RegistryError` and carries
its CLI exit code and HTTP status as class attributes, so each boundary (the
CLI's error boundary, and a service's when there is one) translates errors in
exactly one place instead of guessing per call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


class RegistryError(Exception):
    """Root of every error the registry raises on purpose."""

    http_status: int = 500
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @classmethod
    def code(cls) -> str:
        """The class name in snake_case: the stable name of this error on every surface."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

    def to_dict(self) -> dict[str, object]:
        return {"error": type(self).__name__, "code": self.code(), "message": self.message}


def error_classes() -> list[type[RegistryError]]:
    """Every error class the registry can raise, the root first.

    The one table behind an error's ``code`` on every surface: the API's problem
    pages list it, and the HTTP client maps a problem's ``code`` back through it.
    Only the classes of this module: a subclass made elsewhere (the client's
    ``RemoteError`` for a code it does not know) is no code the server answers,
    and the table must not depend on what else a process happened to import.
    """
    found: list[type[RegistryError]] = [RegistryError]
    for kind in found:
        found.extend(
            k for k in kind.__subclasses__() if k not in found and k.__module__ == __name__
        )
    return found


class NotFoundError(RegistryError):
    """No model (or review item) by that id, or the id names another kind of artifact."""

    http_status = 404
    exit_code = 3


class AlreadyExistsError(RegistryError):
    """An id that is already taken."""

    http_status = 409
    exit_code = 4


class ConstraintViolationError(RegistryError):
    """The database refused a write (a CHECK, FK or unique constraint)."""

    http_status = 409
    exit_code = 4


class ConfigurationError(RegistryError):
    """A database URL or option the registry cannot use."""

    http_status = 400
    exit_code = 2


class InputError(RegistryError):
    """Input that cannot even be read: a missing file, text that is not JSON."""

    http_status = 400
    exit_code = 2


class UnsupportedMediaTypeError(InputError):
    """An HTTP write whose body is not declared ``Content-Type: application/json``."""

    http_status = 415
    exit_code = 2


class AmbiguousReferenceError(InputError):
    """A short id or an id prefix that several model ids match; the message lists them."""

    http_status = 400
    exit_code = 2


class AuthenticationError(RegistryError):
    """A missing, malformed, unknown, expired or revoked bearer token (HTTP only)."""

    http_status = 401
    exit_code = 12


class PermissionDeniedError(RegistryError):
    """A token without the scope an operation needs, or a write to a read-only service."""

    http_status = 403
    exit_code = 13


class DatabaseNotFoundError(RegistryError):
    """No database at that URL, or the server cannot be reached."""

    http_status = 503
    exit_code = 5


class SchemaOutOfDateError(RegistryError):
    """The database is not at the migration the code expects."""

    http_status = 503
    exit_code = 5


class MigrationError(RegistryError):
    """A migration could not be applied, reverted or verified."""

    http_status = 500
    exit_code = 6


class LockTimeoutError(RegistryError):
    """Another writer held a lock (a model line, the migrations) for too long."""

    http_status = 503
    exit_code = 7


class ValueRejectedError(RegistryError):
    """The database refused a value the registry let through (its type or its bytes)."""

    http_status = 422
    exit_code = 9


class DatabaseFailureError(RegistryError):
    """The database failed in a way no other class names; the message carries its words."""

    http_status = 500
    exit_code = 10


class CommitOutcomeUnknownError(RegistryError):
    """The connection failed after COMMIT was sent: the write may or may not have been saved.

    A failure before COMMIT is a plain failure (nothing was written); after it,
    only the database knows, so the error says so instead of claiming either.
    """

    http_status = 503
    exit_code = 14


class IdempotencyKeyReusedError(RegistryError):
    """An Idempotency-Key sent again with another request (another body or another route)."""

    http_status = 422
    exit_code = 2


MAX_ECHO = 300
MAX_LISTED = 50


def capped(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut; echoed, never dumped."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (a dotted JSON path, ``$`` for the root) and what.

    Both parts are capped: a message that quotes a 10 MB value says how much it
    left out instead of sending the value back.
    """

    path: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", capped(self.path, MAX_ECHO // 2))
        object.__setattr__(self, "message", capped(self.message))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def under(prefix: str, violation: Violation) -> Violation:
    """The same violation, its path taken relative to ``prefix``."""
    path = violation.path.removeprefix("$")  # "$" is the root, "$[0]" a root list's item
    joined = prefix if not path else (prefix + path if path.startswith("[") else f"{prefix}.{path}")
    return Violation(joined, violation.message)


class ValidationError(RegistryError):
    """Input that breaks one or more rules; lists every violation, not the first."""

    http_status = 422
    exit_code = 1

    def __init__(self, summary: str, violations: Sequence[Violation]) -> None:
        self.violations: tuple[Violation, ...] = tuple(violations)
        shown = self.violations[:MAX_LISTED]
        lines = "\n".join(f"  - {v}" for v in shown)
        if len(self.violations) > len(shown):
            lines += f"\n  ... and {len(self.violations) - len(shown)} more (--json lists all)"
        super().__init__(f"{summary}:\n{lines}" if lines else summary)
        self.summary = summary

    @property
    def paths(self) -> list[str]:
        return [v.path for v in self.violations]

    def to_dict(self) -> dict[str, object]:
        return {
            "error": type(self).__name__,
            "code": self.code(),
            "message": self.summary,
            "violations": [{"path": v.path, "message": v.message} for v in self.violations],
        }


class QueryValueError(ValidationError):
    """A query parameter (a command-line option) whose value cannot be read: a time
    without its zone, say. A bad request, not a broken rule of stored data: the
    violation names the parameter."""

    http_status = 400
    exit_code = 2


class PageTokenError(QueryValueError):
    """A paging cursor this listing did not give out, or gave out for other filters;
    the violation names the parameter that carried it (``page_token``)."""


class MetadataValidationError(ValidationError):
    """Model metadata that does not satisfy the model metadata JSON Schema."""


class IllegalTransitionError(RegistryError):
    """A lifecycle move the state machine does not allow (e.g. out of ``rejected``)."""

    http_status = 409
    exit_code = 8

    def __init__(
        self, message: str, from_state: str | None = None, to_state: str | None = None
    ) -> None:
        super().__init__(message)
        self.from_state, self.to_state = from_state, to_state

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "from_state": self.from_state, "to_state": self.to_state}


class PromotionGateError(ValidationError):
    """A promotion refused by the evaluation gate; lists every unmet condition."""

    http_status = 422
    exit_code = 8
