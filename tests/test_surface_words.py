"""Each surface speaks its own words: a gate refusal, and the page behind every problem type.

The library says what is wrong in words no surface owns; the command line adds
its flags, the API its body fields. Every ``type`` an API problem carries is a
page explaining the error and what to do, for every code the API can answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from atlas_registry import IllegalTransitionError, ModelRegistration, PromotionGateError, Registry
from atlas_registry.web.problem_types import (
    HTTP_PROBLEMS,
    REGISTRY_PROBLEMS,
    registry_error_classes,
)
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression
from tests.test_api import Service, assert_problem, svc  # noqa: F401  (the fixture)

CLI_FLAG = re.compile(r"(?<![\w-])--[a-z]")
API_FIELDS = '{"override": true, "notes": "why"}'


def _unpinned(registry: Registry, line: str = "gated") -> str:
    registration = ModelRegistration(title="m", line=line, metadata=logistic_regression())
    return registry.register_model(registration).id


def test_the_librarys_gate_refusals_name_no_surfaces_flags(registry: Registry) -> None:
    first = _unpinned(registry)
    with pytest.raises(PromotionGateError) as promoting:
        registry.promote(first, actor="me")
    registry.promote(first, actor="me", notes="pilot", override=True)
    second = _unpinned(registry)
    registry.promote(second, actor="me", notes="pilot", override=True)
    with pytest.raises(PromotionGateError) as rolling_back:
        registry.rollback("gated", actor="me", notes="back")
    for refused in (promoting.value, rolling_back.value):
        assert "override the gate with notes saying why" in refused.message
        assert not CLI_FLAG.search(refused.message), refused.message
        assert '"override"' not in refused.message


def test_the_librarys_lifecycle_refusals_name_no_surfaces_commands(registry: Registry) -> None:
    """A refused move says the way out in words both a terminal and an HTTP caller act on."""
    versions = [_unpinned(registry, "moves") for _ in range(3)]
    refusals = []
    with pytest.raises(IllegalTransitionError) as caught:  # nothing promoted yet: a candidate
        registry.rollback("moves", actor="me", notes="back")
    refusals.append(caught.value.message)
    for model in versions[:2]:
        registry.promote(model, actor="me", notes="pilot", override=True)
    with pytest.raises(IllegalTransitionError) as caught:  # superseded: only a rollback
        registry.promote(versions[0], actor="me", notes="again", override=True)
    refusals.append(caught.value.message)
    registry.supersede(versions[1], actor="me", notes="withdrawn")
    with pytest.raises(IllegalTransitionError) as caught:  # withdrawn: which one?
        registry.rollback("moves", actor="me", notes="back")
    refusals.append(caught.value.message)
    with pytest.raises(IllegalTransitionError) as caught:  # a candidate is not rolled back to
        registry.rollback("moves", to_version=3, actor="me", notes="back", override=True)
    refusals.append(caught.value.message)
    for message in refusals:
        assert not CLI_FLAG.search(message), message
        assert "`" not in message, message  # no command quoted for one surface
    assert "promote moves@3 instead" in refusals[0]
    assert "rollback of its line to version 1" in refusals[1]
    assert "(superseded: 1, 2)" in refusals[2]


def test_the_command_line_adds_its_flags_to_a_gate_refusal(registry: Registry, db_url: str) -> None:
    model = _unpinned(registry)
    code, _, err = invoke("promote", model, "--actor", "me", "--db", db_url)
    assert code == PromotionGateError.exit_code
    assert 'hint: to promote anyway, add --override --notes "why"' in err
    assert '"override": true' not in err
    code, _, err = invoke("promote", model, "--actor", "me", "--db", db_url, "--json")
    refusal = json.loads(err)
    assert refusal["code"] == "promotion_gate_error"
    assert "--override" in refusal["hint"]
    assert "--override" not in refusal["message"]


def test_the_api_adds_its_body_fields_to_a_gate_refusal(svc: Service) -> None:  # noqa: F811
    unpinned = {"code_repo_url": None, "code_commit_sha": None, "line": "gated"}
    first = svc.register(**unpinned)["id"]
    refused = svc.post(f"/api/v1/models/{first}/promote", {}, "promote")
    detail = assert_problem(refused, 422, "promotion_gate_error")["detail"]
    assert API_FIELDS in detail
    assert "a token holding the override scope" in detail  # promote alone gets a 403
    assert not CLI_FLAG.search(detail), detail
    for model in (first, svc.register(**unpinned)["id"]):
        overridden = {"override": True, "notes": "pilot"}
        assert svc.post(f"/api/v1/models/{model}/promote", overridden, "override").is_success
    back = svc.post("/api/v1/lines/gated/rollback", {"notes": "back"}, "promote")
    detail = assert_problem(back, 422, "promotion_gate_error")["detail"]
    assert API_FIELDS in detail
    assert not CLI_FLAG.search(detail), detail


def _every_code_the_api_answers() -> list[str]:
    """Each error class's code, and the codes the HTTP layer answers with on its own."""
    return sorted({kind.code() for kind in registry_error_classes()} | set(HTTP_PROBLEMS))


def test_every_error_class_has_its_explanation_written() -> None:
    codes = {kind.code() for kind in registry_error_classes()}
    assert "promotion_gate_error" in codes
    assert "metadata_validation_error" in codes
    assert codes <= set(REGISTRY_PROBLEMS), codes - set(REGISTRY_PROBLEMS)
    assert set(REGISTRY_PROBLEMS) <= codes, "an explanation for no error class"


@pytest.fixture(scope="module")
def pages(shared_migrated_url: str) -> Iterator[Service]:
    """One service per backend for the pages of the problem types: reading them writes nothing."""
    service = Service(shared_migrated_url)
    yield service
    service.client.close()
    service.registry.close()


@pytest.mark.parametrize("code", _every_code_the_api_answers())
def test_every_problem_type_resolves_to_a_page_that_explains_it(pages: Service, code: str) -> None:
    answer = pages.client.get(f"/problems/{code}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert "What it means" in html
    assert "What to do" in html
    assert f"<code>{code}</code>" in html
    statuses = {kind.code(): kind.http_status for kind in registry_error_classes()}
    status = statuses.get(code, HTTP_PROBLEMS[code].status if code in HTTP_PROBLEMS else None)
    if status is not None:
        assert f"HTTP {status}" in html
    assert not CLI_FLAG.search(html.split("<main>", 1)[1]), "an API page names CLI flags"


def test_the_types_real_answers_carry_resolve(svc: Service) -> None:  # noqa: F811
    answers = [
        svc.client.get("/api/v1/models/no-such-model"),
        svc.client.get("/api/v1/no-such-route"),
        svc.client.delete("/api/v1/models"),
        svc.client.get("/api/v1/models?page_size=0"),
        svc.client.get("/api/v1/models", headers={"Host": "evil.example"}),
        svc.post("/api/v1/models", {"title": "m"}, "register"),
    ]
    for answer in answers:
        assert answer.status_code >= 400
        page = svc.client.get(answer.json()["type"])
        assert page.status_code == 200, answer.json()["type"]


def test_an_unknown_problem_type_is_a_404_page(svc: Service) -> None:  # noqa: F811
    answer = svc.client.get("/problems/no_such_error")
    assert answer.status_code == 404
    assert "no error is called" in answer.text


def test_the_error_page_links_its_explanation(svc: Service) -> None:  # noqa: F811
    answer = svc.client.get("/models/no-such-model")
    assert answer.status_code == 404
    assert 'href="/problems/not_found_error"' in answer.text
