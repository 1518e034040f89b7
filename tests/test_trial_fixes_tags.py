"""A refused `tag set` names every bad tag, each at its own path, in the same words everywhere."""

from __future__ import annotations

import json

import pytest

from atlas_registry import ModelRegistration, Registry, ValidationError, parse_tags
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression
from tests.test_api import Service, svc  # noqa: F401 (the fixture)

LONG = "v" * 10_000
CUT = f"'{'v' * 64}... (9,936 more characters)'"


def _model(registry: Registry) -> str:
    registration = ModelRegistration(
        title="AD risk", metadata=logistic_regression(), line="ad-risk"
    )
    return registry.register_model(registration).id


def test_the_library_names_every_bad_tag_at_its_own_path(registry: Registry) -> None:
    _model(registry)
    with pytest.raises(ValidationError) as refused:
        registry.set_tags("ad-risk@1", {"bad key": "x", "": "y", "ok": LONG}, actor="a")
    assert refused.value.summary == "the tags to set are invalid"
    assert refused.value.paths == ["set.bad key", "set.''", "set.ok"]
    [too_long] = [v.message for v in refused.value.violations if v.path == "set.ok"]
    assert too_long.endswith(f"got {CUT}")


def test_the_cli_names_every_bad_tag_not_only_the_first(registry: Registry) -> None:
    _model(registry)
    url = str(registry.database.engine.url.render_as_string(hide_password=False))
    args = ("tag", "set", "ad-risk@1", "bad key=1", "fine=yes", f"ok={LONG}", "a/b c=2")
    code, _, err = invoke(*args, "--db", url)
    assert code == ValidationError.exit_code
    for path in ("tag.bad key", "tag.ok", "tag.a/b c"):
        assert f"- {path}:" in err
    assert CUT in err
    code, _, err = invoke(*args, "--db", url, "--json")
    paths = [v["path"] for v in json.loads(err)["violations"]]
    assert paths == ["tag.bad key", "tag.ok", "tag.a/b c"]
    assert registry.tags_of("ad-risk@1").own == {}


def test_a_key_given_two_values_is_named_with_both() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_tags(["team=a", "team=b", "x y=1"])
    assert refused.value.paths == ["tag.team", "tag.x y"]
    assert "is given two values, 'a' and 'b'" in refused.value.violations[0].message


def test_the_api_names_every_bad_tag_at_its_own_path(svc: Service) -> None:  # noqa: F811
    model = svc.register()["id"]
    refused = svc.post(
        f"/api/v1/models/{model}/tags", {"set": {"bad key": "1", "ok": LONG}}, "register"
    )
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["detail"].startswith("the tags to set are invalid")  # not "set are invalid"
    assert [v["path"] for v in body["violations"]] == ["set.bad key", "set.ok"]
    assert body["violations"][1]["message"].endswith(f"got {CUT}")
