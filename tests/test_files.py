"""A version's files: listed at registration or later, never rewritten, verified, located.

Every test runs on SQLite and PostgreSQL through the library or the CLI.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry import (
    ConstraintViolationError,
    GatePolicy,
    ModelRegistration,
    NotFoundError,
    PromotionGateError,
    Registry,
    SchemaAdmin,
    ValidationError,
)
from atlas_registry.store.db import Database
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
WEIGHTS = b"\x00weights\xff" * 1000


@pytest.fixture
def registry(migrated_url: str) -> Iterator[Registry]:
    with Registry.open(migrated_url) as opened:
        yield opened


@pytest.fixture
def weights(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "model dir" / "weights.bin"
    path.parent.mkdir()
    path.write_bytes(WEIGHTS)
    uri = path.as_uri()  # the space is percent-encoded
    return {"uri": uri, "sha256": hashlib.sha256(WEIGHTS).hexdigest(), "size_bytes": len(WEIGHTS)}


def _register(registry: Registry, **fields: Any) -> str:
    registration = ModelRegistration(
        title="AD risk", line="ad-risk", metadata=logistic_regression(), **PIN, **fields
    )
    return registry.register_model(registration).id


def test_files_listed_at_registration_are_shown_and_located(
    registry: Registry, weights: dict[str, Any]
) -> None:
    config = {"uri": "s3://lab-models/ad-risk/config.json", "sha256": "A" * 64, "size_bytes": 12}
    model_id = _register(registry, files=[{**weights, "role": "weights"}, config])
    listed = registry.files("ad-risk@1")
    assert [(f.uri, f.role, f.origin) for f in listed] == [
        (weights["uri"], "weights", "registration"),
        (config["uri"], None, "registration"),
    ]
    assert listed[1].sha256 == "a" * 64  # stored lower-case: one spelling per digest
    assert all(f.verification == "not_checked" and f.model_id == model_id for f in listed)
    assert registry.locate("ad-risk@latest").uris == [weights["uri"], config["uri"]]


@pytest.mark.parametrize(
    ("entry", "path", "says"),
    [
        ({"uri": 7}, "files[0].uri", "must be text"),
        ({"uri": "https://h/w\u202egnp.exe"}, "files[0].uri", "control character"),
        ({"uri": "ftp://host/w.bin"}, "files[0].uri", "must start with one of"),
        ({"uri": "javascript:alert(1)"}, "files[0].uri", "must start with one of"),
        ({"uri": "https://user:secret@host/w.bin"}, "files[0].uri", "credentials"),
        ({"uri": "https://host/w.bin?X-Amz-Signature=ab"}, "files[0].uri", "credential"),
        ({"uri": "s3://bucket/w\x1b[2J.bin"}, "files[0].uri", "control character"),
        ({"uri": "s3://bucket/" + "w" * 3000}, "files[0].uri", "too long"),
        ({"uri": "file://relative/w.bin"}, "files[0].uri", "absolute local path"),
        ({"sha256": "abc"}, "files[0].sha256", "SHA-256"),
        ({"sha256": None}, "files[0].sha256", "is required"),
        ({"size_bytes": -1}, "files[0].size_bytes", "whole number"),
        ({"size_bytes": True}, "files[0].size_bytes", "whole number"),
        ({"size_bytes": "12"}, "files[0].size_bytes", "whole number"),
        ({"role": "<b>weights</b>"}, "files[0].role", "must be one of"),
        ({"colour": "red"}, "files[0].colour", "not a file field"),
    ],
)
def test_a_bad_file_entry_refuses_the_whole_registration(
    registry: Registry, weights: dict[str, Any], entry: dict[str, Any], path: str, says: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _register(registry, files=[{**weights, **entry}])
    assert any(v.path == path and says in v.message for v in refused.value.violations), (
        refused.value.violations
    )
    assert registry.list_models() == []  # nothing half-written


def test_the_same_uri_twice_in_one_registration_is_refused(
    registry: Registry, weights: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as refused:
        _register(registry, files=[weights, weights])
    assert [v.path for v in refused.value.violations] == ["files[1].uri"]


def test_files_must_be_a_list(registry: Registry) -> None:
    with pytest.raises(ValidationError) as refused:
        _register(registry, files=7)
    assert [v.path for v in refused.value.violations] == ["files"]


def test_adding_the_same_uri_replaces_the_entry_and_keeps_the_old_one(
    registry: Registry, weights: dict[str, Any]
) -> None:
    model_id = _register(registry, files=[weights])
    again = registry.add_file("ad-risk", weights, actor="pipeline")
    assert not again.written  # a retried add writes nothing
    fixed = registry.add_file(
        "ad-risk", {**weights, "role": "weights"}, actor="pipeline", notes="role was missing"
    )
    assert fixed.written
    assert fixed.file.replaces_id == again.file.id
    assert [f.role for f in registry.files(model_id)] == ["weights"]
    every = registry.files(model_id, replaced=True)
    assert [(f.id, f.role) for f in every] == [(again.file.id, None), (fixed.file.id, "weights")]
    assert every[1].added_by == "pipeline"
    assert every[1].notes == "role was missing"


def test_a_wrong_uri_is_replaced_by_naming_its_entry(
    registry: Registry, weights: dict[str, Any]
) -> None:
    model_id = _register(registry, files=[{**weights, "uri": "s3://typo/w.bin"}])
    wrong = registry.files(model_id)[0]
    registry.add_file(model_id, weights, actor="a", replaces=wrong.id)
    assert registry.locate(model_id).uris == [weights["uri"]]
    with pytest.raises(ValidationError, match="already replaced"):
        registry.add_file(model_id, {**weights, "uri": "s3://x/y"}, actor="a", replaces=wrong.id)
    other = _register(registry)
    with pytest.raises(NotFoundError, match="lists no file"):
        registry.add_file(other, weights, actor="a", replaces=wrong.id)


def test_a_file_added_later_needs_its_digest_and_size(registry: Registry) -> None:
    model_id = _register(registry)
    with pytest.raises(ValidationError) as refused:
        registry.add_file(model_id, {"uri": "s3://b/w.bin"}, actor="a")
    assert sorted(v.path for v in refused.value.violations) == ["sha256", "size_bytes"]
    with pytest.raises(NotFoundError):
        registry.add_file(
            "no-such-model", {"uri": "s3://b/w", "sha256": "a" * 64, "size_bytes": 1}, actor="a"
        )


def test_the_database_refuses_to_rewrite_a_listed_file(
    registry: Registry, weights: dict[str, Any]
) -> None:
    _register(registry, files=[weights])
    database: Database = registry.database
    for statement in ("UPDATE model_files SET sha256 = NULL", "DELETE FROM model_files"):
        with pytest.raises(ConstraintViolationError), database.transaction(write=True) as conn:
            conn.execute(text(statement))
    assert registry.files("ad-risk")[0].sha256 == weights["sha256"]


def test_verify_records_passed_mismatch_and_unreachable(
    registry: Registry, weights: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "other.bin").write_bytes(b"x" * len(WEIGHTS))
    listed = [
        weights,
        {**weights, "uri": (tmp_path / "other.bin").as_uri()},  # same size, other bytes
        {**weights, "uri": (tmp_path / "gone.bin").as_uri()},
        {**weights, "uri": "file:///dev/zero"},  # a device is never read
        {**weights, "uri": (tmp_path / "model dir").as_uri()},  # nor a folder
    ]
    model_id = _register(registry, files=listed)
    checks = registry.verify_files(["ad-risk"], actor="operator")
    assert [c.status for c in checks] == [
        "passed",
        "mismatch",
        "unreachable",
        "unreachable",
        "unreachable",
    ]
    assert checks[0].sha256_found == weights["sha256"]
    assert checks[0].size_found == len(WEIGHTS)
    assert "sha256" in checks[1].detail
    assert checks[1].sha256_found != weights["sha256"]
    assert "No such file" in checks[2].detail
    assert "not a regular file" in checks[3].detail
    assert "folder" in checks[4].detail
    assert [f.verification for f in registry.files(model_id)] == [c.status for c in checks]
    assert [c.id for c in registry.file_checks(model_id)] == sorted(
        (c.id for c in checks), reverse=True
    )


def test_a_file_that_grew_is_a_mismatch_read_no_further(
    registry: Registry, weights: dict[str, Any], tmp_path: Path
) -> None:
    _register(registry, files=[{**weights, "size_bytes": 10}])
    (check,) = registry.verify_files(["ad-risk"], actor="operator")
    assert check.status == "mismatch"
    assert "more than the listed 10 bytes" in check.detail


def test_verify_promoted_checks_only_promoted_versions(
    registry: Registry, weights: dict[str, Any]
) -> None:
    promoted = _register(registry, files=[weights])
    registry.promote(promoted, actor="a")
    _register(registry, files=[{**weights, "uri": "s3://b/candidate.bin"}])
    checks = registry.verify_files(promoted_only=True, actor="nightly")
    assert [(c.model_id, c.status) for c in checks] == [(promoted, "passed")]
    with pytest.raises(ValidationError):
        registry.verify_files(actor="nobody")  # neither versions nor promoted_only


def test_the_gate_can_require_verified_files(
    registry: Registry, weights: dict[str, Any], tmp_path: Path
) -> None:
    registry.policy = GatePolicy(require_verified_files=True)
    bare = _register(registry)
    with pytest.raises(PromotionGateError) as refused:
        registry.promote(bare, actor="a")
    assert any(v.path == "files" for v in refused.value.violations)

    model_id = _register(registry, files=[weights])
    with pytest.raises(PromotionGateError, match="unmet") as refused:
        registry.promote(model_id, actor="a")
    assert "never been verified" in str(refused.value.violations)

    Path(weights["uri"].removeprefix("file://").replace("%20", " ")).write_bytes(b"tampered")
    registry.verify_files([model_id], actor="operator")
    with pytest.raises(PromotionGateError) as refused:
        registry.promote(model_id, actor="a")
    assert "mismatch" in str(refused.value.violations)

    Path(weights["uri"].removeprefix("file://").replace("%20", " ")).write_bytes(WEIGHTS)
    registry.verify_files([model_id], actor="operator")
    assert registry.promote(model_id, actor="a").events[-1].to_state == "promoted"


def test_without_the_rule_the_gate_ignores_files(
    registry: Registry, weights: dict[str, Any]
) -> None:
    model_id = _register(registry, files=[{**weights, "uri": "s3://gone/w.bin"}])
    assert registry.promote(model_id, actor="a").events[-1].to_state == "promoted"


def test_locate_a_version_with_no_files_says_so(registry: Registry) -> None:
    _register(registry)
    with pytest.raises(NotFoundError, match="lists no files"):
        registry.locate("ad-risk@latest")


def test_going_down_past_0024_is_refused_while_files_are_listed(
    migrated_url: str, weights: dict[str, Any]
) -> None:
    with Registry.open(migrated_url) as registry:
        model_id = _register(registry, files=[weights])
        registry.verify_files([model_id], actor="operator")
    with SchemaAdmin.open(migrated_url) as admin:
        below = max(m.number for m in admin.status() if m.number < 24)
        with pytest.raises(Exception, match="model_files") as refused:
            admin.downgrade(below)
        assert "model_file_checks" in str(refused.value)
        assert max(m.number for m in admin.status() if m.status == "applied") >= 24
    with Registry.open(migrated_url) as registry:
        assert registry.files(model_id)[0].verification == "passed"  # nothing lost


def test_down_and_up_again_keeps_every_other_fact(migrated_url: str) -> None:
    with Registry.open(migrated_url) as registry:
        model_id = _register(registry)
        before = registry.get_model(model_id).to_dict()
    with SchemaAdmin.open(migrated_url) as admin:
        below = max(m.number for m in admin.status() if m.number < 24)
        admin.downgrade(below, discard=["registry_events"])  # rebuilt, renumbered (0026)
        admin.migrate()
    with Registry.open(migrated_url) as registry:
        assert registry.get_model(model_id).to_dict() == before
        assert registry.files(model_id) == []


# ------------------------------------------------------------ the command line


def test_cli_add_list_verify_show_and_locate(
    migrated_url: str, weights: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_REGISTRY_DB", migrated_url)
    with Registry.open(migrated_url) as registry:
        _register(registry)
    code, out, err = invoke(
        "files", "add", "ad-risk", "--uri", weights["uri"], "--sha256", weights["sha256"],
        "--size", str(weights["size_bytes"]), "--role", "weights", "--actor", "ci",
    )  # fmt: skip
    assert code == 0, err
    assert "listed as file" in out
    code, out, _ = invoke("files", "verify", "ad-risk")
    assert code == 0
    assert "passed" in out
    code, out, _ = invoke("locate", "ad-risk@latest")
    assert (code, out) == (0, weights["uri"] + "\n")
    code, out, _ = invoke("locate", "ad-risk@latest", "--json")
    assert json.loads(out)["files"][0]["verification"] == "passed"
    code, out, _ = invoke("show", "ad-risk", "--json")
    assert json.loads(out)["files"][0]["uri"] == weights["uri"]
    code, out, _ = invoke("show", "ad-risk")
    assert "passed" in out
    assert "weights" in out
    code, out, _ = invoke("files", "list", "ad-risk", "--json")
    assert [f["role"] for f in json.loads(out)] == ["weights"]


def test_cli_verify_fails_on_a_mismatch_and_refuses_bad_input(
    migrated_url: str, weights: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_REGISTRY_DB", migrated_url)
    with Registry.open(migrated_url) as registry:
        _register(registry, files=[{**weights, "sha256": "0" * 64}])
    code, out, _ = invoke("files", "verify", "ad-risk")
    assert code == 1
    assert "mismatch" in out
    code, _, err = invoke(
        "files", "add", "ad-risk", "--uri", "https://u:p@h/w", "--sha256", "x", "--size", "1"
    )
    assert code != 0
    assert "credentials" in err
    assert "sha256" in err
    code, _, err = invoke("locate", "nobody@promoted")
    assert code != 0


def test_hostile_uri_text_is_escaped_in_the_terminal(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_REGISTRY_DB", migrated_url)
    markup = "s3://b/[bold]x[/bold]:warning:.bin"
    with Registry.open(migrated_url) as registry:
        _register(registry, files=[{"uri": markup, "sha256": "a" * 64, "size_bytes": 1}])
    code, out, _ = invoke("files", "list", "ad-risk")
    assert code == 0
    assert "[bold]x[/bold]:warning:" in out.replace("\n", "").replace(" ", "")


def test_unicode_uri_round_trips(registry: Registry) -> None:
    uri = "hf://lab/modèle-ü/weights.safetensors"
    model_id = _register(registry, files=[{"uri": uri, "sha256": "b" * 64, "size_bytes": 2**40}])
    assert registry.files(model_id)[0].uri == uri
    assert registry.files(model_id)[0].size_bytes == 2**40  # beyond 32 bits on both databases


def test_an_unknown_scheme_extra_is_an_unreachable_check(registry: Registry) -> None:
    model_id = _register(
        registry, files=[{"uri": "runs:/abc123/model", "sha256": "c" * 64, "size_bytes": 3}]
    )
    (check,) = registry.verify_files([model_id], actor="op")
    assert check.status == "unreachable"
    assert "MLflow" in check.detail


def test_two_writers_listing_the_same_new_file_list_it_once(
    migrated_url: str, weights: dict[str, Any]
) -> None:
    import threading

    with Registry.open(migrated_url) as registry:
        model_id = _register(registry)
    barrier, written = threading.Barrier(2), []

    def add() -> None:
        with Registry.open(migrated_url) as own:
            barrier.wait()
            written.append(own.add_file(model_id, weights, actor="w").written)

    threads = [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(written) == [False, True]
    with Registry.open(migrated_url) as registry:
        assert len(registry.files(model_id, replaced=True)) == 1
