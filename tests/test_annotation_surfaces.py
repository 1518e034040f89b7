"""Tags and text edits through the command line and the HTTP API, on both databases.

The shells are thin: the same refusal means the same thing on each, a write
over HTTP is attributed to its token and needs the register scope, and the
``tag`` filter is one filter with three spellings (``tag=`` keyword,
``?tag=`` parameter, ``--tag`` option).
"""

from __future__ import annotations

import json

from atlas_registry import Registry, visible_text
from tests.cli_helpers import invoke
from tests.test_api import Service, assert_problem, svc  # noqa: F401 (the fixture)

HOSTILE = "<script>alert(1)</script> [bold]x[/bold] \u202e\U0001f680"


def test_cli_tags_a_line_and_a_version_and_lists_by_tag(registry: Registry) -> None:
    url = str(registry.database.engine.url.render_as_string(hide_password=False))
    code, _out, err = invoke("register", "examples/registration.json", "--db", url)
    assert code == 0, err
    invoke("register", "examples/registration-v2.json", "--db", url)
    line = "ad-risk-predictor"
    code, out, err = invoke("tag", "set", line, "team=vision", "--actor", "ana", "--db", url)
    assert (code, out) == (0, f"{line}: team (not set) -> vision\n"), err
    code, out, _ = invoke("tag", "set", f"{line}@2", f"note={HOSTILE}", "--db", url)
    # Printed as typed, no markup read; the bidi override shown, not obeyed.
    assert code == 0
    assert visible_text(HOSTILE) in out
    assert "\\u202e" in out
    code, out, _ = invoke("tag", "set", f"{line}@2", f"note={HOSTILE}", "--db", url)
    assert out == f"{line}@2: note unchanged (nothing recorded)\n"
    code, out, _ = invoke("list", "--tag", "team=vision", "--tag", "note", "--json", "--db", url)
    assert code == 0
    assert json.loads(out)["items"] == []
    code, out, _ = invoke(
        "list", "--tag", "team=vision", "--tag", f"note={HOSTILE}", "--json", "--db", url
    )
    assert [m["version_number"] for m in json.loads(out)["items"]] == [2]
    code, out, _ = invoke("show", f"{line}@2", "--json", "--db", url)
    assert json.loads(out)["tags"] == {"note": HOSTILE, "team": "vision"}
    code, out, _ = invoke("show", f"{line}@2", "--db", url)
    assert '"team": "vision"' in out
    code, out, _ = invoke("tag", "list", f"{line}@2", "--json", "--db", url)
    assert json.loads(out)["effective_tags"] == {"note": HOSTILE, "team": "vision"}
    code, out, _ = invoke("tag", "history", line, "--json", "--db", url)
    assert [(e["key"], e["actor"]) for e in json.loads(out)] == [("team", "ana")]
    code, _, err = invoke("tag", "set", line, "bad key=1", "--db", url)
    assert code == 1
    assert "got 'bad key'" in err
    code, out, _ = invoke("tag", "remove", line, "team", "--db", url)
    assert out == f"{line}: team vision -> (removed)\n"


def test_cli_describe_edits_and_lists_and_refuses_nothing_else(registry: Registry) -> None:
    url = str(registry.database.engine.url.render_as_string(hide_password=False))
    invoke("register", "examples/registration.json", "--db", url)
    code, out, err = invoke(
        "describe", "ad-risk-predictor", "--changelog", HOSTILE, "--actor", "ana", "--db", url
    )
    assert (code, out) == (0, "ad-risk-predictor@1: changelog edited\n"), err
    code, out, _ = invoke("show", "ad-risk-predictor", "--json", "--db", url)
    assert json.loads(out)["changelog"] == HOSTILE
    code, out, _ = invoke("describe", "ad-risk-predictor", "--json", "--db", url)
    [edit] = json.loads(out)
    assert (edit["field"], edit["before"], edit["after"], edit["actor"]) == (
        "changelog",
        None,
        HOSTILE,
        "ana",
    )
    code, _, err = invoke(
        "describe", "ad-risk-predictor", "--description", "x" * 20001, "--db", url
    )
    assert code == 1
    assert "at most 20000 characters" in err


def _tagged(svc: Service, path: str, body: object, scope: str = "register") -> object:  # noqa: F811
    return svc.post(path, body, scope)


def test_api_tags_need_a_token_with_register_and_are_attributed(svc: Service) -> None:  # noqa: F811
    model = svc.register(line="api-line")["id"]
    path = f"/api/v1/models/{model}/tags"
    assert_problem(svc.client.post(path, json={"set": {"a": "b"}}), 401, "authentication_error")
    assert_problem(svc.post(path, {"set": {"a": "b"}}, "promote"), 403, "permission_denied_error")
    done = svc.post(path, {"set": {"team": HOSTILE}}, "register")
    assert done.status_code == 200, done.text
    [event] = done.json()["changed"]
    assert (event["actor"], event["new_value"], event["scope"]) == (
        "agent-register",
        HOSTILE,
        "version",
    )
    line = svc.post("/api/v1/lines/api-line/tags", {"set": {"stage": "dev"}}, "register")
    assert line.json()["scope"] == "line"
    read = svc.client.get(f"/api/v1/models/{model}/tags").json()
    assert read["effective_tags"] == {"stage": "dev", "team": HOSTILE}
    listed = svc.client.get(
        "/api/v1/models", params=[("tag", "stage=dev"), ("tag", f"team={HOSTILE}")]
    )
    assert [m["id"] for m in listed.json()["items"]] == [model]
    none = svc.client.get("/api/v1/models", params={"tag": "stage=prod"})
    assert none.json()["items"] == []
    bad = svc.client.get("/api/v1/models", params={"tag": "no way"})
    assert_problem(bad, 422, "validation_error")
    history = svc.client.get("/api/v1/lines/api-line/tags/history").json()["items"]
    assert [(e["key"], e["actor"]) for e in history] == [("stage", "agent-register")]
    refused = svc.post(path, {"set": {"x" * 65: "v"}, "remove": ["ok"]}, "register")
    assert_problem(refused, 422, "validation_error")
    assert_problem(svc.post(path, {"sett": {}}, "register"), 422, "validation_error")
    assert_problem(svc.client.get("/api/v1/lines/api-line@1/tags"), 404, "not_found_error")
    assert_problem(svc.client.get("/api/v1/lines/no-line/tags"), 404, "not_found_error")


def test_api_text_edits_keep_history_and_refuse_provenance(svc: Service) -> None:  # noqa: F811
    model = svc.register(description="first")["id"]
    path = f"/api/v1/models/{model}/text"
    done = svc.post(path, {"description": "second", "changelog": HOSTILE}, "register")
    assert done.status_code == 200, done.text
    assert done.json()["description"] == "second"
    assert svc.client.get(f"/api/v1/models/{model}").json()["changelog"] == HOSTILE
    refused = svc.post(path, {"code_commit_sha": "abcdef1"}, "register")
    body = assert_problem(refused, 422, "validation_error")
    assert "provenance" in body["violations"][0]["message"]
    assert_problem(svc.post(path, ["description"], "register"), 422, "validation_error")
    history = svc.client.get(f"/api/v1/models/{model}/text/history").json()["items"]
    assert {(e["field"], e["before"], e["actor"]) for e in history} == {
        ("description", "first", "agent-register"),
        ("changelog", None, "agent-register"),
    }
