"""A model version's file as given: a URI, its size, its SHA-256 and its role, checked.

The registry stores where a model's bytes are and what they hash to, never the
bytes. A URI is stored text that `files verify` later opens, and `locate`
hands to a deployment, so it is held to more than text: a scheme from a short
list (so no ``javascript:`` or ``ftp:`` ever reaches a page or a loader), no
credentials (``user:pass@``, or a signed URL's token in its query: a listing is
readable by anyone who can read the model), a bounded length, and no control,
invisible format character or white space. Every problem is found at once,
with its path.

One location has one spelling (:func:`normal_uri`): the scheme and an
``https`` host are lower-cased and ``file://localhost/`` is ``file:///``, so
the same bytes cannot be listed twice and ``locate`` print both. A ``file://``
path with a ``.`` or ``..`` segment is refused rather than resolved: the
registry does not decide which file a path names, and ``/tmp/../etc/shadow``
is not a path to hand to a loader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from atlas_registry.errors import ValidationError, Violation, capped, under
from atlas_registry.schema.shown_text import FORMAT_CHARACTERS

# Where a model's bytes may be, by URI scheme. file, https and the object stores
# go through fsspec (S3, GCS and the Hub need their extra installed); runs:/,
# models:/, mlflow-artifacts:/ and dbfs:/ are MLflow's own, kept as imported.
SCHEMES = (
    "file",
    "https",
    "s3",
    "gs",
    "gcs",
    "hf",
    "az",
    "abfs",
    "runs",
    "models",
    "mlflow-artifacts",
    "dbfs",
)
ROLES = ("weights", "config", "tokenizer", "environment_lock", "other")
MAX_URI = 2048
MAX_NOTES = 2000
# A listed size fits a signed 64-bit column on both databases.
MAX_SIZE = 2**63 - 1
MAX_FILES_PER_CALL = 1000
SHA256 = re.compile(r"[0-9a-f]{64}")
_UNFIT = re.compile(f"[\x00-\x20\x7f-\x9f\u2028\u2029{FORMAT_CHARACTERS}]")
# Query parameters that carry a credential: a pre-signed S3 or GCS URL, a SAS token.
_SECRET_PARAMETERS = frozenset(
    {
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "x-goog-signature",
        "x-goog-credential",
        "signature",
        "sig",
        "token",
        "access_token",
        "api_key",
        "apikey",
        "key",
    }
)
FIELDS = ("uri", "sha256", "size_bytes", "role")


@dataclass(frozen=True)
class FileEntry:
    """One file of a version, as listed: ``sha256`` and ``size_bytes`` None when not known."""

    uri: str
    sha256: str | None = None
    size_bytes: int | None = None
    role: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "role": self.role,
        }


def uri_problems(uri: Any, path: str = "uri") -> list[Violation]:
    """Why ``uri`` cannot be listed as a file's location (empty when it can)."""
    if not isinstance(uri, str):
        return [Violation(path, "must be text (a URI such as s3://bucket/model.safetensors)")]
    if not uri:
        return [Violation(path, "must not be empty")]
    if len(uri) > MAX_URI:
        return [Violation(path, f"is too long ({len(uri)} characters; at most {MAX_URI})")]
    if _UNFIT.search(uri):
        return [
            Violation(
                path,
                "holds white space, a control character or an invisible format character: "
                "percent-encode it (%20 for a space)",
            )
        ]
    scheme, _, rest = uri.partition(":")
    scheme = scheme.lower()
    if not rest or scheme not in SCHEMES:
        return [
            Violation(
                path,
                f"must start with one of {', '.join(s + ':' for s in SCHEMES)} (got {uri[:60]!r})",
            )
        ]
    return _shape_problems(uri, scheme, path)


def _shape_problems(uri: str, scheme: str, path: str) -> list[Violation]:
    try:
        parts = urlsplit(uri)
        _ = parts.port  # a port that is no number raises here
    except ValueError as exc:
        return [Violation(path, f"is not a well-formed URI: {exc}")]
    if "@" in parts.netloc:
        return [
            Violation(
                path,
                "holds credentials (user:password@): give the location alone; the "
                "reader's own credentials (an AWS profile, a token) are used to read it",
            )
        ]
    secret = sorted(
        name
        for name, _ in parse_qsl(parts.query, keep_blank_values=True)
        if name.lower() in _SECRET_PARAMETERS
    )
    if secret:
        return [
            Violation(
                path,
                f"holds a credential in its query ({', '.join(secret)}): a signed URL "
                "expires and leaks; list the object's own location instead",
            )
        ]
    if scheme == "file" and (parts.netloc not in ("", "localhost") or parts.path[:1] != "/"):
        return [Violation(path, "must be an absolute local path: file:///folder/file")]
    if scheme == "file" and any(unquote(s) in (".", "..") for s in parts.path.split("/")):
        return [
            Violation(
                path,
                "has a '.' or '..' path segment, which the registry does not resolve: "
                f"give the path it means without them (got {capped(uri, 80)!r})",
            )
        ]
    if scheme == "https" and not parts.hostname:
        return [Violation(path, "must name a host: https://host/path")]
    if scheme in {"s3", "gs", "gcs", "hf", "az", "abfs"} and not parts.netloc:
        return [Violation(path, f"must name a bucket or repository: {scheme}://name/path")]
    return []


