"""The HTTP client against a real ``serve``: the same records as the library, on both backends.

Each verb is called through :func:`atlas_registry.connect` on a server's URL
and compared with the in-process :class:`Registry` reading the same database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from atlas_registry import (
    DatasetRegistration,
    IdempotencyKeyReusedError,
    IllegalTransitionError,
    ModelRegistration,
    NotFoundError,
    PermissionDeniedError,
    PromotionGateError,
    Registry,
    RemoteRegistry,
    ValidationError,
    connect,
)
from atlas_registry.client import RemoteError
from tests.payloads import logistic_regression
from tests.server_helpers import served

pytestmark = pytest.mark.slow  # a server process per test

PIN = {
    "code_repo_url": "https://github.com/example-lab/ad-risk",
    "code_commit_sha": "ca805a0e57cf09a543ee743d5220dfc4bb87b36c",
}


def registration(line: str = "ad-risk", **fields: Any) -> ModelRegistration:
    given: dict[str, Any] = {"metadata": logistic_regression(), **PIN, **fields}
    return ModelRegistration(title="AD risk", line=line, **given)


@contextmanager
def both(
    url: str, scopes: tuple[str, ...] = ("admin",), name: str = "trainer"
) -> Iterator[tuple[Registry, Any]]:
    """The in-process registry and a client of a server on the same database."""
    with Registry.open(url) as local:
        token = local.create_token(name, list(scopes)).token
        with served(url) as base, connect(base, token=token) as remote:
            assert isinstance(remote, RemoteRegistry)
            yield local, remote


def test_each_verb_answers_what_the_library_answers(migrated_url: str) -> None:
    with both(migrated_url) as (local, remote):
        first = remote.register_model(registration(description="first"))
        assert first == local.get_model(first.id)
        assert first.created_by == "trainer"  # the token's name, as for any HTTP write
        ids = remote.register_models([registration(), registration()])
        assert [local.get_model(i).version_number for i in ids] == [2, 3]
        dry = remote.register_model(registration(line="other"), dry_run=True)
        with pytest.raises(NotFoundError):
            local.get_model(dry.id)

        for ref in (first.id, first.short_id, "ad-risk", "ad-risk@2", "ad-risk@latest"):
            assert remote.get_model(ref) == local.get_model(ref)
        assert remote.resolve("ad-risk@1") == first.id
        assert remote.lineage("ad-risk") == local.lineage("ad-risk")
        assert remote.list_models() == local.list_models()
        filters = {"line": "ad-risk", "promotion_state": "candidate", "latest_only": True}
        assert remote.list_models(**filters) == local.list_models(**filters)
        assert remote.lines() == local.lines()
        assert remote.lines(name="ad-risk") == local.lines(name="ad-risk")
        assert remote.about().items() >= local.about().items()  # and the server's read_only
        assert remote.schema() == local.schema()

        promoted = remote.promote("ad-risk@1", actor="x", notes="first", override=True)
        assert promoted.model == local.get_model(first.id)
        assert promoted.events == local.history(first.id)[-len(promoted.events) :]
        assert remote.promote("ad-risk@2", actor="x", notes="v2", override=True).model == (
            local.get_model("ad-risk@2")
        )
        rolled = remote.rollback("ad-risk", to_version=1, actor="x", notes="v2 drifts")
        assert rolled.model == local.get_model(first.id)
        assert remote.reject("ad-risk@3", actor="x", notes="worse").model.promotion_state == (
            "rejected"
        )
        assert remote.supersede(first.id, actor="x", notes="retired").model == local.get_model(
            first.id
        )
        assert remote.promoted_version("ad-risk") == local.promoted_version("ad-risk") is None
        assert remote.history(first.id) == local.history(first.id)
        for ref in ("ad-risk", "ad-risk@2", first.id):
            assert remote.line_history(ref) == local.line_history(ref)
            assert remote.history_of(ref) == local.history_of(ref)
        assert remote.model_card(first.id) == local.model_card(first.id)

        set_ = remote.set_alias("ad-risk", "champion", to_version=2, actor="x", notes="best")
        assert set_.changed
        assert set_.move == local.alias_history("ad-risk", "champion")[0]
        assert remote.aliases("ad-risk") == local.aliases("ad-risk")
        moved_at = local.aliases("ad-risk")[0].moved_at
        at = moved_at.replace(" ", "T") + "Z"
        assert remote.named_at("ad-risk@champion", at) == local.named_at("ad-risk@champion", at)
        assert remote.model_at("ad-risk@champion", at) == local.model_at("ad-risk@champion", at)
        assert not remote.delete_alias("ad-risk", "champion", actor="x").move.to_artifact_id
        assert remote.alias_history("ad-risk") == local.alias_history("ad-risk")

        tagged = remote.set_tags("ad-risk@2", {"team": "neuro"}, actor="x")
        assert tagged == local.tags_of("ad-risk@2") or tagged.tags == local.tags_of("ad-risk@2")
        remote.change_tags("ad-risk", actor="x", set={"area": "dementia"})
        assert remote.tags_of("ad-risk") == local.tags_of("ad-risk")
        assert remote.remove_tags("ad-risk@2", ["team"], actor="x").tags == local.tags_of(
            "ad-risk@2"
        )
        assert remote.tag_history("ad-risk@2") == local.tag_history("ad-risk@2")
        assert remote.tag_history("ad-risk") == local.tag_history("ad-risk")
        edited = remote.edit_text("ad-risk@2", {"description": "better"}, actor="x")
        assert edited.edits == local.text_history("ad-risk@2")
        assert remote.text_history("ad-risk@2") == local.text_history("ad-risk@2")

        entry = {"uri": "s3://models/ad-risk/2/model.pkl", "sha256": "a" * 64, "size_bytes": 10}
        added = remote.add_file("ad-risk@2", entry, actor="x", notes="weights")
        assert added.written
        assert [added.file] == local.files("ad-risk@2")
        assert remote.files("ad-risk@2") == local.files("ad-risk@2")
        assert remote.locate("ad-risk@2") == local.locate("ad-risk@2")
        assert remote.file_checks("ad-risk@2") == local.file_checks("ad-risk@2") == []
        assert remote.pin_checks(first.id) == local.pin_checks(first.id)
        assert remote.pin_changes(first.id) == local.pin_changes(first.id)

        data = DatasetRegistration(
            title="holdout", uri="https://data.example/holdout", license="CC-BY-4.0", revision="v1"
        )
        dataset = remote.register_dataset(data, actor="x")
        assert dataset == local.dataset(dataset.id) == remote.dataset(dataset.id)
        evaluated = remote.add_evaluation(
            "ad-risk@2",
            by="x",
            benchmark_id="adni-external-v1",
            dataset_id=dataset.id,
            metrics={"auroc": 0.8},
        )
        assert remote.evaluations("ad-risk@2") == local.evaluations("ad-risk@2")
        assert evaluated == local.evaluations("ad-risk@2")[0]
        assert remote.dataset_use(dataset.id) == local.dataset_use(dataset.id)
        board = ("adni-external-v1", "auroc")
        assert remote.leaderboard(*board) == local.leaderboard(*board)
        assert remote.benchmarks() == local.benchmarks()

        assert remote.recent_events(3) == local.recent_events(3)
        newest = local.recent_events(2)[-1].id
        assert remote.recent_events(before_id=newest) == local.recent_events(before_id=newest)
        assert remote.recent_events(overrides_only=True) == local.recent_events(overrides_only=True)
        document = {"title": "AD risk", "metadata": logistic_regression(), **PIN}
        assert remote.validate_registration(document) == local.validate_registration(document)
        with pytest.raises(ValidationError):
            remote.validate_metadata({"model_family": 3})
        assert remote.events_after(0, limit=1000) == local.events_after(0, limit=1000)
        types = ("model.registered",)
        assert remote.events_after(2, types=types) == local.events_after(2, types=types)


def test_errors_are_the_librarys_classes(migrated_url: str) -> None:
    with both(migrated_url, scopes=("register", "promote")) as (local, remote):
        with pytest.raises(NotFoundError):
            remote.get_model("no-such-model")
        with pytest.raises(ValidationError) as refused:
            remote.register_model(ModelRegistration(title="x", metadata={"model_family": 3}))
        assert refused.value.violations  # each broken rule, with its path
        with pytest.raises(ValidationError) as local_refused:
            local.register_model(ModelRegistration(title="x", metadata={"model_family": 3}))
        assert type(refused.value) is type(local_refused.value)
        assert refused.value.paths == local_refused.value.paths
        model = remote.register_model(registration())
        with pytest.raises(PermissionDeniedError):  # the token lacks the override scope
            remote.promote(model.id, actor="x", notes="why", override=True)
        remote.reject(model.id, actor="x", notes="no")
        with pytest.raises(IllegalTransitionError) as illegal:
            remote.promote(model.id, actor="x")
        assert (illegal.value.from_state, illegal.value.to_state) == ("rejected", "promoted")
        weak = {**logistic_regression(), "evaluation_metrics": {"auroc": 0.6}}
        second = remote.register_model(registration(metadata=weak))
        with pytest.raises(PromotionGateError) as gate:  # auroc under the benchmark's 0.75
            local.promote(second.id, actor="x")
        with pytest.raises(PromotionGateError) as remote_gate:
            remote.promote(second.id, actor="x")
        assert remote_gate.value.paths == gate.value.paths != []
        key = "5f0c6f7e-the-same-key"
        body = {"notes": "first"}
        remote.session.send("POST", f"/api/v1/models/{second.id}/reject", body=body, key=key)
        with pytest.raises(IdempotencyKeyReusedError):  # the same key, another body: 422
            remote.session.send("POST", f"/api/v1/models/{second.id}/reject", body={}, key=key)
        with pytest.raises(RemoteError) as unknown:  # no registry class: the HTTP layer's own
            remote.session.get("/api/v1/no-such-route")
        assert unknown.value.status == 404
        assert unknown.value.problem_code == "not_found"


def test_paging_is_a_lazy_iterator(migrated_url: str) -> None:
    with both(migrated_url) as (local, remote):
        remote.register_models([registration() for _ in range(7)])
        pages: list[int] = []
        real_page = remote.list_page

        def counted(**kw: Any) -> Any:
            page = real_page(**kw)
            pages.append(len(page.items))
            return page

        remote.list_page = counted
        found = remote.iter_models(page_size=3, line="ad-risk")
        assert next(found) == local.get_model("ad-risk@7")
        assert pages == [3]  # one page read, not every page
        assert [m.version_number for m in found] == [6, 5, 4, 3, 2, 1]
        assert pages == [3, 3, 1]


def test_connect_opens_a_database_in_process_by_its_url(migrated_url: str) -> None:
    with connect(migrated_url) as registry:
        assert isinstance(registry, Registry)
    with pytest.raises(TypeError):
        connect(migrated_url, token="atl_x")


def test_the_review_queue_pin_report_and_datasets_page_as_in_the_library(legacy_url: str) -> None:
    with both(legacy_url) as (local, remote):
        local.backfill()
        assert remote.list_reviews() == local.list_reviews() != []
        assert remote.list_reviews(None) == local.list_reviews(None)
        page = remote.review_page("open", page_size=1)
        assert page == local.review_page("open", page_size=1)
        [item] = local.list_reviews()
        assert remote.get_review(item.artifact_id) == local.get_review(item.artifact_id)
        pin = [
            "code_repo_url=https://github.com/atlas-platform/glia-models",
            "code_commit_sha=1a2b3c4d5e6f",
        ]
        resolved = remote.resolve_review(item.artifact_id, pin, actor="x", notes="found it")
        assert resolved == local.get_review(item.artifact_id)
        assert resolved.resolved_by == "trainer"
        assert remote.get_model(item.artifact_id).code_commit_sha == "1a2b3c4d5e6f"
        with pytest.raises(ValidationError):
            remote.resolve_review(item.artifact_id, ["no equals sign"], actor="x")
        assert remote.pin_report() == local.pin_report()
        assert remote.pin_report_page(page_size=2) == local.pin_report_page(page_size=2)
        assert remote.datasets(page_size=2) == local.datasets(page_size=2)
        every = local.datasets(page_size=1000).items
        assert list(remote.iter_datasets(page_size=2)) == every
        assert list(remote.iter_reviews("resolved", page_size=1)) == local.list_reviews("resolved")
        assert list(remote.iter_pin_report(page_size=1)) == local.pin_report()


def test_an_admin_manages_webhooks_through_the_client(
    migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    monkeypatch.setenv("ATLAS_REGISTRY_WEBHOOK_KEY", Fernet.generate_key().decode())
    with both(migrated_url) as (local, remote):
        made = remote.create_webhook(
            "https://hooks.example.com/atlas?k=1", ["model.promoted"], actor="ignored"
        )
        assert made.secret.startswith("whsec_")  # shown once, in the answer to the create
        assert made.webhook == local.webhook(made.webhook.id)
        assert made.webhook.created_by == "trainer"  # the token's name, not the actor given
        assert remote.webhooks() == local.webhooks()
        assert remote.webhook(made.webhook.id) == local.webhook(made.webhook.id)
        assert remote.webhook_deliveries(made.webhook.id) == []
        gone = remote.delete_webhook(made.webhook.id, actor="ignored")
        assert gone == local.webhook(made.webhook.id)
        assert gone.state == "deleted"
        assert remote.webhooks() == []
        assert remote.webhooks(deleted=True) == [gone]
        with pytest.raises(NotFoundError):
            remote.replay_delivery(999_999, actor="ignored")
    with (
        both(migrated_url, scopes=("register",), name="no-admin") as (_local, remote),
        pytest.raises(PermissionDeniedError),
    ):
        remote.create_webhook("https://hooks.example.com/", ["model.promoted"], actor="x")
