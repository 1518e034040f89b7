"""Code pins checked against real git repositories, on both database backends.

The lab's repository (built in a temporary mirror folder) has the cases a pin
meets in the wild: a tag, a side branch, an entrypoint renamed after early
commits, a short SHA two commits share, a commit force-pushed away, and
commits made after training finished.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from atlas_registry import ModelRegistration, Registry, short_id_of
from atlas_registry.api import create_app
from atlas_registry.errors import (
    ConfigurationError,
    IllegalTransitionError,
    NotFoundError,
    PromotionGateError,
    ValidationError,
)
from atlas_registry.lifecycle.policy import GatePolicy
from atlas_registry.pins import fetching
from atlas_registry.pins.locations import RepositoryLocations, url_key
from tests.catalog_helpers import add_artifact
from tests.cli_helpers import invoke
from tests.git_repos import BASE_TIME, RepoBuilder
from tests.payloads import external_fine_tune, logistic_regression

DAY = 86_400
REPO_URL = "https://github.com/lab/ad-risk"
ENTRY = "training/train.py"


@dataclass
class LabRepo:
    mirrors: Path
    first: str  # training/train_old.py only
    before_rename: str  # still train_old.py
    renamed: str  # train_old.py -> train.py
    released: str  # tagged v1.0
    experiment: str  # on branch experiment
    force_pushed: str  # was hotfix's tip, then hotfix was forced back
    twins: list[str]  # share their first 7 characters
    after_training: str  # on main, after every model's training finished

    @property
    def locations(self) -> RepositoryLocations:
        return RepositoryLocations(mirrors=self.mirrors)


def _build_lab(mirrors: Path) -> LabRepo:
    build = RepoBuilder(mirrors / "github.com" / "lab" / "ad-risk.git")
    readme = {"README.md": "ad risk\n"}
    first = build.commit({**readme, "training/train_old.py": "v1\n"}, "start", at=BASE_TIME)
    before = build.commit(
        {**readme, "training/train_old.py": "v2\n"}, "tune the old script", at=BASE_TIME + DAY
    )
    renamed = build.commit(
        {**readme, "training/train.py": "v2\n"}, "rename the entrypoint", at=BASE_TIME + 2 * DAY
    )
    released_files = {**readme, "training/train.py": "v3\n"}
    released = build.commit(released_files, "release 1.0", at=BASE_TIME + 3 * DAY)
    build.tag("v1.0", released)
    experiment = build.commit(
        {**readme, "training/train.py": "v4-experiment\n"},
        "try a wider model",
        at=BASE_TIME + 4 * DAY,
        branch="experiment",
        parents=[released],
    )
    pushed = build.commit(
        {**readme, "training/train.py": "hotfix\n"},
        "hotfix, later rewritten",
        at=BASE_TIME + 5 * DAY,
        branch="hotfix",
        parents=[released],
    )
    build.force_branch("hotfix", released)
    twins = build.twins_sharing_short_sha(released_files, released, BASE_TIME + 3 * DAY + 60)
    after = build.commit(
        {**readme, "training/train.py": "v5\n", "src/util.py": "x\n"},
        "after training",
        at=BASE_TIME + 10 * DAY,
    )
    return LabRepo(mirrors, first, before, renamed, released, experiment, pushed, twins, after)


# The lab's repository of this run, built once (about 0.1 s of commits each time).
_BUILT_LAB: list[LabRepo] = []


@pytest.fixture
def lab(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> LabRepo:
    """A copy of the lab's repository of this test's own, which it may change."""
    import dataclasses
    import shutil

    if not _BUILT_LAB:
        _BUILT_LAB.append(_build_lab(tmp_path_factory.mktemp("lab") / "mirrors"))
    mirrors = tmp_path / "mirrors"
    shutil.copytree(_BUILT_LAB[0].mirrors, mirrors, symlinks=True)
    return dataclasses.replace(_BUILT_LAB[0], mirrors=mirrors)


def _internal(registry: Registry, sha: str | None, **fields: Any) -> str:
    registration = ModelRegistration(
        title="ad risk",
        metadata=logistic_regression(),
        code_repo_url=fields.pop("repo", REPO_URL),
        code_commit_sha=sha,
        code_entrypoint=fields.pop("entrypoint", ENTRY),
        **fields,
    )
    return registry.register_model(registration).id


def _external(registry: Registry, url: str, version: str) -> str:
    metadata = external_fine_tune()
    metadata.pop("base_model_id")
    local = logistic_regression()  # data named by URL: no catalog artifacts needed
    metadata.update(
        training_data=local["training_data"], evaluation_dataset=local["evaluation_dataset"]
    )
    metadata.update(external_source_url=url, external_source_version=version)
    return registry.register_model(ModelRegistration(title="hub model", metadata=metadata)).id


def _verify(registry: Registry, lab: LabRepo, *ids: str) -> list[Any]:
    return registry.verify_pins(ids, locations=lab.locations, actor="ci")


# ------------------------------------------------------------ verify


def test_a_pin_on_a_branch_with_its_entrypoint_is_verified_and_recorded(
    registry: Registry, lab: LabRepo
) -> None:
    model = _internal(registry, lab.released)
    [check] = _verify(registry, lab, model)
    assert (check.status, check.commit_found, check.entrypoint_found) == (
        "verified",
        lab.released,
        True,
    )
    assert "refs/heads/main" in check.detail or "refs/tags/v1.0" in check.detail
    assert registry.pin_checks(model) == [check]


def test_a_unique_short_sha_resolves_to_its_full_commit(registry: Registry, lab: LabRepo) -> None:
    model = _internal(registry, lab.experiment[:9])
    [check] = _verify(registry, lab, model)
    assert (check.status, check.pinned, check.commit_found) == (
        "verified",
        lab.experiment[:9],
        lab.experiment,
    )
    assert "refs/heads/experiment" in check.detail


def test_a_short_sha_two_commits_share_fails_naming_both(registry: Registry, lab: LabRepo) -> None:
    shared = lab.twins[0][:7]
    model = _internal(registry, shared)
    [check] = _verify(registry, lab, model)
    assert check.status == "failed"
    assert check.commit_found is None
    assert f"short SHA {shared} is ambiguous" in check.detail
    assert lab.twins[0] in check.detail
    assert lab.twins[1] in check.detail


def test_an_entrypoint_renamed_after_the_pinned_commit_fails(
    registry: Registry, lab: LabRepo
) -> None:
    model = _internal(registry, lab.before_rename)
    [check] = _verify(registry, lab, model)
    assert (check.status, check.commit_found, check.entrypoint_found) == (
        "failed",
        lab.before_rename,
        False,
    )
    assert f"code_entrypoint {ENTRY} does not exist at that commit" in check.detail
    assert "refs/heads/main" in check.detail  # where it does exist


def test_a_commit_force_pushed_away_fails_though_its_object_remains(
    registry: Registry, lab: LabRepo
) -> None:
    model = _internal(registry, lab.force_pushed)
    [check] = _verify(registry, lab, model)
    assert check.status == "failed"
    assert check.commit_found == lab.force_pushed
    assert "unreachable object" in check.detail


def test_an_unknown_commit_or_an_uncheckable_url_is_never_ok(
    registry: Registry, lab: LabRepo
) -> None:
    unknown = _internal(registry, "0123456789abcdef0123")
    ported = _internal(registry, lab.released, repo="https://github.com:8443/lab/ad-risk")
    unpinned = _internal(registry, None)
    checks = {c.model_id: c for c in _verify(registry, lab, unknown, ported, unpinned)}
    assert checks[unknown].status == "failed"
    assert "is not in the repository" in checks[unknown].detail
    # A stored URL that can name no repository is a fact about the model, recorded.
    assert checks[ported].status == "unreachable"
    assert "cannot name a repository" in checks[ported].detail
    assert checks[unpinned].status == "missing"
    assert "candidate commits can be suggested" in checks[unpinned].detail
    assert "atlas-registry" not in checks[unpinned].detail  # stored: read on every surface
    assert all(c.failing for c in checks.values())


def test_a_repository_this_run_cannot_reach_is_an_error_that_records_nothing(
    registry: Registry, lab: LabRepo
) -> None:
    """No mirror of it here says something about the run, not the model: its record stands."""
    elsewhere = _internal(registry, lab.released, repo="https://github.com/other/tool")
    good = _internal(registry, lab.released)
    with pytest.raises(ConfigurationError) as unchecked:
        _verify(registry, lab, elsewhere, good)
    message = unchecked.value.message
    assert "could not check 1 pin(s) here, and recorded nothing for them" in message
    assert "1 other check(s) were recorded" in message
    assert f"{elsewhere}: no local copy of github.com/other/tool" in message
    assert registry.pin_checks(elsewhere) == []
    assert [c.status for c in registry.pin_checks(good)] == ["verified"]


def test_external_pins_are_checked_offline_only_where_a_mirror_exists(
    registry: Registry, lab: LabRepo
) -> None:
    hub = _external(registry, "https://huggingface.co/lab/bert", "3f1c2a9b7d4e5f60718293a4b5c6d7e8")
    tagged = _external(registry, REPO_URL, "v1.0")
    pinned = _external(registry, REPO_URL, lab.released)
    gone = _external(registry, REPO_URL, "v9.9")
    doi = _external(registry, REPO_URL, "10.5281/zenodo.1234567")
    checks = {c.model_id: c for c in _verify(registry, lab, hub, tagged, pinned, gone, doi)}
    assert checks[hub].status == "not_checkable"
    assert checks[hub].detail.startswith("not checkable offline")
    assert (checks[tagged].status, checks[tagged].commit_found) == ("verified", lab.released)
    assert checks[pinned].status == "verified"
    assert checks[gone].status == "failed"
    assert checks[doi].status == "not_checkable"
    assert not checks[hub].failing
    assert checks[gone].failing


def test_an_artifact_without_registry_facts_has_no_pin_to_check(
    registry: Registry, lab: LabRepo
) -> None:
    add_artifact(registry.database, "model-held", "model")  # e.g. a legacy model held for review
    with pytest.raises(NotFoundError, match="not a registered model"):
        _verify(registry, lab, "model-held")


def test_checks_are_append_only(registry: Registry, lab: LabRepo) -> None:
    model = _internal(registry, lab.released)
    _verify(registry, lab, model)
    _verify(registry, lab, model)
    assert len(registry.pin_checks(model)) == 2
    for statement in ("UPDATE code_pin_checks SET status = 'x'", "DELETE FROM code_pin_checks"):
        with (
            pytest.raises(Exception, match="append-only"),
            registry.database.transaction(write=True) as conn,
        ):
            conn.execute(text(statement))
    assert len(registry.pin_checks(model)) == 2


def test_hostile_entrypoints_and_urls_are_keys_never_paths(
    registry: Registry, lab: LabRepo, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_text("x")
    model = _internal(registry, lab.released, entrypoint="../../secret.txt")
    [check] = _verify(registry, lab, model)
    assert (check.status, check.entrypoint_found) == ("failed", False)
    for url in (
        "https://github.com/../../etc",
        "https://github.com/lab/%2e%2e",
        "https://user:secret@github.com/lab/ad-risk",
        "https://github.com:8443/lab/ad-risk",
        "https://github.com/lab/.hidden",
        "https://github.com/lab/ad-risk?x=1",
        "ftp://github.com/lab/ad-risk",
    ):
        assert url_key(url) is None, url
    assert url_key("HTTPS://GitHub.com/lab/ad-risk.git/") == "github.com/lab/ad-risk"


def test_a_repository_map_names_clones_by_url(lab: LabRepo, tmp_path: Path) -> None:
    clone = lab.mirrors / "github.com" / "lab" / "ad-risk.git"
    mapped = tmp_path / "repos.toml"
    mapped.write_text(f'[repositories]\n"https://example.org/lab/risk.git" = "file://{clone}"\n')
    locations = RepositoryLocations.configured(repos_file=str(mapped))
    assert locations.locate("https://example.org/lab/risk") == clone
    for body, problem in (
        ('[repositories]\n"https://x.org/a" = "https://y.org/a"\n', "nothing is fetched"),
        ('[repositories]\n"file:///a" = "/a"\n', "not an http"),
        ("[repos]\n", "expected one"),
        ("[repositories\n", "not valid TOML"),
    ):
        mapped.write_text(body)
        with pytest.raises(ConfigurationError, match=problem):
            RepositoryLocations.configured(repos_file=str(mapped))
    mapped.write_bytes(b'[repositories]\n"https://x.org/caf\xe9" = "/a"\n')
    with pytest.raises(ConfigurationError, match="not UTF-8 text"):
        RepositoryLocations.configured(repos_file=str(mapped))
    with pytest.raises(ConfigurationError, match="is not a regular file"):  # refused unread
        RepositoryLocations.configured(repos_file="/dev/zero")


# ------------------------------------------------------------ CLI: verify, report, show


def test_the_nightly_check_fails_when_a_promoted_pin_fails(
    registry: Registry, lab: LabRepo, db_url: str
) -> None:
    good = _internal(registry, lab.released)
    bad = _internal(registry, lab.force_pushed)
    candidate = _internal(registry, "0123456789abcdef0123")  # not promoted: not checked
    registry.promote(good, actor="lead")
    mirrors = ["--mirrors", str(lab.mirrors), "--db", db_url]
    code, out, _ = invoke("pins", "verify", "--promoted", "--json", *mirrors)
    assert code == 0, out
    assert [c["model_id"] for c in json.loads(out)] == [good]
    registry.promote(bad, actor="lead", override=True, notes="urgent fix")
    code, out, _ = invoke("pins", "verify", "--promoted", "--json", *mirrors)
    assert code == 1
    statuses = {c["model_id"]: c["status"] for c in json.loads(out)}
    assert statuses == {good: "verified", bad: "failed"}  # each its own line, both promoted
    assert candidate not in statuses


def test_verify_and_report_name_each_version_as_a_person_does(
    registry: Registry, lab: LabRepo, db_url: str
) -> None:
    """Tables name versions ``line@N`` (a short id outside a line); --json keeps the ids."""
    lined = _internal(registry, lab.released, line="ad-risk")
    second = _internal(registry, lab.force_pushed, line="ad-risk")
    unnamed = _internal(registry, lab.released)
    db = ["--db", db_url]
    mirrors = ["--mirrors", str(lab.mirrors)]
    code, out, _ = invoke("pins", "verify", lined, second, unnamed, *mirrors, *db)
    assert code == 1
    for shown in ("ad-risk@1", "ad-risk@2", short_id_of(unnamed)):
        assert shown in out
    for model_id in (lined, second, unnamed):
        assert model_id not in out
    code, out, _ = invoke("pins", "report", *db)
    assert code == 0
    assert "ad-risk@1" in out
    assert "ad-risk@2" in out
    assert lined not in out
    code, out, _ = invoke("pins", "verify", lined, *mirrors, "--json", *db)
    [check] = json.loads(out)
    assert (check["model_id"], check["version"]) == (lined, "ad-risk@1")


def test_report_and_show_give_the_newest_check(
    registry: Registry, lab: LabRepo, db_url: str
) -> None:
    verified = _internal(registry, lab.released)
    failing = _internal(registry, lab.force_pushed)
    db = ["--db", db_url]
    code, out, _ = invoke("pins", "verify", verified, failing, "--mirrors", str(lab.mirrors), *db)
    assert code == 1
    assert "1 of 2 pins are not proven" in out
    code, out, _ = invoke("pins", "report", "--status", "failed", "--json", *db)
    assert code == 0
    assert [c["model_id"] for c in json.loads(out)] == [failing]
    assert [c["version"] for c in json.loads(out)] == [short_id_of(failing)]
    code, out, _ = invoke("show", verified, "--json", *db)
    assert json.loads(out)["code_pin_check"]["status"] == "verified"
    code, out, _ = invoke("show", failing, *db)
    assert "code_pin_check" in out
    assert "failed" in out
    code, _, err = invoke("pins", "verify", "--all", "--promoted", *db)
    assert code == 1
    assert "exactly one of --all and --promoted" in err
    code, _, err = invoke("pins", "report", "--status", "fine", *db)
    assert code == 1
    assert "must be one of" in err


# ------------------------------------------------------------ the gate


def _strict(registry: Registry) -> Registry:
    registry.policy = GatePolicy(require_verified_code_pin=True)
    return registry


def test_the_gate_can_require_a_verified_pin(registry: Registry, lab: LabRepo) -> None:
    _strict(registry)
    model = _internal(registry, lab.released)
    with pytest.raises(PromotionGateError) as never:
        registry.promote(model, actor="lead")
    [problem] = never.value.violations
    assert problem.path == "code_commit_sha"
    assert "never been verified" in problem.message
    _verify(registry, lab, model)
    assert registry.promote(model, actor="lead").model.promotion_state == "promoted"


def test_the_gate_names_the_failed_check(registry: Registry, lab: LabRepo) -> None:
    _strict(registry)
    model = _internal(registry, lab.before_rename)
    _verify(registry, lab, model)
    with pytest.raises(PromotionGateError) as refused:
        registry.promote(model, actor="lead")
    [problem] = refused.value.violations
    assert "failed its last check" in problem.message
    assert "does not exist at that commit" in problem.message


def test_external_models_are_not_held_by_the_code_pin_rule(registry: Registry) -> None:
    _strict(registry)
    model = _external(registry, "https://huggingface.co/lab/bert", "3f1c2a9b7d4e5f6071")
    assert registry.promote(model, actor="lead").model.promotion_state == "promoted"


# ------------------------------------------------------------ suggest


def _unpinned_trained(registry: Registry) -> str:
    return _internal(
        registry, None, training_completed_at="2026-01-05T12:00:00Z"
    )  # after `experiment` (Jan 5 00:00), before the hotfix and `after_training`


def test_suggest_lists_commits_before_training_and_pins_only_what_a_person_accepts(
    registry: Registry, lab: LabRepo
) -> None:
    model = _unpinned_trained(registry)
    suggestion = registry.suggest_pin(model, locations=lab.locations)
    shas = [c.sha for c in suggestion.candidates]
    assert shas == [lab.experiment, lab.released, lab.renamed, lab.before_rename, lab.first]
    assert lab.after_training not in shas
    assert lab.force_pushed not in shas
    assert suggestion.review.status == "open"
    assert not suggestion.review.blocking
    [reason] = suggestion.review.reasons
    assert reason["reason"].endswith("A reviewer accepts one of them as the code pin")
    assert not re.search(r"(?<![\w-])--[a-z]|atlas-registry", reason["reason"]), reason
    assert registry.get_model(model).code_commit_sha is None  # nothing pinned yet

    with pytest.raises(ValidationError, match="cannot accept"):
        registry.resolve_review(model, [f"code_commit_sha={lab.after_training}"], actor="rev")
    assert registry.get_model(model).code_commit_sha is None

    resolved = registry.resolve_review(
        model, [f"code_commit_sha={lab.released[:8]}"], actor="reviewer", notes="release build"
    )
    assert (resolved.status, resolved.resolved_by) == ("resolved", "reviewer")
    pinned = registry.get_model(model)
    assert (pinned.code_repo_url, pinned.code_commit_sha, pinned.code_entrypoint) == (
        REPO_URL,
        lab.released,
        ENTRY,
    )
    with pytest.raises(IllegalTransitionError, match="already pinned"):
        registry.suggest_pin(model, locations=lab.locations)
    [check] = _verify(registry, lab, model)
    assert check.status == "verified"


def test_a_suggestion_reopens_a_closed_review_and_keeps_the_earlier_one(
    registry: Registry, lab: LabRepo
) -> None:
    model = _unpinned_trained(registry)
    registry.suggest_pin(model, locations=lab.locations, limit=2)
    registry.resolve_review(model, [], actor="reviewer", notes="no pin for now")
    again = registry.suggest_pin(model, locations=lab.locations, limit=2)
    assert again.review.status == "open"
    assert again.review.proposed["earlier_review"]["resolution_notes"] == "no pin for now"


def test_suggest_over_the_cli(registry: Registry, lab: LabRepo, db_url: str) -> None:
    model = _unpinned_trained(registry)
    db = ["--db", db_url, "--mirrors", str(lab.mirrors)]
    code, out, _ = invoke("pins", "suggest", model, "--limit", "3", *db)
    assert code == 0, out
    assert lab.experiment[:12] in out
    assert "review resolve" in out
    code, _, err = invoke("pins", "suggest", model, "--repo", "https://github.com/none/x", *db)
    assert code == 2
    assert "no local copy of github.com/none/x" in err


def test_suggest_and_review_list_name_the_version_as_a_person_does(
    registry: Registry, lab: LabRepo, db_url: str
) -> None:
    model = _internal(registry, None, line="ad-risk", training_completed_at="2026-01-05T12:00:00Z")
    db = ["--db", db_url]
    code, out, _ = invoke("pins", "suggest", model, "--mirrors", str(lab.mirrors), *db)
    assert code == 0, out
    assert "candidate pins for ad-risk@1" in out
    assert "review resolve ad-risk@1 --set code_commit_sha=SHA" in out
    code, out, _ = invoke("review", "list", *db)
    assert code == 0
    assert "ad-risk@1" in out
    assert model not in out
    assert "atlas-registry review resolve ARTIFACT --set field=value" in out  # the CLI's words
    code, out, _ = invoke("review", "list", "--json", *db)
    [item] = json.loads(out)
    assert (item["artifact_id"], item["version"]) == (model, "ad-risk@1")


def test_the_api_serves_each_model_s_checks_and_the_report(
    registry: Registry, lab: LabRepo
) -> None:
    verified = _internal(registry, lab.released)
    failing = _internal(registry, lab.force_pushed)
    _verify(registry, lab, verified, failing)
    _verify(registry, lab, verified)
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        items = client.get(f"/api/v1/models/{verified}/pin-checks").json()["items"]
        assert [item["status"] for item in items] == ["verified", "verified"]
        assert items[0]["commit_found"] == lab.released
        report = client.get("/api/v1/pin-checks", params={"status": "failed"}).json()["items"]
        assert [item["model_id"] for item in report] == [failing]
        assert client.get("/api/v1/pin-checks", params={"status": "fine"}).status_code == 400
        assert client.get("/api/v1/models/nope/pin-checks").status_code == 404
        # A page at a time, by model id, the next page linked; a report is never cut.
        first = client.get("/api/v1/pin-checks", params={"page_size": 1})
        token = first.json()["next_page_token"]
        assert first.headers["Link"] == (
            f'</api/v1/pin-checks?page_size=1&page_token={token}>; rel="next"'
        )
        second = client.get("/api/v1/pin-checks", params={"page_size": 1, "page_token": token})
        paged = [first.json()["items"][0], *second.json()["items"]]
        assert [item["model_id"] for item in paged] == sorted([verified, failing])
        assert second.json()["next_page_token"] is None
        elsewhere = client.get(
            "/api/v1/pin-checks", params={"status": "failed", "page_token": token}
        )
        assert elsewhere.status_code == 400  # a token is for the filters it was made for
    assert [c.model_id for c in registry.pin_report()] == sorted([verified, failing])
    assert registry.pin_report_page(page_size=1).next_page_token == token


# ------------------------------------------------------------ fetching into a cache


@pytest.fixture
def served(lab: LabRepo, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The lab repository as the "remote" of github.com/lab/ad-risk (no network here).

    Only the transport address is redirected to the local bare repository;
    cloning, fetching, pruning and the cache layout are the real ones.
    """
    remote = lab.mirrors / "github.com" / "lab" / "ad-risk.git"
    monkeypatch.setattr(fetching, "remote_for", lambda key: remote.as_uri())
    return remote


