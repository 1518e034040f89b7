"""Hostile files: each refused, with a sentence, in bounded time.

Every file the registry reads is opened only when it is a regular file
(:func:`atlas_registry.store.whole_files.opened_regular`). The clocks here are
generous bounds on work that used to take minutes or never end, not
measurements: a refusal takes milliseconds.
"""

from __future__ import annotations

import os
import signal
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import (
    MAX_DOCUMENT_BYTES,
    ConfigurationError,
    InputError,
    ModelRegistration,
    Registry,
)
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

REVISION = "0123456789abcdef0123456789abcdef01234567"
HUB = "https://huggingface.co/example-lab/celltype-bert"
BOUND = 2.0  # seconds; each refusal below takes milliseconds; before, some never ended


class _Hung(BaseException):
    """The alarm's: no Exception, so no error boundary can turn it into an answer."""


@contextmanager
def _within(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging the run) when the block takes longer than ``seconds``."""

    def ring(signum: int, frame: Any) -> None:
        raise _Hung

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds * 5)  # the hard stop for a hang
    started = time.monotonic()
    hung = False
    try:
        yield
    except _Hung:
        hung = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if hung:  # failed outside the handler: the interrupted frame may be C code pytest cannot show
        pytest.fail(f"still running after {seconds * 5} s: it would never end", pytrace=False)
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s"


# ------------------------------------------------------------------- files that are no file


def _special(kind: str, path: Path) -> Path:
    """At ``path``: a pipe, a link to /dev/zero, a folder, or a file past the size limit."""
    if kind == "a pipe":
        os.mkfifo(path)
    elif kind == "a link to /dev/zero":
        path.symlink_to("/dev/zero")
    elif kind == "a folder":
        path.mkdir()
    else:
        with path.open("wb") as handle:  # sparse: no 16 MiB written
            handle.truncate(MAX_DOCUMENT_BYTES + 1)
    return path


SPECIAL = {
    "a pipe": "is not a regular file (a device, a pipe or a socket)",
    "a link to /dev/zero": "is not a regular file (a device, a pipe or a socket)",
    "a folder": "is a folder: give the path of a file",
    "a file past the limit": f"is over {MAX_DOCUMENT_BYTES:,} bytes",
}


STILL: dict[str, Callable[[Path], bool]] = {
    "a pipe": lambda path: stat.S_ISFIFO(path.lstat().st_mode),
    "a link to /dev/zero": Path.is_symlink,
    "a folder": Path.is_dir,
    "a file past the limit": lambda path: path.stat().st_size == MAX_DOCUMENT_BYTES + 1,
}


@pytest.mark.parametrize("kind", list(SPECIAL))
def test_files_that_are_no_regular_file_are_refused_unread(
    kind: str, registry: Registry, db_url: str, tmp_path: Path
) -> None:
    """`register FILE`, `--policy FILE` and `import card PATH` refuse each, quickly."""
    model = registry.register_model(ModelRegistration(title="a", metadata=logistic_regression()))
    card = _special(kind, tmp_path / "card.md")
    commands: list[tuple[list[str], int]] = [
        (["register", str(_special(kind, tmp_path / "registration.json"))], InputError.exit_code),
        (
            ["promote", model.id, "--policy", str(_special(kind, tmp_path / "gate.toml"))],
            ConfigurationError.exit_code,
        ),
        (
            ["import", "card", str(card), "--revision", REVISION, "--source-url", HUB],
            InputError.exit_code,
        ),
    ]
    folder = tmp_path / "card-folder"  # a folder whose README.md is the special file
    folder.mkdir()
    _special(kind, folder / "README.md")
    commands.append(
        (
            ["import", "card", str(folder), "--revision", REVISION, "--source-url", HUB],
            InputError.exit_code,
        )
    )
    for args, exit_code in commands:
        with _within(BOUND):
            code, _, err = invoke(*args, "--db", db_url)
        assert code == exit_code, (args, err)
        said = " ".join(err.split())
        if (
            kind == "a folder" and args[0] == "import" and args[2].endswith("card.md")
        ):  # a folder is where a card is
            assert f"no model card at {card / 'README.md'}" in said
        else:
            assert SPECIAL[kind] in said, (args, err)
    assert [m.id for m in registry.list_models()] == [model.id]


@pytest.mark.parametrize("kind", list(SPECIAL))
def test_card_out_refuses_a_readme_that_is_no_regular_file(
    kind: str, registry: Registry, db_url: str, tmp_path: Path
) -> None:
    model = registry.register_model(ModelRegistration(title="a", metadata=logistic_regression()))
    readme = _special(kind, tmp_path / "README.md")
    with _within(BOUND):
        code, _, err = invoke("card", model.id, "--out", str(tmp_path), "--db", db_url)
    assert code == InputError.exit_code
    said = " ".join(err.split())
    if kind == "a file past the limit":  # read only as far as a card's front matter
        assert "exists and is not a model card this registry wrote" in said
    else:
        assert f"{readme} {SPECIAL[kind].split(':')[0]}" in said
    assert STILL[kind](readme), "the file was replaced"


@pytest.mark.parametrize("kind", ["a pipe", "a link to /dev/zero"])
def test_a_readme_that_becomes_a_pipe_after_it_was_checked_is_not_read(
    kind: str, registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The look before the write and the read of the old card are apart; the read checks again."""
    from atlas_registry.interop import card_out

    model = registry.register_model(ModelRegistration(title="a", metadata=logistic_regression()))
    _special(kind, tmp_path / "README.md")
    checked: Callable[[Path], Path] = lambda path: Path(path)  # noqa: E731 (checked when it was a file)
    monkeypatch.setattr(card_out, "target_file", checked)
    with _within(BOUND), pytest.raises(InputError, match="is not a regular file"):
        registry.export_card(model.id, tmp_path)
