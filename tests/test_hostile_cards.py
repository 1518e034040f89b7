"""Hostile model cards and hostile files: each refused, with a sentence, in bounded time.

A card's YAML is read with its work bounded before the parser gets far
(:mod:`atlas_registry.interop.card_front_matter`); every file the registry
reads is opened only when it is a regular file
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
    ValidationError,
    parse_json,
)
from atlas_registry.interop import card_front_matter
from atlas_registry.interop.card_front_matter import (
    MAX_FRONT_MATTER_BYTES,
    MAX_FRONT_MATTER_NODES,
    read_front_matter,
)
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

REVISION = "0123456789abcdef0123456789abcdef01234567"
HUB = "https://huggingface.co/example-lab/celltype-bert"
# Seconds of this process's CPU time: each refusal below takes milliseconds, and
# took minutes before. CPU time, not the clock: the work the reader does is what
# must stay bounded, and a loaded machine stretches the clock, not the work.
BOUND = 2.0


class _Hung(BaseException):
    """The alarm's: no Exception, so no error boundary can turn it into an answer."""


@contextmanager
def _within(seconds: float) -> Iterator[None]:
    """Fail when the block uses more than ``seconds`` of CPU, or hangs (5x that on the clock)."""

    def ring(signum: int, frame: Any) -> None:
        raise _Hung

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds * 5)  # the hard stop for a hang
    started = time.process_time()
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
    used = time.process_time() - started
    assert used < seconds, f"took {used:.1f} s of CPU"


def _card(front: str) -> str:
    return f"---\n{front}\n---\n# A card\n"


def _laughs() -> str:
    """The billion laughs: each line ten aliases of the line above."""
    layers = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for below, name in zip("abcdefgh", "bcdefghi", strict=True):
        layers.append(f"{name}: &{name} [{', '.join([f'*{below}'] * 10)}]")
    return "\n".join(layers)


# Each shape: the front matter, the error it is refused with, and words the refusal holds.
HOSTILE: dict[str, tuple[str, type[Exception], str]] = {
    # libyaml meets its own cap (1,000 levels) first: refused as the registry's own check does.
    "an open flow sequence 10,000 deep": (
        "a: " + "[" * 10_000,
        ValidationError,
        "nests deeper than 64 levels (at line 2)",
    ),
    "40 KB of nested flow sequences, many branches": (
        "a: [" + "[[[[[[[[[[[[x]]]]]]]]]]]]," * 1_600 + "x]",
        ValidationError,
        f"more than {MAX_FRONT_MATTER_NODES:,} values",
    ),
    "26 KB of nested flow sequences, read to the end": (
        "a: [" + "[[[[[[[[[[[[x]]]]]]]]]]]]," * 1_000 + "x]",
        ValidationError,
        "cannot be registered as it is",
    ),
    "flow sequences 70 deep, closed, in many branches": (
        "a: [" + ("[" * 70 + "x" + "]" * 70 + ",") * 280 + "x]",
        ValidationError,
        "nests deeper than 64 levels (at line 2)",
    ),
    "flow mappings 40,000 deep": ("a: " + "{a: " * 10_000, ValidationError, "nested too deeply"),
    "block mappings 300 deep": (
        "".join(" " * i + "a:\n" for i in range(300)) + " " * 300 + "x",
        ValidationError,
        "nests deeper than 64 levels (at line 66)",
    ),
    "a flat list of 30,000 values": (
        "a: [" + ", ".join(["1"] * 30_000) + "]",
        ValidationError,
        f"more than {MAX_FRONT_MATTER_NODES:,} values",
    ),
    "a front matter past the size limit": (
        "a: '" + "x" * MAX_FRONT_MATTER_BYTES + "'",
        InputError,
        f"is over {MAX_FRONT_MATTER_BYTES:,} bytes",
    ),
    "the billion laughs": (_laughs(), ValidationError, "uses a YAML alias (*name) at line 3"),
    "a key named twice": ("a: 1\nb: 2\na: 3", ValidationError, "a: is given 2 times"),
    "a list, not a mapping": ("- a\n- b", ValidationError, "must be a mapping of keys to values"),
    "a key that is not text": ("1: x", ValidationError, "has keys that are not text (1)"),
}


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Import the Hub's card classes once, so the clocks time reading, not importing."""
    from huggingface_hub import ModelCardData

    read_front_matter(_card("license: mit"), "warm-up")
    ModelCardData(license="mit")


def test_hostile_front_matter_is_refused_in_bounded_time(
    registry: Registry, tmp_path: Path
) -> None:
    """Cards that took 30-100 s to refuse (nested flow sequences) now take milliseconds."""
    card = tmp_path / "README.md"
    for name, (front, error, words) in HOSTILE.items():
        card.write_text(_card(front), "utf-8")
        with _within(BOUND), pytest.raises(error) as refused:
            registry.import_card(str(card), revision=REVISION, source_url=HUB)
        assert words in str(refused.value), name
        assert str(card) in str(refused.value), name
    assert registry.list_models() == []


def test_without_libyaml_the_nesting_is_still_capped_before_it_is_scanned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PyYAML's pure reader is quadratic in flow nesting; it is stopped at the limit."""
    monkeypatch.setattr(card_front_matter, "_FAST", None)
    for name in ("an open flow sequence 10,000 deep", "flow mappings 40,000 deep"):
        front, _, _ = HOSTILE[name]
        with _within(BOUND), pytest.raises(ValidationError) as refused:
            read_front_matter(_card(front), "card")
        assert refused.value.violations[0].message == "nests deeper than 64 levels (at line 2)"
    assert read_front_matter(_card("a: [[1, 2], {b: c}]"), "card") == {"a": [[1, 2], {"b": "c"}]}


