"""Proving a listed file is what its listing says: re-read it, hash it, compare.

`files verify` opens each listed URI through fsspec (``file://`` through the
registry's own regular-file opener, so a listing cannot point it at a pipe or
a device), streams the bytes in chunks (memory stays one chunk however large
the weights), and never reads more than the listed size and one byte: a file
that grew is a mismatch without reading on. Network reads time out. Every
outcome is appended to ``model_file_checks``:

- ``passed``: the size and the SHA-256 are the listed ones;
- ``mismatch``: either differs (the bytes at the URI are not the model);
- ``unreachable``: nothing could be read (with the reader's short error: a
  missing object, a timeout, an fsspec extra not installed, an MLflow URI);
- ``unpinned``: read, but the entry has no digest to compare (an MLflow
  version's ``source``); what was found is recorded, and listing the file
  with that digest (`files add`) pins it.

Checks are made outside any transaction (a slow store holds no lock) and
recorded a page at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from atlas_registry.catalog.model_files import FileCheck, ModelFile, record_checks
from atlas_registry.store.db import Database, utc_timestamp
from atlas_registry.store.whole_files import opened_regular

CHUNK = 1 << 20
DEFAULT_TIMEOUT = 30.0
# With no listed size, reading stops here: a listing cannot make a check read forever.
MAX_UNLISTED_BYTES = 1 << 40
# MLflow's own URIs name a run or a model inside a tracking server, not bytes fsspec reads.
MLFLOW_SCHEMES = frozenset({"runs", "models", "mlflow-artifacts", "dbfs"})
_EXTRAS = {"s3": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}
MAX_DETAIL = 300


@dataclass(frozen=True)
class Found:
    """What reading a URI gave: its size and digest, or why it could not be read."""

    size: int | None = None
    sha256: str | None = None
    error: str | None = None
    larger_than: int | None = None  # the read stopped: more bytes than this were there


def _said(error: BaseException) -> str:
    text = " ".join(str(error).split()) or "no message"
    return f"{type(error).__name__}: {text}"


def _short(error: BaseException) -> str:
    """The error and what caused it (a reader wraps a timeout as "not found"), cut short."""
    said, cause = _said(error), error.__cause__
    if cause is not None:
        said += f" (caused by {_said(cause)})"
    return said[:MAX_DETAIL]


def _local_path(uri: str) -> str:
    return unquote(urlsplit(uri).path)


def _opened(uri: str, timeout: float) -> AbstractContextManager[Any]:
    """``uri`` open for reading bytes; raises whatever the reader raises."""
    scheme = uri.partition(":")[0].lower()
    if scheme == "file":
        return opened_regular(_local_path(uri))
    import fsspec  # imported when a remote file is read: `list` should not load it

    if scheme in ("https", "http"):
        import aiohttp

        limits = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        https = fsspec.filesystem(
            "https", skip_instance_cache=True, client_kwargs={"timeout": limits}
        )
        return nullcontext(https.open(uri, "rb", block_size=0))  # streamed, not cached whole
    options: dict[str, Any] = {}
    if scheme == "s3":
        options["config_kwargs"] = {"connect_timeout": timeout, "read_timeout": timeout}
    return nullcontext(fsspec.open(uri, "rb", **options).open())


def _digest(handle: BinaryIO, limit: int) -> Found:
    hasher, size = hashlib.sha256(), 0
    while True:
        chunk = handle.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            return Found(size, hasher.hexdigest())
        size += len(chunk)
        if size > limit:
            return Found(larger_than=limit)
        hasher.update(chunk)


def read_uri(uri: str, listed_size: int | None, timeout: float = DEFAULT_TIMEOUT) -> Found:
    """The size and SHA-256 of the bytes at ``uri``, or the reason they could not be read."""
    scheme = uri.partition(":")[0].lower()
    if scheme in MLFLOW_SCHEMES:
        return Found(
            error=f"{scheme}: URIs name an object inside an MLflow server, which fsspec "
            "cannot read: list the artifact's storage URI (s3://, gs://, file://) with its digest"
        )
    limit = MAX_UNLISTED_BYTES if listed_size is None else listed_size
    try:
        with _opened(uri, timeout) as handle:
            return _digest(handle, limit)
    except ImportError as exc:
        extra = _EXTRAS.get(scheme, exc.name or "the fsspec extra")
        return Found(error=f"cannot read {scheme}: URIs here: install {extra} ({_short(exc)})")
    except Exception as exc:  # a store's reader raises its own classes: each is an outcome
        return Found(error=_short(exc))


def outcome(listed: ModelFile, found: Found) -> tuple[str, str]:
    """The verdict on ``listed`` given what was ``found``, and the sentence that says why."""
    if found.error is not None:
        return "unreachable", found.error
    if found.larger_than is not None:
        return "mismatch", f"more than the listed {found.larger_than} bytes are there"
    if listed.sha256 is None:
        return "unpinned", (
            f"listed without a digest; found {found.size} bytes, sha256 {found.sha256}: "
            "`files add` with that digest pins it"
        )
    wrong = []
    if listed.size_bytes is not None and found.size != listed.size_bytes:
        wrong.append(f"size {found.size} bytes, listed {listed.size_bytes}")
    if found.sha256 != listed.sha256:
        wrong.append(f"sha256 {found.sha256}, listed {listed.sha256}")
    if wrong:
        return "mismatch", "; ".join(wrong)
    return "passed", f"{found.size} bytes, sha256 as listed"


def check_row(listed: ModelFile, actor: str, timeout: float) -> dict[str, Any]:
    """Read ``listed`` and return the ``model_file_checks`` row of the outcome."""
    found = read_uri(listed.uri, listed.size_bytes, timeout)
    status, detail = outcome(listed, found)
    return {
        "file_id": listed.id,
        "artifact_id": listed.model_id,
        "checked_at": utc_timestamp(),
        "status": status,
        "size_found": found.size,
        "sha256_found": found.sha256,
        "detail": detail,
        "checked_by": actor,
    }


def verify_and_record(
    db: Database,
    pages: Iterable[list[ModelFile]],
    actor: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    on_checked: Callable[[int], None] | None = None,
) -> list[FileCheck]:
    """Check every file of ``pages`` and append each outcome, a page per transaction."""
    recorded: list[FileCheck] = []
    for page in pages:
        rows = [check_row(listed, actor, timeout) for listed in page]
        recorded += record_checks(db, rows)
        if on_checked is not None:
            on_checked(len(rows))
    return recorded
