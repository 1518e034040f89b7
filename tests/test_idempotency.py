"""Idempotency-Key on every write route: a retry gets the first answer, never a second write."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from atlas_registry import (
    IdempotencyKeyReusedError,
    IdempotentRequest,
    InputError,
    KeptAnswer,
    ModelRegistration,
    Registry,
    check_idempotency_key,
)
from atlas_registry.webhooks.keys import KEY_ENV_VAR
from tests.catalog_helpers import add_artifact
from tests.payloads import logistic_regression
from tests.test_api import (
    PIN,
    READS_BY_POST,
    Service,
    _api_routes,
    assert_problem,
    svc,  # noqa: F401  (the fixture)
)

REGISTRATION = {"title": "idem", "metadata": logistic_regression(), **PIN}


def keyed(svc: Service, path: str, body: Any, scope: str, key: str) -> Any:  # noqa: F811
    headers = {**svc.auth(scope), "Idempotency-Key": key}
    return svc.client.post(path, json=body, headers=headers)


def replayed(svc: Service, path: str, body: Any, scope: str, key: str) -> Any:  # noqa: F811
    """Send a keyed write twice: the second answer is the first, marked as given again,
    and the retry wrote nothing."""
    first = keyed(svc, path, body, scope, key)
    assert 200 <= first.status_code < 300, first.text
    assert "Idempotent-Replayed" not in first.headers
    written = _state(svc)
    again = keyed(svc, path, body, scope, key)
    assert _state(svc) == written
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers.get("Location") == first.headers.get("Location")
    return first


def _count(svc: Service, sql: str) -> int:  # noqa: F811
    with svc.registry.database.transaction() as conn:
        return int(conn.execute(text(sql)).scalar_one())


WRITTEN = (
    "artifacts",
    "model_versions",
    "model_promotion_events",
    "model_lines",
    "code_pin_changes",
    "model_evaluations",
    "model_review_queue",
    "model_tag_events",
    "model_text_edits",
    "model_files",
    "model_alias_moves",
    "webhooks",
    "registry_events",  # every write records one: what a delete or a replay is seen by
)


def _state(svc: Service) -> list[Any]:  # noqa: F811
    """What a write can change: each table's rows, and every model's state."""
    counts = [_count(svc, f"SELECT count(*) FROM {table}") for table in WRITTEN]
    with svc.registry.database.transaction() as conn:
        states = conn.execute(
            text("SELECT artifact_id, promotion_state FROM model_versions ORDER BY 1")
        ).all()
        resolved = conn.execute(
            text("SELECT count(*) FROM model_review_queue WHERE status = 'open'")
        ).scalar_one()
    return [*counts, [tuple(row) for row in states], resolved]


def _models(svc: Service) -> int:  # noqa: F811
    return _count(svc, "SELECT count(*) FROM model_versions")


def test_every_write_route_answers_a_retry_with_its_first_answer(
    svc: Service,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY_ENV_VAR, Fernet.generate_key().decode())
    covered: set[str] = set()

    def once(template: str, path: str, body: Any, scope: str = "admin") -> Any:
        covered.add(template)
        before = _state(svc)
        first = replayed(svc, path, body, scope, f"key-{template}")
        assert _state(svc) != before  # the first one wrote, the retry did not
        return first.json()

    before = _models(svc)
    model = once("/api/v1/models", "/api/v1/models", {**REGISTRATION, "line": "idem"})["id"]
    assert _models(svc) == before + 1
    ids = once("/api/v1/models/batch", "/api/v1/models/batch", {"items": [REGISTRATION] * 2})
    assert _models(svc) == before + 3
    assert len(ids["ids"]) == 2
    once("/api/v1/lines/{name}", "/api/v1/lines/idem-named", {"model": ids["ids"][0]})
    promote = "/api/v1/models/{model_ref}/promote"
    once(promote, f"/api/v1/models/{model}/promote", {"notes": "n", "override": True})
    second = svc.register(line="idem")["id"]
    svc.post(f"/api/v1/models/{second}/promote", {"notes": "n", "override": True})
    once(
        "/api/v1/lines/{name}/rollback",
        "/api/v1/lines/idem/rollback",
        {"notes": "back", "override": True},
    )
    alias = "/api/v1/lines/{name}/aliases/{alias}"
    once(alias, "/api/v1/lines/idem/aliases/champion", {"to_version": 1, "notes": "n"}, "promote")
    once(f"{alias}/delete", "/api/v1/lines/idem/aliases/champion/delete", {}, "promote")
    once(
        "/api/v1/models/{model_ref}/supersede", f"/api/v1/models/{model}/supersede", {"notes": "x"}
    )
    candidate = svc.register()["id"]
    add_artifact(svc.registry.database, "dataset-idem", "dataset")
    evaluation = {"benchmark_id": "b-idem", "dataset_id": "dataset-idem", "metrics": {"auroc": 0.9}}
    once(
        "/api/v1/models/{model_ref}/evaluations",
        f"/api/v1/models/{candidate}/evaluations",
        evaluation,
        "register",
    )
    once("/api/v1/models/{model_ref}/reject", f"/api/v1/models/{candidate}/reject", {"notes": "x"})
    dataset = {"title": "d", "uri": "s3://d", "license": "MIT", "revision": "v1"}
    once("/api/v1/datasets", "/api/v1/datasets", dataset, "register")
    svc.registry.backfill()
    [item] = svc.client.get("/api/v1/review-queue").json()["items"]
    pin = {"code_repo_url": "https://github.com/atlas-platform/glia", "code_commit_sha": "1a2b3c4"}
    once(
        "/api/v1/review-queue/{artifact_ref}/resolve",
        f"/api/v1/review-queue/{item['artifact_id']}/resolve",
        {"set": pin},
        "review",
    )
    once("/api/v1/models/{model_ref}/tags", f"/api/v1/models/{model}/tags", {"set": {"a": "b"}})
    once("/api/v1/lines/{name}/tags", "/api/v1/lines/idem/tags", {"remove": [], "set": {"a": "c"}})
    once("/api/v1/models/{model_ref}/text", f"/api/v1/models/{model}/text", {"changelog": "x"})
    listed = {"uri": "s3://lab/w.bin", "sha256": "a" * 64, "size_bytes": 1, "role": "weights"}
    once("/api/v1/models/{model_ref}/files", f"/api/v1/models/{model}/files", listed, "register")
    _webhook_writes(svc, covered, once)
    fastapi_app = svc.client.app.fastapi  # type: ignore[attr-defined]
    writes = {
        r.path
        for r in _api_routes(fastapi_app.routes)
        if (r.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"} and r.path not in READS_BY_POST
    }
    assert covered == writes  # a new write route must be added here


def _webhook_writes(svc: Service, covered: set[str], once: Any) -> None:  # noqa: F811
    """The webhook routes: a retried create gets its first answer without the secret (which
    no kept answer holds); a retried replay or delete gets its first answer."""
    covered.add("/api/v1/webhooks")
    hook = {"url": "https://hooks.example.com/idem", "types": ["model.registered"]}
    before = _state(svc)
    first = keyed(svc, "/api/v1/webhooks", hook, "admin", "key-webhook")
    written = _state(svc)
    again = keyed(svc, "/api/v1/webhooks", hook, "admin", "key-webhook")
    assert written != before
    assert _state(svc) == written
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["secret"].startswith("whsec_")
    assert again.json() == {**first.json(), "secret": None}
    hook_id = first.json()["id"]
    svc.register()  # an event the webhook is owed
    svc.registry.webhook_worker().enqueue()
    [delivery] = svc.registry.webhook_deliveries(hook_id)
    replay = "/api/v1/webhooks/deliveries/{delivery_id}/replay"
    once(replay, f"/api/v1/webhooks/deliveries/{delivery.id}/replay", {})
    covered.add("/api/v1/webhooks/{webhook_id}")
    headers = {**svc.auth("admin"), "Idempotency-Key": "key-webhook-delete"}
    before = _state(svc)
    gone = svc.client.request("DELETE", f"/api/v1/webhooks/{hook_id}", json={}, headers=headers)
    written = _state(svc)
    again = svc.client.request("DELETE", f"/api/v1/webhooks/{hook_id}", json={}, headers=headers)
    assert gone.status_code == again.status_code == 200
    assert written != before
    assert _state(svc) == written
    assert again.content == gone.content
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_key_sent_with_another_body_or_route_is_refused(svc: Service) -> None:  # noqa: F811
    first = keyed(svc, "/api/v1/models", REGISTRATION, "admin", "k1")
    assert first.status_code == 201
    other_body = keyed(svc, "/api/v1/models", {**REGISTRATION, "title": "x"}, "admin", "k1")
    detail = assert_problem(other_body, 422, "idempotency_key_reused_error")["detail"]
    assert "POST /api/v1/models with another body" in detail
    model = first.json()["id"]
    other_route = keyed(svc, f"/api/v1/models/{model}/reject", {"notes": "n"}, "admin", "k1")
    detail = assert_problem(other_route, 422, "idempotency_key_reused_error")["detail"]
    assert f"not POST /api/v1/models/{model}/reject" in detail
    assert svc.client.get(f"/api/v1/models/{model}").json()["promotion_state"] == "candidate"
    assert (
        _count(
            svc,
            "SELECT count(*) FROM model_versions WHERE artifact_id IN "
            "(SELECT id FROM artifacts WHERE title = 'x')",
        )
        == 0
    )


def test_keys_belong_to_the_token_that_sent_them(svc: Service) -> None:  # noqa: F811
    mine = keyed(svc, "/api/v1/models", REGISTRATION, "register", "shared")
    theirs = keyed(svc, "/api/v1/models", REGISTRATION, "admin", "shared")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]


# Each key as its header's bytes, and the words its refusal holds.
MALFORMED: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "it is empty"),
    "201 characters": (b"k" * 201, "it is 201 characters long"),
    "500 characters": (b"k" * 500, "it is 500 characters long"),
    "non-ASCII, in UTF-8": (
        "\u043a\u043b\u044e\u0447-\u00e9".encode(),
        "a non-ASCII character at position 1",
    ),
    "non-ASCII after ASCII, in UTF-8": (
        "caf\u00e9".encode(),
        "a non-ASCII character at position 4",
    ),
    "a tab": (b"tab\there", "a tab at position 4"),
}


@pytest.mark.parametrize("dry_run", [False, True], ids=["write", "dry run"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_key_is_refused_and_nothing_written(
    svc: Service,  # noqa: F811
    case: str,
    dry_run: bool,
) -> None:
    """Refused alike on a write and on its dry run, which would otherwise pass what the write
    refuses; the refusal says where the key breaks the rule, never echoing what it holds."""
    key, words = MALFORMED[case]
    before = _models(svc)
    headers: dict[str, Any] = {**svc.auth("register"), "Idempotency-Key": key}
    path = "/api/v1/models?dry_run=true" if dry_run else "/api/v1/models"
    response = svc.client.post(path, json=REGISTRATION, headers=headers)
    detail = assert_problem(response, 400, "input_error")["detail"]
    assert detail.startswith(
        "the Idempotency-Key header: an idempotency key must be 1 to 200 printable ASCII "
        "characters (letters, digits, punctuation, spaces); "
    )
    assert detail.endswith(words)
    assert detail.isascii()  # no mojibake of the key's bytes
    assert _models(svc) == before
    assert _count(svc, "SELECT count(*) FROM idempotency_keys") == 0


def test_a_key_that_is_not_utf8_is_refused_counting_bytes() -> None:
    """A header's bytes that do not decode as UTF-8 have no characters to count: bytes are.

    (The test client re-encodes a header as UTF-8, so this is the registry's check itself.)
    """
    with pytest.raises(InputError) as refused:
        check_idempotency_key("caf\u00e9-\u00e9".encode("latin-1"))
    assert refused.value.message.endswith("; it holds a non-ASCII byte at position 4")
    assert check_idempotency_key(b"plain key~") == "plain key~"


def test_a_dry_run_with_a_good_key_still_keeps_nothing(svc: Service) -> None:  # noqa: F811
    headers = {**svc.auth("register"), "Idempotency-Key": "good"}
    dry = svc.client.post("/api/v1/models?dry_run=true", json=REGISTRATION, headers=headers)
    assert dry.status_code == 200
    assert _count(svc, "SELECT count(*) FROM idempotency_keys") == 0


def test_a_200_character_key_is_taken(svc: Service) -> None:  # noqa: F811
    replayed(svc, "/api/v1/models", REGISTRATION, "register", "~" * 200)


def test_dry_runs_and_refused_writes_keep_nothing(svc: Service) -> None:  # noqa: F811
    dry = keyed(svc, "/api/v1/models?dry_run=true", REGISTRATION, "register", "k")
    assert dry.status_code == 200
    assert dry.json()["dry_run"] is True
    refused = keyed(svc, "/api/v1/models", {"title": "no metadata"}, "register", "k")
    assert_problem(refused, 422, "validation_error")
    assert _count(svc, "SELECT count(*) FROM idempotency_keys") == 0
    done = keyed(svc, "/api/v1/models", REGISTRATION, "register", "k")
    assert done.status_code == 201
    assert "Idempotent-Replayed" not in done.headers
    assert _count(svc, "SELECT count(*) FROM idempotency_keys") == 1


def test_keys_expire_after_a_day(svc: Service) -> None:  # noqa: F811
    first = keyed(svc, "/api/v1/models", REGISTRATION, "register", "old")
    with svc.registry.database.transaction(write=True) as conn:
        conn.execute(text("UPDATE idempotency_keys SET created_at = '2000-01-01 00:00:00'"))
    keyed(svc, "/api/v1/models", REGISTRATION, "register", "another")  # purges the old key
    assert _count(svc, "SELECT count(*) FROM idempotency_keys WHERE idempotency_key = 'old'") == 0
    again = keyed(svc, "/api/v1/models", REGISTRATION, "register", "old")
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]


def _request(key: str, body: str = "b") -> IdempotentRequest:
    return IdempotentRequest("owner", key, "POST /x", body)


def test_the_same_key_at_once_waits_for_the_first_and_never_writes_twice(
    registry: Registry,
) -> None:
    started, release = threading.Event(), threading.Event()
    writes: list[str] = []

    def slow_work() -> str:
        started.set()
        assert release.wait(10)
        model = registry.register_model(
            ModelRegistration(title="once", metadata=logistic_regression())
        )
        writes.append(model.id)
        return model.id

    def fast_work() -> str:
        writes.append("second")
        return "second"

    def answer(model_id: str) -> KeptAnswer:
        return KeptAnswer(201, model_id.encode())

    # By thread, not in the order they finish: once the first commits, either
    # thread may be the first to be scheduled again.
    answers: dict[str, KeptAnswer] = {}
    first = threading.Thread(
        target=lambda: answers.update(
            first=registry.idempotent(_request("race"), slow_work, answer)
        )
    )
    first.start()
    assert started.wait(10)
    second = threading.Thread(
        target=lambda: answers.update(
            second=registry.idempotent(_request("race"), fast_work, answer)
        )
    )
    second.start()
    time.sleep(0.5)
    assert second.is_alive()  # waiting for the first one's transaction
    release.set()
    first.join(15)
    second.join(15)
    assert len(writes) == 1
    assert (answers["first"].replayed, answers["second"].replayed) == (False, True)
    assert answers["first"].body == answers["second"].body == writes[0].encode()
    titled = [m for m in registry.list_models(limit=500) if m.title == "once"]
    assert len(titled) == 1


def test_the_key_is_written_with_the_write_or_not_at_all(registry: Registry) -> None:
    """A verb that fails after writing leaves neither its rows nor the key."""

    def fails_after_writing() -> str:
        registry.register_model(ModelRegistration(title="undone", metadata=logistic_regression()))
        raise IdempotencyKeyReusedError("stand-in for any refusal after the write")

    with pytest.raises(IdempotencyKeyReusedError):
        registry.idempotent(_request("undone"), fails_after_writing, lambda _: KeptAnswer(201, b""))
    assert [m for m in registry.list_models(limit=500) if m.title == "undone"] == []
    kept = registry.idempotent(_request("undone"), lambda: "x", lambda _: KeptAnswer(201, b"x"))
    assert not kept.replayed


def test_a_keyed_write_naming_its_model_by_line_resolves_inside_the_unit(
    svc: Service,  # noqa: F811
) -> None:
    """A transition first tries the reference as an id, then resolves it: both in the one unit."""
    model = svc.register(line="by-name")["id"]
    promoted = replayed(
        svc, "/api/v1/models/by-name@1/promote", {"notes": "n", "override": True}, "admin", "n1"
    )
    assert promoted.json()["model"]["id"] == model
    assert promoted.json()["model"]["promotion_state"] == "promoted"
