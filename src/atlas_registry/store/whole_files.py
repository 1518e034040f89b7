"""Every file the registry reads or writes: a regular file, bounded, and written whole.

A path the registry is given (a registration, a policy, a model card, the
README.md a card replaces) may name a pipe, a device, a folder, or a link to
one: opening a pipe waits for a writer forever, ``/dev/zero`` never ends. Such
a file is refused with a sentence before a byte is read, and a regular file
is read only up to a limit (:func:`opened_regular`, :func:`read_bounded`).

A report is streamed from the database as it is written; if the database
fails half-way, or the process is stopped, writing in place would leave a
truncated file where the previous, complete one was. Each file is written
beside its target and moved into place only once complete.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from atlas_registry.documents import MAX_DOCUMENT_BYTES, document_too_large, parse_json
from atlas_registry.errors import InputError


def read_document(source: str) -> Any:
    """The JSON document in the file ``source``, or on standard input when it is ``-``.

    At most :data:`MAX_DOCUMENT_BYTES` are read, so a huge file is refused
    without being loaded whole; then :func:`parse_json` applies every limit.
    """
    if not source.strip():
        raise InputError("no file named: give a path, or - for standard input")
    if source != "-":
        return parse_json(read_bounded(source), source)
    try:
        raw = sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read standard input: {exc.strerror or exc}") from exc
    return parse_json(raw, "standard input")


def read_bounded(source: str) -> bytes:
    """The bytes of the file ``source``: at most :data:`MAX_DOCUMENT_BYTES`, else an error.

    Every file the registry is pointed at (a document, a policy, a model card)
    is read through here, so a file of gigabytes is refused after the limit
    instead of filling memory, a pipe, a device or a folder is refused before
    it is read (:func:`opened_regular`), and an empty path (an unset variable)
    is refused rather than read as the current folder.
    """
    if not source.strip():
        raise InputError("no file named: give the path of one")
    with opened_regular(source) as handle:
        raw = _read(handle, source, MAX_DOCUMENT_BYTES + 1)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise document_too_large(source)
    return raw


def read_start(source: str, size: int) -> bytes:
    """At most the first ``size`` bytes of the regular file ``source`` (as :func:`read_bounded`)."""
    with opened_regular(source) as handle:
        return _read(handle, source, size)


def _read(handle: BinaryIO, source: str, size: int) -> bytes:
    try:
        return handle.read(size)
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from exc


def opened_regular(source: str | Path) -> BinaryIO:
    """``source`` open for reading, refused with a sentence unless it is a regular file.

    A path may name, or be a link to, a pipe (opening one waits for a writer,
    forever), a device (``/dev/zero`` never ends, a terminal blocks) or a
    folder. So the path is looked at before it is opened and never opened
    when it is no regular file; a link to a regular file is followed, as any
    reader does. What it names may change in between: it is opened without
    waiting (``O_NONBLOCK``: a pipe cannot hang the open) and without
    becoming a terminal's reader (``O_NOCTTY``), and what was opened is
    checked again (``fstat``) before a byte is read.
    """
    try:
        _refuse_unreadable(source, Path(source).stat().st_mode)
        descriptor = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except (OSError, ValueError) as exc:  # ValueError: a path holding a NUL character
        raise InputError(f"cannot read {source}: {getattr(exc, 'strerror', None) or exc}") from exc
    try:
        _refuse_unreadable(source, os.fstat(descriptor).st_mode)
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _refuse_unreadable(source: str | Path, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise InputError(f"{source} is a folder: give the path of a file")
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{source} is not a regular file (a device, a pipe or a socket): "
            "give the path of a file"
        )


def read_text(source: str) -> str:
    """The UTF-8 text of the file ``source`` (a leading byte order mark dropped), bounded."""
    raw = read_bounded(source)
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source} is not UTF-8 text (byte {exc.start} cannot be decoded)"
        ) from exc


def target_file(path: str | Path) -> Path:
    """``path`` as a file to write, refused before any work when it cannot be one.

    A report is written after the backfill it describes, so a path that names
    a folder (``--report .``) or a device must be refused before the work, not
    after. A device is never replaced: written over, ``/dev/null`` would become
    a file.
    """
    if not str(path).strip():
        raise InputError("no file named: give the path of a file to write")
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target} is a folder: give the path of a file to write")
    if target.exists() and not target.is_file():
        raise InputError(
            f"{target} is not a regular file (a device, a pipe or a socket): "
            "give the path of a file to write"
        )
    return target


@contextmanager
def written_whole(target: Path) -> Iterator[TextIO]:
    """A text file to write; it replaces ``target`` when the block ends without an error."""
    target = target_file(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    partial = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        partial.chmod(0o666 & ~_umask())  # the mode a plain write makes, not mkstemp's 0600
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