def test_allowed_hosts_are_fetched_into_the_cache_and_refetched_each_run(
    registry: Registry, lab: LabRepo, served: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    fetching_on = RepositoryLocations(cache=cache, fetch_hosts=frozenset({"github.com"}))
    model = _internal(registry, lab.experiment)
    [first] = registry.verify_pins([model], locations=fetching_on, actor="ci")
    assert first.status == "verified"
    assert "fetched from" in first.detail
    assert (cache / "github.com" / "lab" / "ad-risk.git" / "HEAD").is_file()

    # The branch is force-pushed away upstream; the next run fetches, prunes, and fails.
    pygit2.Repository(str(served)).references.create(
        "refs/heads/experiment", pygit2.Oid(hex=lab.released), force=True
    )
    [second] = registry.verify_pins([model], locations=fetching_on, actor="ci")
    assert second.status == "failed"
    assert "unreachable object" in second.detail

    # Offline, the cached copy is still checked, and the detail says so.
    served.rename(served.with_name("gone.git"))
    [third] = registry.verify_pins([model], locations=fetching_on, actor="ci")
    assert "checked the cached copy" in third.detail


def test_only_allowed_hosts_are_fetched(
    registry: Registry, lab: LabRepo, served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_GIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("ATLAS_GIT_FETCH_HOSTS", "gitlab.com")
    model = _internal(registry, lab.released)
    with pytest.raises(ConfigurationError, match=r"github\.com is not among the hosts fetching"):
        registry.verify_pins([model], actor="ci")
    assert registry.pin_checks(model) == []  # the run's configuration, not a fact of the model
    assert not (tmp_path / "cache").exists()


def test_the_model_page_shows_the_newest_check_escaped(registry: Registry, lab: LabRepo) -> None:
    model = _internal(registry, lab.released, entrypoint="<img src=x onerror=alert(1)>.py")
    _verify(registry, lab, model)
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        page = client.get(f"/models/{model}").text
    assert "Pin check" in page
    assert '<a class="badge pin-failed" href="#pin">pin failed</a>' in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.py does not exist at that commit" in page
    assert f'href="/api/v1/models/{model}/card"' in page


def test_every_recorded_action_refuses_a_blank_actor(registry: Registry) -> None:
    """Pin checks and review resolutions once stored an empty actor; transitions refused it."""
    from atlas_registry import ValidationError
    from atlas_registry.review import resolution

    with pytest.raises(ValidationError, match="actor is required"):
        registry.verify_pins(promoted_only=True, actor=" ")
    with pytest.raises(ValidationError, match="actor is required"):
        resolution.resolve(registry.database, "anything", [], actor="", notes="n")
    with pytest.raises(ValidationError, match="notes is invalid"):
        resolution.resolve(registry.database, "anything", [], actor="ops", notes="x" * 20_001)


def test_the_reason_for_no_local_copy_reads_as_a_sentence(tmp_path: Path) -> None:
    assert RepositoryLocations().describe() == (
        "no repositories are configured (set $ATLAS_GIT_MIRRORS or $ATLAS_GIT_REPOS)"
    )
    mirrors = RepositoryLocations(mirrors=tmp_path).describe()
    assert mirrors == f"looked in the mirror folder {tmp_path}"


def test_the_report_is_not_cut_at_a_thousand_models(registry: Registry) -> None:
    """``pins report`` used to stop at the first 1,000 checked models without a word."""
    from atlas_registry import ModelRegistration
    from atlas_registry.pins.verification import _INSERT

    ids = registry.register_models(
        [ModelRegistration(title="t", metadata=logistic_regression()) for _ in range(1002)]
    )
    with registry.database.session(write=True) as session:
        session.run_many(
            _INSERT,
            [
                (i, "2026-01-01 00:00:00", "code", None, None, None, None, "missing", "-", "me")
                for i in ids
            ],
        )
    assert [c.model_id for c in registry.pin_report()] == sorted(ids)
    assert len(registry.pin_report(status="missing")) == 1002
    first = registry.pin_report_page()
    assert (len(first.items), first.next_page_token is not None) == (1000, True)


# ------------------------------------------------------------ what a person reads of a pin


def _force_push_away(lab: LabRepo, branch: str, to: str) -> None:
    """Move ``branch`` back to ``to``, as a force-push does: its commits stay only as objects."""
    mirror = lab.mirrors / "github.com" / "lab" / "ad-risk.git"
    pygit2.Repository(str(mirror)).references.create(
        f"refs/heads/{branch}", pygit2.Oid(hex=to), force=True
    )


def _badge(page: str, model_id: str) -> str:
    """The pin badge of ``model_id``'s row on the list of every version."""
    row = page[page.index(f"{model_id}</div>") :]
    start = row.index('<a class="badge pin-')
    return row[start : row.index("</a>", start) + 4]


def test_the_pin_badge_says_what_the_newest_check_of_the_current_pin_found(
    registry: Registry, lab: LabRepo
) -> None:
    """A failed pin once wore the same green "code-pinned" badge as a verified one."""
    verified = _internal(registry, lab.released)
    failed = _internal(registry, lab.force_pushed)
    unchecked = _internal(registry, lab.renamed)
    unpinned = _internal(registry, None)
    uncheckable = _internal(registry, lab.released, repo="https://github.com:8443/lab/ad-risk")
    hub = _external(registry, "https://huggingface.co/lab/bert", "3f1c2a9b7d4e5f60718293a4b5c6d7e8")
    _verify(registry, lab, verified, failed, unpinned, uncheckable, hub)
    states = {i: s.state for i, s in registry.pin_statuses(registry.list_models()).items()}
    assert states == {
        verified: "verified",
        failed: "failed",
        unchecked: "not_checked",
        unpinned: "unpinned",
        uncheckable: "unreachable",
        hub: "not_checkable",
    }
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        listed = client.get("/versions").text
        model_page = client.get(f"/models/{failed}").text
    assert "code-pinned" not in listed
    red = _badge(listed, failed)
    assert red.startswith(f'<a class="badge pin-failed" href="/models/{failed}#pin"')
    assert "exists only as an unreachable object" in red  # the detail, on the badge's title
    assert red.endswith(">pin failed</a>")
    assert ">pin verified</a>" in _badge(listed, verified)
    assert ">pin not checked</a>" in _badge(listed, unchecked)
    assert ">no pin</a>" in _badge(listed, unpinned)
    assert ">pin unreachable</a>" in _badge(listed, uncheckable)
    assert ">not checkable offline</a>" in _badge(listed, hub)
    # The badge's link lands on the check's detail, on the model page.
    assert '<a class="badge pin-failed" href="#pin">pin failed</a>' in model_page
    detail = model_page[model_page.index('<dt id="pin">') :]
    assert "exists only as an unreachable object" in detail[: detail.index("</dd>")]
    assert f'href="/api/v1/models/{failed}/pin-checks">every check</a>' in detail


def test_show_gives_the_pin_state_the_badge_shows(
    registry: Registry, lab: LabRepo, db_url: str
) -> None:
    failed = _internal(registry, lab.force_pushed)
    unchecked = _internal(registry, lab.released)
    _verify(registry, lab, failed)
    code, out, _ = invoke("show", failed, "--json", "--db", db_url)
    assert code == 0
    shown = json.loads(out)
    assert shown["code_pin_status"]["state"] == "failed"
    assert shown["code_pin_status"]["check"]["status"] == "failed"
    assert shown["code_pin_changes"] == []
    _, out, _ = invoke("show", unchecked, "--db", db_url)
    assert "code_pin_status" in out
    assert "pin not checked" in out


# ------------------------------------------------------------ repairing a failed pin


def test_a_force_pushed_pin_is_repaired_through_the_review_queue_and_kept_in_its_history(
    registry: Registry, lab: LabRepo, db_url: str
) -> None:
    """After a force-push the only way out was a new version; now the review queue re-pins."""
    _strict(registry)
    model = _internal(registry, lab.experiment, training_completed_at="2026-01-05T12:00:00Z")
    [first] = _verify(registry, lab, model)
    assert first.status == "verified"
    _force_push_away(lab, "experiment", lab.released)
    [broken] = _verify(registry, lab, model)
    assert (broken.status, registry.pin_status(model).state) == ("failed", "failed")
    with pytest.raises(PromotionGateError, match="failed its last check"):
        registry.promote(model, actor="lead")

    db = ["--db", db_url]
    code, out, err = invoke("pins", "suggest", model, "--mirrors", str(lab.mirrors), *db)
    assert code == 0, err
    assert lab.released[:12] in out
    assert f"replacing the pin {lab.experiment}: the code pin {lab.experiment} failed" in out
    assert '--set code_commit_sha=SHA --notes "why"' in out
    item = registry.get_review(model)
    assert item.status == "open"
    assert item.proposed["replaces"]["code_commit_sha"] == lab.experiment
    assert item.proposed["replaces"]["check"]["status"] == "failed"
    assert lab.experiment not in [c["sha"] for c in item.proposed["pin_candidates"]]
    assert "failed its check" in item.reasons[0]["reason"]

    # Replacing provenance needs a reason; nothing changes without one.
    set_pin = ["review", "resolve", model, "--set", f"code_commit_sha={lab.released[:8]}"]
    code, _, err = invoke(*set_pin, "--actor", "rev", *db)
    assert code != 0
    assert f"say why this commit replaces the pin {lab.experiment}" in err
    assert registry.get_model(model).code_commit_sha == lab.experiment
    notes = "experiment branch was force-pushed; v1.0 trained it"
    code, _, err = invoke(*set_pin, "--actor", "rev", "--notes", notes, *db)
    assert code == 0, err

    repinned = registry.get_model(model)
    assert (repinned.code_repo_url, repinned.code_commit_sha, repinned.code_entrypoint) == (
        REPO_URL,
        lab.released,
        ENTRY,
    )
    [change] = registry.pin_changes(model)
    assert (change.old_commit_sha, change.new_commit_sha) == (lab.experiment, lab.released)
    assert (change.old_repo_url, change.new_repo_url) == (REPO_URL, REPO_URL)
    assert (change.changed_by, change.notes) == ("rev", notes)
    assert change.replaced_check_id == registry.pin_checks(model)[0].id
    # The failed check was of the old pin: the new one is not checked yet, for badge, report
    # and gate.
    assert registry.pin_status(model).state == "not_checked"
    assert model not in [c.model_id for c in registry.pin_report()]
    with pytest.raises(PromotionGateError, match="changed since its last check"):
        registry.promote(model, actor="lead")
    [after] = _verify(registry, lab, model)
    assert after.status == "verified"
    assert [c.status for c in registry.pin_report() if c.model_id == model] == ["verified"]
    assert registry.promote(model, actor="lead").model.promotion_state == "promoted"
    code, out, _ = invoke("show", model, "--json", *db)
    assert json.loads(out)["code_pin_changes"][0]["notes"] == notes
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        page = client.get(f"/models/{model}").text
        served = client.get(f"/api/v1/models/{model}/pin-changes").json()["items"]
        assert client.get("/api/v1/models/nope/pin-changes").status_code == 404
    assert [(c["old_commit_sha"], c["new_commit_sha"], c["changed_by"]) for c in served] == [
        (lab.experiment, lab.released, "rev")
    ]
    assert "Pin history" in page
    assert f"{lab.experiment} → <strong>{lab.released}</strong> by rev: {notes}" in page


def test_the_pin_history_is_append_only(registry: Registry, lab: LabRepo) -> None:
    model = _unpinned_trained(registry)
    registry.suggest_pin(model, locations=lab.locations)
    registry.resolve_review(model, [f"code_commit_sha={lab.released}"], actor="rev")
    [change] = registry.pin_changes(model)
    assert (change.old_commit_sha, change.new_commit_sha, change.notes) == (
        None,
        lab.released,
        None,
    )
    for statement in ("UPDATE code_pin_changes SET notes = 'x'", "DELETE FROM code_pin_changes"):
        with (
            pytest.raises(Exception, match="append-only"),
            registry.database.transaction(write=True) as conn,
        ):
            conn.execute(text(statement))
    assert registry.pin_changes(model) == [change]


def test_only_a_pin_whose_check_failed_is_re_pinned(registry: Registry, lab: LabRepo) -> None:
    model = _internal(registry, lab.experiment, training_completed_at="2026-01-05T12:00:00Z")
    with pytest.raises(IllegalTransitionError, match="has not been checked"):
        registry.suggest_pin(model, locations=lab.locations)
    _verify(registry, lab, model)
    with pytest.raises(IllegalTransitionError, match="passed its last check"):
        registry.suggest_pin(model, locations=lab.locations)
    assert registry.list_reviews("open", artifact_ids=[model]) == []


def test_a_repair_is_refused_once_the_pin_verified_again_or_changed(
    registry: Registry, lab: LabRepo
) -> None:
    model = _internal(registry, lab.experiment, training_completed_at="2026-01-05T12:00:00Z")
    _force_push_away(lab, "experiment", lab.released)
    _verify(registry, lab, model)
    registry.suggest_pin(model, locations=lab.locations)
    _force_push_away(lab, "experiment", lab.experiment)  # the branch was restored
    _verify(registry, lab, model)
    accept = [f"code_commit_sha={lab.released}"]
    with pytest.raises(IllegalTransitionError, match="passed its last check"):
        registry.resolve_review(model, accept, actor="rev", notes="n")
    assert registry.get_model(model).code_commit_sha == lab.experiment
    assert registry.pin_changes(model) == []


# ------------------------------------------------------------ errors of the run, not the model


def test_a_check_with_no_repositories_configured_records_nothing(
    registry: Registry, lab: LabRepo, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mistyped `pins verify` once recorded "unreachable", which then failed the gate."""
    for name in ("ATLAS_GIT_MIRRORS", "ATLAS_GIT_REPOS", "ATLAS_GIT_CACHE"):
        monkeypatch.delenv(name, raising=False)
    _strict(registry)
    model = _internal(registry, lab.released)
    _verify(registry, lab, model)
    with pytest.raises(ConfigurationError, match="no repositories are configured"):
        registry.verify_pins([model], locations=RepositoryLocations(), actor="ci")
    code, _, err = invoke("pins", "verify", model, "--db", db_url)
    assert code == 2
    assert "no repositories are configured" in err
    code, _, err = invoke(
        "pins", "verify", model, "--mirrors", str(lab.mirrors) + "x", "--db", db_url
    )
    assert code == 2
    assert "is not a folder" in err
    assert [c.status for c in registry.pin_checks(model)] == ["verified"]
    assert registry.promote(model, actor="lead").model.promotion_state == "promoted"


def test_a_repository_map_entry_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    mapped = tmp_path / "repos.toml"
    mapped.write_text(f'[repositories]\n"https://github.com/lab/x" = "{tmp_path / "none.git"}"\n')
    with pytest.raises(ConfigurationError, match="does not exist"):
        RepositoryLocations.configured(repos_file=str(mapped))


def test_a_mirror_that_is_no_repository_is_an_error_of_the_run(
    registry: Registry, lab: LabRepo
) -> None:
    broken = lab.mirrors / "github.com" / "lab" / "broken.git"
    broken.mkdir(parents=True)
    model = _internal(registry, lab.released, repo="https://github.com/lab/broken")
    with pytest.raises(ConfigurationError, match="is not a git repository"):
        _verify(registry, lab, model)
    assert registry.pin_checks(model) == []


def test_a_re_pin_s_notes_and_a_check_s_detail_are_shown_escaped(
    registry: Registry, lab: LabRepo
) -> None:
    hostile = '"><script>alert(1)</script>'
    model = _internal(registry, lab.before_rename, entrypoint=f"{hostile}.py")
    _verify(registry, lab, model)
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        listed = client.get("/versions").text
    assert "<script>alert(1)" not in listed
    assert "&#34;&gt;&lt;script&gt;" in _badge(listed, model)  # inside the title attribute
    registry.suggest_pin(model, locations=lab.locations, paths=["README.md"])
    registry.resolve_review(model, [f"code_commit_sha={lab.first}"], actor="rev", notes=hostile)
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        page = client.get(f"/models/{model}").text
    assert "<script>alert(1)" not in page
    assert "by rev: &#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</li>" in page


def test_the_cli_names_what_it_could_not_check_and_records_the_rest(
    registry: Registry, lab: LabRepo, db_url: str
) -> None:
    good = _internal(registry, lab.released)
    elsewhere = _internal(registry, lab.released, repo="https://gitlab.com/other/tool")
    args = ["pins", "verify", good, elsewhere, "--mirrors", str(lab.mirrors), "--db", db_url]
    code, _, err = invoke(*args)
    assert code == 2
    assert f"{elsewhere}: no local copy of gitlab.com/other/tool" in err
    assert "1 other check(s) were recorded" in err
    assert [c.status for c in registry.pin_checks(good)] == ["verified"]
    assert registry.pin_checks(elsewhere) == []


def test_a_pin_whose_repository_is_nowhere_is_repaired_with_another_repository(
    registry: Registry, lab: LabRepo
) -> None:
    """A URL mistyped at registration cannot be checked, so no check can fail it: no dead end."""
    typo = "https://github.com/lab/ad-rsik"
    model = _internal(registry, lab.released, repo=typo)
    with pytest.raises(ConfigurationError, match=r"no local copy of github\.com/lab/ad-rsik"):
        _verify(registry, lab, model)
    suggestion = registry.suggest_pin(model, REPO_URL, locations=lab.locations)
    replaces = suggestion.review.proposed["replaces"]
    assert (replaces["code_repo_url"], replaces["check"]) == (typo, None)
    assert "cannot be checked: no local copy of github.com/lab/ad-rsik" in replaces["why"]
    with pytest.raises(ValidationError, match="without saying why"):
        registry.resolve_review(model, [f"code_commit_sha={lab.released}"], actor="rev")
    registry.resolve_review(
        model, [f"code_commit_sha={lab.released}"], actor="rev", notes="the URL had a typo"
    )
    [change] = registry.pin_changes(model)
    assert (change.old_repo_url, change.new_repo_url) == (typo, REPO_URL)
    assert (change.old_commit_sha, change.new_commit_sha) == (lab.released, lab.released)
    assert change.replaced_check_id is None
    [check] = _verify(registry, lab, model)
    assert (check.status, registry.pin_status(model).state) == ("verified", "verified")


def test_a_re_pin_over_http_is_attributed_to_the_token_and_needs_notes(
    registry: Registry, lab: LabRepo
) -> None:
    model = _internal(registry, lab.force_pushed, training_completed_at="2026-01-05T12:00:00Z")
    _verify(registry, lab, model)
    registry.suggest_pin(model, locations=lab.locations)
    token = registry.create_token("curator-bot", ["review"]).token
    auth = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/review-queue/{model}/resolve"
    chosen = {"set": {"code_commit_sha": lab.released}}
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        refused = client.post(path, json=chosen, headers=auth)
        assert refused.status_code == 422
        assert [v["path"] for v in refused.json()["violations"]] == ["notes"]
        assert registry.get_model(model).code_commit_sha == lab.force_pushed
        done = client.post(path, json={**chosen, "notes": "hotfix was rewritten"}, headers=auth)
        assert done.status_code == 200, done.text
        [change] = client.get(f"/api/v1/models/{model}/pin-changes").json()["items"]
    assert (change["old_commit_sha"], change["new_commit_sha"]) == (lab.force_pushed, lab.released)
    assert (change["changed_by"], change["notes"]) == ("curator-bot", "hotfix was rewritten")


def test_an_ambiguous_short_pin_is_repaired_with_one_of_the_commits_it_matched(
    registry: Registry, lab: LabRepo
) -> None:
    model = _internal(registry, lab.twins[0][:7], entrypoint=None)  # every commit counts
    [check] = _verify(registry, lab, model)
    assert (check.status, check.commit_found) == ("failed", None)
    suggestion = registry.suggest_pin(model, locations=lab.locations)
    shas = [c.sha for c in suggestion.candidates]
    assert set(lab.twins) <= set(shas)  # the commits the short SHA matched stay choosable
    registry.resolve_review(
        model, [f"code_commit_sha={lab.twins[1]}"], actor="rev", notes="the tuned one"
    )
    assert registry.get_model(model).code_commit_sha == lab.twins[1]
    assert _verify(registry, lab, model)[0].status == "verified"
