"""A problem answer (RFC 9457) raised as the library's own error class.

The API names each error by its ``code`` (the class name in snake_case, from
:func:`atlas_registry.errors.error_classes`); the client walks the same table
back, so ``except NotFoundError`` catches a missing model whether the registry
is a local database or a server. A code no registry class carries (an unknown
route, a refused host, a server error) is a :class:`RemoteError`.
"""

from __future__ import annotations

import functools
from typing import Any

from atlas_registry.errors import (
    IllegalTransitionError,
    RegistryError,
    ValidationError,
    Violation,
    error_classes,
)

MAX_LISTED = 10  # violations quoted in a RemoteError's message


class RemoteError(RegistryError):
    """An answer from the server no registry error class names: its status, code and detail."""

    def __init__(self, message: str, *, status: int, problem_code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problem_code = problem_code
        self.http_status = status


@functools.cache
def _by_code() -> dict[str, type[RegistryError]]:
    return {kind.code(): kind for kind in error_classes()}


def _violations(items: Any) -> list[Violation]:
    if not isinstance(items, list):
        return []
    return [
        Violation(str(item.get("path", "$")), str(item.get("message", "")))
        for item in items
        if isinstance(item, dict)
    ]


def error_from_problem(status: int, body: Any) -> RegistryError:
    """The error an answer of ``status`` with problem ``body`` stands for."""
    problem = body if isinstance(body, dict) else {}
    code = problem.get("code")
    detail = str(problem.get("detail") or f"the server answered {status}")
    kind = _by_code().get(code) if isinstance(code, str) else None
    if kind is None or kind is RegistryError:
        listed = _violations(problem.get("violations"))
        said = "; ".join(str(v) for v in listed[:MAX_LISTED])
        named = code if isinstance(code, str) else None
        return RemoteError(
            f"{detail}: {said}" if said else detail, status=status, problem_code=named
        )
    if issubclass(kind, ValidationError):
        conditions = problem.get("unmet_conditions", problem.get("violations"))
        return kind(detail, _violations(conditions))
    if issubclass(kind, IllegalTransitionError):
        return kind(detail, problem.get("from_state"), problem.get("to_state"))
    return kind(detail)