def test_a_large_honest_front_matter_is_still_read_quickly() -> None:
    """150 results of 10 metrics (an embedding model's benchmark card) read within the bound."""
    results = []
    for i in range(150):
        metrics = "".join(f"    - type: metric_{j}\n      value: {i}.{j}5\n" for j in range(10))
        results.append(
            f"  - task:\n      type: Retrieval\n    dataset:\n      name: Task {i}\n"
            f"      type: org/task{i}\n      split: test\n    metrics:\n{metrics}"
        )
    front = "tags:\n- mteb\nmodel-index:\n- name: m\n  results:\n" + "".join(results)
    with _within(BOUND):
        read = read_front_matter(_card(front), "card")
    assert read is not None
    assert len(read["model-index"][0]["results"]) == 150


def test_duplicate_keys_are_refused_naming_each_key_and_its_lines(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    """As a JSON document's are: YAML readers keep the last value without a word."""
    card = tmp_path / "README.md"
    card.write_text(
        "---\n"
        "license: mit\n"
        "model-index:\n"
        "- name: m\n"
        "  results:\n"
        "  - metrics:\n"
        "    - type: accuracy\n"
        "      value: 0.9\n"
        "      value: 0.99\n"
        "license: apache-2.0\n"
        "---\n# x\n",
        "utf-8",
    )
    with pytest.raises(ValidationError) as refused:
        registry.import_card(str(card), revision=REVISION, source_url=HUB)
    assert str(refused.value).startswith(f"the front matter of {card} names a key more than once")
    assert {(v.path, v.message) for v in refused.value.violations} == {
        ("license", "is given 2 times (line 2: mit, line 10: apache-2.0); name it once"),
        (
            "model-index[0].results[0].metrics[0].value",
            "is given 2 times (line 8: 0.9, line 9: 0.99); name it once",
        ),
    }
    code, _, err = invoke(
        "import", "card", str(card), "--revision", REVISION, "--source-url", HUB, "--db", db_url
    )
    assert code == ValidationError.exit_code
    assert "license: is given 2 times (line 2: mit, line 10: apache-2.0)" in err
    assert registry.list_models() == []


def test_a_front_matter_that_is_not_closed_or_not_yaml_is_refused(tmp_path: Path) -> None:
    for text, words in [
        ("---\nlicense: mit\n# x\n", "is not closed: end it with a line of ---"),
        ("---\nlicense: [mit\n---\n# x\n", "cannot be read: while parsing a flow sequence"),
    ]:
        with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
            read_front_matter(text, "card")
    assert read_front_matter("# no front matter\n", "card") is None
    assert read_front_matter("---\n---\n# the Hub reads no front matter\n", "card") is None
    assert read_front_matter("---\n\n---\n# empty\n", "card") == {}


# Refused alike, as a JSON document is (parse_json): text that cannot be read at all is an
# InputError, and a readable document that breaks a rule is a ValidationError.
UNREADABLE = {
    "a front matter past the size limit": HOSTILE["a front matter past the size limit"][0],
    "not YAML": "license: [mit",
}
JSON_COUNTERPARTS: dict[str, tuple[str, type[Exception]]] = {
    "nested too deeply": ("[" * 100 + "]" * 100, ValidationError),
    "a key named twice": ('{"a": 1, "a": 2}', ValidationError),
    "not JSON": ('{"a": [1}', InputError),
    "too large": (" " * (MAX_DOCUMENT_BYTES + 1), InputError),
}


def test_every_refusal_of_a_front_matter_exits_as_a_json_documents_does(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    """One kind of refusal, one exit code, whichever check caught it (libyaml's own nesting cap
    or the registry's, an alias or a key named twice): as parse_json refuses JSON."""
    for name, (text, error) in JSON_COUNTERPARTS.items():
        with pytest.raises(error):
            parse_json(text, name)
    card = tmp_path / "README.md"
    shapes = {name: (front, error) for name, (front, error, _) in HOSTILE.items()}
    shapes |= {name: (front, InputError) for name, front in UNREADABLE.items()}
    exits = {}
    for name, (front, _) in shapes.items():
        card.write_text(_card(front), "utf-8")
        code, _, err = invoke(
            "import", "card", str(card), "--revision", REVISION, "--source-url", HUB, "--db", db_url
        )
        exits[name] = code
        assert err.strip(), name
    refused_for_a_rule = {name for name, (_, error) in shapes.items() if error is ValidationError}
    assert {exits[name] for name in refused_for_a_rule} == {ValidationError.exit_code}
    assert {exits[name] for name in set(exits) - refused_for_a_rule} == {InputError.exit_code}
    assert len(refused_for_a_rule) == len(HOSTILE) - 1  # every shape but the size
    assert registry.list_models() == []


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


@pytest.mark.parametrize("kind", ["a pipe", "a link to /dev/zero", "a file past the limit"])
def test_card_out_refuses_a_folder_that_is_no_folder(
    kind: str, registry: Registry, db_url: str, tmp_path: Path
) -> None:
    """`--out` names the folder to write README.md in; a pipe or a file there is no folder."""
    model = registry.register_model(ModelRegistration(title="a", metadata=logistic_regression()))
    out = _special(kind, tmp_path / "out")
    with _within(BOUND):
        code, _, err = invoke("card", model.id, "--out", str(out), "--db", db_url)
    assert code == InputError.exit_code
    assert f"{out} is not a folder (it is a file, a device or a pipe)" in " ".join(err.split())
    assert STILL[kind](out)


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
