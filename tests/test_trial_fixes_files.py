"""A file's URI has one spelling: the same bytes are never listed twice under two."""

from __future__ import annotations

import pytest

from atlas_registry import ModelRegistration, Registry, ValidationError
from atlas_registry.catalog.file_entries import FileEntry
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
DIGEST = "ab" * 32


def _file(uri: str) -> dict[str, object]:
    return {"uri": uri, "sha256": DIGEST, "size_bytes": 12}


def _model(registry: Registry, files: list[dict[str, object]] | None = None) -> str:
    registration = ModelRegistration(
        title="AD risk", line="ad-risk", metadata=logistic_regression(), files=files, **PIN
    )
    return registry.register_model(registration).id


@pytest.mark.parametrize(
    "uri",
    [
        "file:///tmp/../etc/shadow",
        "file:///tmp/./weights.bin",
        "file:///tmp/%2E%2E/etc/shadow",
        "file:///models/..",
    ],
)
def test_a_file_uri_with_dot_segments_is_refused_not_resolved(registry: Registry, uri: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _model(registry, [_file(uri)])
    [problem] = refused.value.violations
    assert problem.path == "files[0].uri"
    assert "'.' or '..' path segment" in problem.message
    assert registry.list_models() == []  # nothing half-written
    _model(registry)
    with pytest.raises(ValidationError, match="path segment"):
        registry.add_file("ad-risk", _file(uri), actor="a")
    with pytest.raises(ValidationError, match="path segment"):
        registry.add_file("ad-risk", FileEntry(uri, DIGEST, 12), actor="a")


def test_scheme_and_host_case_are_one_spelling(registry: Registry) -> None:
    model = _model(registry, [_file("HTTPS://EXAMPLE.com/Models/m.bin")])
    assert [f.uri for f in registry.files(model)] == ["https://example.com/Models/m.bin"]
    again = registry.add_file(model, _file("https://Example.COM/Models/m.bin"), actor="a")
    assert not again.written  # the same entry, already listed
    assert registry.locate(model).uris == ["https://example.com/Models/m.bin"]
    # The path, and a bucket's name, keep their case: they may name other objects.
    other = registry.add_file(model, _file("https://example.com/models/m.bin"), actor="a")
    assert other.written
    bucket = registry.add_file(model, _file("S3://Lab-Models/m.bin"), actor="a")
    assert bucket.file.uri == "s3://Lab-Models/m.bin"


def test_one_location_twice_in_one_listing_is_refused(registry: Registry) -> None:
    files = [_file("file:///models/m.bin"), _file("FILE://localhost/models/m.bin")]
    with pytest.raises(ValidationError) as refused:
        _model(registry, files)
    assert refused.value.paths == ["files[1].uri"]
    assert "listed twice (as file:///models/m.bin)" in refused.value.violations[0].message


def test_another_spelling_with_another_digest_replaces_the_entry(
    registry: Registry, db_url: str
) -> None:
    model = _model(registry, [_file("https://example.com/m.bin")])
    fixed = registry.add_file(
        model, {**_file("HTTPS://EXAMPLE.COM/m.bin"), "sha256": "cd" * 32}, actor="a"
    )
    assert fixed.written
    assert fixed.file.replaces_id is not None
    assert [(f.uri, f.sha256) for f in registry.files(model)] == [
        ("https://example.com/m.bin", "cd" * 32)
    ]
    code, out, err = invoke("locate", model, "--db", db_url)
    assert (code, out) == (0, "https://example.com/m.bin\n"), err