def normal_uri(uri: str) -> str:
    """``uri`` (one :func:`uri_problems` accepts) in its one spelling: scheme lower-cased,
    an ``https`` host lower-cased, ``file://localhost/`` written ``file:///``.

    Only what names the same place whatever the case: a bucket's or a
    repository's name and every path are kept as given.
    """
    scheme, _, rest = uri.partition(":")
    scheme = scheme.lower()
    if scheme == "https" and rest.startswith("//"):
        host = re.match(r"//[^/?#]*", rest)
        end = host.end() if host else 2
        rest = rest[:end].lower() + rest[end:]
    if scheme == "file" and rest[:12].lower() == "//localhost/":
        rest = "//" + rest[11:]
    return f"{scheme}:{rest}"


def _sha256_problems(value: Any, path: str) -> tuple[str | None, list[Violation]]:
    if value is None:
        return None, []
    if isinstance(value, str) and SHA256.fullmatch(value.lower()):
        return value.lower(), []
    shown = repr(value)[:80]
    return None, [Violation(path, f"must be a SHA-256 digest (64 hex characters), got {shown}")]


def _size_problems(value: Any, path: str) -> tuple[int | None, list[Violation]]:
    if value is None:
        return None, []
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SIZE:
        shown = repr(value)[:80]
        return None, [Violation(path, f"must be a whole number of bytes, 0 or more, got {shown}")]
    return value, []


def _role_problems(value: Any, path: str) -> list[Violation]:
    if value is None or value in ROLES:
        return []
    return [Violation(path, f"must be one of {', '.join(ROLES)}, got {repr(value)[:80]}")]


def checked_entry(
    given: Any, *, digest_required: bool = True
) -> tuple[FileEntry | None, list[Violation]]:
    """``given`` (a mapping of :data:`FIELDS`) as an entry, or every problem with its path.

    A listing made by a person or a pipeline must say what the bytes hash to
    (``digest_required``): an entry without a digest proves nothing. Only an
    importer whose source does not know the digest (MLflow's ``source``) lists
    one without.
    """
    if not isinstance(given, Mapping):
        return None, [Violation("$", "must be an object with uri, sha256, size_bytes and role")]
    problems = [
        Violation(str(key), f"is not a file field (allowed: {', '.join(FIELDS)})")
        for key in given
        if key not in FIELDS
    ]
    problems += uri_problems(given.get("uri"))
    sha256, found = _sha256_problems(given.get("sha256"), "sha256")
    problems += found
    size, found = _size_problems(given.get("size_bytes"), "size_bytes")
    problems += found
    problems += _role_problems(given.get("role"), "role")
    if digest_required:
        problems += [
            Violation(key, "is required")
            for key in ("sha256", "size_bytes")
            if given.get(key) is None
        ]
    if problems:
        return None, problems
    return FileEntry(normal_uri(given["uri"]), sha256, size, given.get("role")), []


def checked_entries(given: Any, path: str = "files") -> tuple[list[FileEntry], list[Violation]]:
    """A list of file entries (a registration's ``files``), or every problem under ``path``."""
    if given is None:
        return [], []
    if not isinstance(given, Sequence) or isinstance(given, str | bytes):
        return [], [Violation(path, "must be a list of files ({uri, sha256, size_bytes, role})")]
    if len(given) > MAX_FILES_PER_CALL:
        return [], [Violation(path, f"lists {len(given)} files; at most {MAX_FILES_PER_CALL}")]
    entries, problems = [], []
    seen: set[str] = set()
    for index, item in enumerate(given):
        entry, found = checked_entry(item)
        problems += [under(f"{path}[{index}]", v) for v in found]
        if entry is None:
            continue
        if entry.uri in seen:
            problems.append(
                Violation(f"{path}[{index}].uri", f"is listed twice (as {capped(entry.uri, 80)})")
            )
        seen.add(entry.uri)
        entries.append(entry)
    return entries, problems


def require_entry(given: Mapping[str, Any]) -> FileEntry:
    """:func:`checked_entry`, raising :class:`ValidationError` with every problem."""
    entry, problems = checked_entry(given)
    if entry is None:
        raise ValidationError("the file entry is invalid", problems)
    return entry


def notes_problems(notes: Any) -> list[Violation]:
    if notes is None:
        return []
    if not isinstance(notes, str) or len(notes) > MAX_NOTES or "\x00" in notes:
        return [Violation("notes", f"must be text of at most {MAX_NOTES} characters")]
    return []
