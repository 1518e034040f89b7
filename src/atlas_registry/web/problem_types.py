"""The page behind every problem ``type`` the API answers with: what it means, what to do.

An HTTP error body names its kind as ``"type": "/problems/CODE"`` (RFC 9457);
that address is a page here, for every code the API can send: each
:class:`~atlas_registry.errors.RegistryError` class (its ``code``) and the
answers the HTTP layer gives on its own (an unknown route, a refused host).
The words are an API user's: body fields and headers, not command-line flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from atlas_registry.errors import NotFoundError, RegistryError, error_classes
from atlas_registry.web.render import page

problem_router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class ProblemType:
    """One kind of error: its status, what it means and what to do about it."""

    status: int | None  # None: the answer's status varies (it says which)
    meaning: str
    remedy: str


_BODY = "Send the body as JSON with the header Content-Type: application/json."
# Codes the HTTP layer answers with on its own; no registry error class carries them.
HTTP_PROBLEMS: dict[str, ProblemType] = {
    "bad_request": ProblemType(
        400,
        "A query parameter or path part could not be read: a wrong type, an unknown "
        "parameter, or a value out of range. The answer's violations name each one.",
        "Correct the parameters the violations name; the operation's parameters are "
        "listed in the API reference at /docs.",
    ),
    "not_found": ProblemType(
        404,
        "No route answers at this address.",
        "Check the path against the API reference at /docs; every API route starts with /api/v1.",
    ),
    "method_not_allowed": ProblemType(
        405,
        "The route exists but does not take this HTTP method.",
        "Use one of the methods the answer's Allow header lists.",
    ),
    "payload_too_large": ProblemType(
        413,
        "The request body is over 1 MiB, the most a request may carry.",
        "Send fewer models per batch, or a smaller metadata document.",
    ),
    "request_timeout": ProblemType(
        408,
        "The request's body did not arrive in time (30 s unless the server was started with "
        "another request timeout); the server stopped waiting and closed the connection.",
        "Send the body as soon as its headers; if the network is that slow, send a smaller "
        "body or ask whoever runs the server for a longer request timeout.",
    ),
    "host_not_allowed": ProblemType(
        400,
        "The request's Host header names a host this server does not answer to (a guard "
        "against DNS rebinding).",
        "Call the server by one of its allowed host names; whoever runs it can add the "
        "name you use to them.",
    ),
    "internal_error": ProblemType(
        500,
        "The server failed in a way it did not expect; the failure is in its log.",
        "Retry once; if it fails again, report it with the time of the request.",
    ),
    "http_error": ProblemType(
        None,
        "The HTTP layer refused the request; the answer's status and detail say why.",
        "Act on the detail; the API reference at /docs lists what each operation takes.",
    ),
}

# One entry per RegistryError class, keyed by its code.
REGISTRY_PROBLEMS: dict[str, tuple[str, str]] = {
    "registry_error": (
        "The registry refused the request; the detail says why.",
        "Act on the detail.",
    ),
    "not_found_error": (
        "No model (or review item) answers to that reference, or the id names another "
        "kind of artifact.",
        "Check the reference: a model is named by its id, a unique id prefix, or its line "
        "(NAME, NAME@3, NAME@promoted). GET /api/v1/models lists what there is.",
    ),
    "already_exists_error": (
        "The id is already taken.",
        "Leave artifact_id out to get a generated id, or choose another.",
    ),
    "constraint_violation_error": (
        "The database refused the write: it would break a CHECK, foreign key or unique "
        "constraint. Nothing was written.",
        "Read the detail for the field involved, correct it, and send the request again.",
    ),
    "configuration_error": (
        "The server's configuration (its database URL, policy file or an option) is one "
        "the registry cannot use.",
        "Tell whoever runs the server: the detail names the setting.",
    ),
    "input_error": (
        "The body could not be read at all: it is not JSON, or not the shape the operation takes.",
        _BODY,
    ),
    "unsupported_media_type_error": (
        "A write whose body is not declared as JSON, or is compressed.",
        _BODY + " Do not compress it.",
    ),
    "ambiguous_reference_error": (
        "The id prefix is the start of several model ids; the detail lists them.",
        "Send a longer prefix, the whole id, or the line's NAME@N.",
    ),
    "authentication_error": (
        "The bearer token is missing, malformed, unknown, expired or revoked.",
        "Send the header Authorization: Bearer TOKEN with a valid token; whoever runs the "
        "server creates one with token create.",
    ),
    "permission_denied_error": (
        "The token lacks the scope this operation needs, or the server is read-only.",
        "Use a token with the scope the detail names (register, promote, override, review, "
        "admin), "
        "or a server that takes writes.",
    ),
    "database_not_found_error": (
        "The server cannot reach its database.",
        "Retry after the Retry-After header's seconds; if it persists, tell whoever runs "
        "the server.",
    ),
    "schema_out_of_date_error": (
        "The database is not at the migration this server expects.",
        "Whoever runs the server migrates the database (migrate); retry afterwards.",
    ),
    "migration_error": (
        "A migration could not be applied, reverted or verified.",
        "Tell whoever runs the server; the detail names the migration.",
    ),
    "lock_timeout_error": (
        "Another writer held a lock (a model line, the migrations) for too long. Nothing "
        "was written.",
        "Retry after the Retry-After header's seconds.",
    ),
    "value_rejected_error": (
        "The database refused a value the registry let through: its type or its bytes.",
        "Send the value as the detail says; nothing was written.",
    ),
    "commit_outcome_unknown_error": (
        "The connection to the database was lost after the write was sent to be saved: "
        "the write may have been saved, or not. The server cannot tell which.",
        "Send the same request again with the same Idempotency-Key header: if the write "
        "was saved you get its first answer (with Idempotent-Replayed: true), otherwise it "
        "is made now. Without a key, read what you wrote (GET the model, the line or its "
        "history) before writing it again.",
    ),
    "idempotency_key_reused_error": (
        "The Idempotency-Key was already used, by the same token, for another request: "
        "another body or another route. A key stands for one request. Nothing was written.",
        "Send a new key with each new request; send a key again only to retry the very "
        "request it was first sent with.",
    ),
    "database_failure_error": (
        "The database failed in a way no other error names; the detail carries its words.",
        "Retry once; if it fails again, tell whoever runs the server.",
    ),
    "validation_error": (
        "The input breaks one or more rules. The answer's violations list every one, each "
        "with the path of the field it concerns.",
        "Correct every field the violations name and send the request again; nothing was written.",
    ),
    "query_value_error": (
        "A query parameter's value cannot be read: a time (at) that is not ISO 8601 or has "
        "no zone, say. The answer's violations name the parameter and say what it takes.",
        "Send the parameter as the violation says, e.g. at=2026-05-01T12:00Z.",
    ),
    "page_token_error": (
        "The paging cursor is not one this listing gave out, or it was given out for "
        "other filters or another order. The answer's violation names the parameter "
        "(page_token).",
        "Start again without the cursor, or follow the Link header (rel=next) of the page "
        "before, keeping the filters it was made with.",
    ),
    "metadata_validation_error": (
        "The model's metadata does not satisfy the metadata JSON Schema; the violations "
        "name each field.",
        "Correct the fields; GET /api/v1/schemas/model-metadata returns the schema.",
    ),
    "illegal_transition_error": (
        "The lifecycle does not allow this move (for example out of rejected, or promoting "
        "a superseded version). The answer's from_state and to_state say which move.",
        "A candidate can be promoted or rejected; a superseded version is promoted again "
        "by rolling its line back (POST .../rollback with to_version).",
    ),
    "promotion_gate_error": (
        "The evaluation gate refused the promotion; the answer's unmet_conditions list "
        "every condition the model does not meet (a metric below its threshold, a missing "
        "or unverified code pin).",
        'Fix the conditions, or promote anyway by sending {"override": true, "notes": '
        '"why"} in the body with a token holding the override scope: the override and its '
        "notes are kept in the history.",
    ),
}


def registry_error_classes() -> list[type[RegistryError]]:
    """Every error class the registry can raise, the root included."""
    return error_classes()


def problem_type(code: str) -> ProblemType | None:
    """What ``code`` means and what to do, or None when no answer carries it."""
    if code in HTTP_PROBLEMS:
        return HTTP_PROBLEMS[code]
    for kind in registry_error_classes():
        if kind.code() == code:
            meaning, remedy = REGISTRY_PROBLEMS.get(
                code, (kind.__doc__ or "", "Act on the detail.")
            )
            return ProblemType(kind.http_status, meaning, remedy)
    return None


def exit_code(code: str) -> int | None:
    """The command line's exit code for the same error, when the CLI can meet it."""
    return next((k.exit_code for k in registry_error_classes() if k.code() == code), None)


@problem_router.get("/problems/{code}", response_class=HTMLResponse)
def problem_page(code: str, request: Request) -> HTMLResponse:
    """The page a problem's ``type`` names; public, like the API reference."""
    found = problem_type(code)
    if found is None:
        error = NotFoundError(f"no error is called {code!r}; every answer's type names one")
        return page(request, "error.html", 404, error=error, title="Error")
    return page(
        request,
        "problem.html",
        title=code.replace("_", " "),
        code=code,
        problem=found,
        exit_code=exit_code(code),
    )
