"""The client has every verb of the library, or says why not; and it is light to import."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from atlas_registry import Registry, RegistryVerbs, RemoteRegistry
from atlas_registry.client import LOCAL_ONLY


def _verbs(kind: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(kind) if not name.startswith("_")}


def test_every_public_verb_of_the_library_is_a_remote_verb_or_listed_local_only() -> None:
    missing = _verbs(Registry) - _verbs(RemoteRegistry) - set(LOCAL_ONLY)
    assert missing == set(), "add them to RemoteRegistry, or to LOCAL_ONLY saying why"
    assert set(LOCAL_ONLY) <= _verbs(Registry), "LOCAL_ONLY names a verb the library lacks"
    assert set(LOCAL_ONLY) & _verbs(RemoteRegistry) == set(), "a verb both listed and served"
    assert all(reason.strip() for reason in LOCAL_ONLY.values())


def test_the_remote_verbs_take_the_librarys_arguments() -> None:
    """Same names, same parameters (a remote verb may add keyword options of its own)."""
    for name in _verbs(RemoteRegistry) & _verbs(Registry):
        local, remote = getattr(Registry, name), getattr(RemoteRegistry, name)
        if not callable(local):
            continue
        theirs = list(inspect.signature(local).parameters)
        ours = list(inspect.signature(remote).parameters)
        assert ours[: len(theirs)] == theirs, name


def both_satisfy_the_protocol(local: Registry, remote: RemoteRegistry) -> list[RegistryVerbs]:
    """Checked by mypy, not run: each registry is a RegistryVerbs."""
    return [local, remote]


@pytest.mark.slow  # a new interpreter
def test_using_the_client_loads_neither_sqlalchemy_nor_fastapi() -> None:
    probe = """
import sys, httpx2
import atlas_registry
from atlas_registry import connect
from atlas_registry.client import RemoteRegistry, Session
record = {"id": "m-1", "metadata": {}, "title": "t"}
def answer(request):
    return httpx2.Response(404, json={"code": "not_found_error", "detail": "no m-9"})
remote = connect("http://registry.test")
session = Session("http://registry.test", transport=httpx2.MockTransport(answer))
try:
    RemoteRegistry(session).get_model("m-9")
except atlas_registry.NotFoundError:
    pass
print(",".join(m for m in ("sqlalchemy", "fastapi", "starlette", "psycopg") if m in sys.modules))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
