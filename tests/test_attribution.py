"""Over HTTP the actor of every write is the token's name; a body's created_by is only a claim."""

from __future__ import annotations

import json

from sqlalchemy import text

from atlas_registry import ModelRegistration, Registry
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression
from tests.test_api import PIN, Service, svc  # noqa: F401  (the fixture)

REGISTRATION = {"title": "who", "metadata": logistic_regression(), **PIN}


def test_a_registration_is_by_its_token_and_a_different_created_by_is_a_claim(
    svc: Service,  # noqa: F811
) -> None:
    claimed = svc.post("/api/v1/models", {**REGISTRATION, "created_by": "ceo"}, "register")
    assert claimed.status_code == 201
    assert (claimed.json()["created_by"], claimed.json()["claimed_by"]) == ("agent-register", "ceo")
    model = svc.client.get(f"/api/v1/models/{claimed.json()['id']}").json()
    assert (model["created_by"], model["claimed_by"]) == ("agent-register", "ceo")
    for body in (REGISTRATION, {**REGISTRATION, "created_by": "agent-register"}):
        plain = svc.post("/api/v1/models", body, "register").json()
        assert (plain["created_by"], plain["claimed_by"]) == ("agent-register", None)


def test_a_dry_run_shows_the_same_attribution(svc: Service) -> None:  # noqa: F811
    body = {**REGISTRATION, "created_by": "ceo"}
    dry = svc.post("/api/v1/models?dry_run=true", body, "register").json()
    assert (dry["created_by"], dry["claimed_by"], dry["dry_run"]) == ("agent-register", "ceo", True)


def test_a_batch_is_by_its_token_item_by_item(svc: Service) -> None:  # noqa: F811
    items = [{**REGISTRATION, "created_by": "ceo"}, REGISTRATION]
    ids = svc.post("/api/v1/models/batch", {"items": items}, "admin").json()["ids"]
    shown = [svc.registry.get_model(model_id) for model_id in ids]
    assert [(m.created_by, m.claimed_by) for m in shown] == [
        ("agent-admin", "ceo"),
        ("agent-admin", None),
    ]


def test_every_transition_over_http_is_by_its_token(svc: Service) -> None:  # noqa: F811
    first = svc.register(line="who")["id"]
    second = svc.register(line="who")["id"]
    rejected = svc.register(line="who")["id"]
    override = {"notes": "n", "override": True}
    assert svc.post(f"/api/v1/models/{first}/promote", override, "override").status_code == 200
    assert svc.post(f"/api/v1/models/{second}/promote", override, "admin").status_code == 200
    assert svc.post("/api/v1/lines/who/rollback", override, "override").status_code == 200
    assert svc.post(f"/api/v1/models/{first}/supersede", {"notes": "n"}, "admin").status_code == 200
    assert (
        svc.post(f"/api/v1/models/{rejected}/reject", {"notes": "n"}, "promote").status_code == 200
    )
    events = svc.client.get("/api/v1/lines/who/history").json()["items"]
    assert [event["actor"] for event in events] == [
        "agent-override",  # promote first
        "agent-admin",  # promote second (first superseded, by the same move)
        "agent-admin",
        "agent-override",  # rollback: second superseded, first promoted again
        "agent-override",
        "agent-admin",  # supersede first
        "agent-promote",  # reject
    ]


def test_the_library_and_the_command_line_keep_the_documents_created_by(
    registry: Registry, db_url: str
) -> None:
    stated = ModelRegistration(title="lib", created_by="ceo", metadata=logistic_regression())
    record = registry.register_model(stated)
    assert (record.created_by, record.claimed_by) == ("ceo", None)
    code, out, _err = invoke("show", record.id, "--json", "--db", db_url)
    assert code == 0
    assert (json.loads(out)["created_by"], json.loads(out)["claimed_by"]) == ("ceo", None)


def test_the_command_line_shows_a_claim(svc: Service, db_url: str) -> None:  # noqa: F811
    model = svc.post("/api/v1/models", {**REGISTRATION, "created_by": "ceo"}, "register").json()
    code, out, _err = invoke("show", model["id"], "--db", db_url)
    assert code == 0
    assert "claimed_by" in out
    assert "ceo" in out
    assert "agent-register" in out


def _named_by(svc: Service, line: str) -> str | None:  # noqa: F811
    with svc.registry.database.transaction() as conn:
        found = conn.execute(
            text("SELECT named_by FROM model_lines WHERE name = :name"), {"name": line}
        ).scalar_one()
    return str(found) if found is not None else None


def test_a_line_named_over_http_records_its_token(svc: Service) -> None:  # noqa: F811
    unnamed = svc.register()["id"]
    named = svc.post("/api/v1/lines/named-here", {"model": unnamed}, "register")
    assert named.status_code == 201
    assert _named_by(svc, "named-here") == "agent-register"
    svc.registry.name_line(svc.register()["id"], "named-in-code")
    assert _named_by(svc, "named-in-code") is None  # the library knows no token
    svc.register(line="named-at-registration")
    # named by its first registration: by that registration's token, as its event says
    assert _named_by(svc, "named-at-registration") == "agent-register"


def _registered_line(page: str) -> str:
    """The model page's "Registered" entry, as its HTML."""
    start = page.index('<dd class="registered">')
    return page[start : page.index("</dd>", start)]


def test_the_model_page_says_who_registered_a_version_and_who_the_request_claimed(
    svc: Service,  # noqa: F811
) -> None:
    claimed = svc.post(
        "/api/v1/models", {**REGISTRATION, "created_by": "<script>x()</script>"}, "register"
    ).json()
    page = svc.client.get(f"/models/{claimed['id']}")
    assert page.status_code == 200
    shown = _registered_line(page.text)
    assert f"{claimed['registered_at']} by <strong>agent-register</strong>" in shown
    assert "(the request said it was by &lt;script&gt;x()&lt;/script&gt;)" in shown
    assert "<script>x()" not in page.text  # stored text is escaped, never markup
    plain = svc.post("/api/v1/models", REGISTRATION, "register").json()
    shown = _registered_line(svc.client.get(f"/models/{plain['id']}").text)
    assert "by <strong>agent-register</strong>" in shown
    assert "the request said" not in shown


def test_the_model_page_says_when_nobody_was_recorded(svc: Service) -> None:  # noqa: F811
    model = svc.registry.register_model(
        ModelRegistration(title="anon", metadata=logistic_regression())
    )
    shown = _registered_line(svc.client.get(f"/models/{model.id}").text)
    assert "(who registered it was not recorded)" in shown
    by_name = svc.registry.register_model(
        ModelRegistration(title="named", created_by="ana", metadata=logistic_regression())
    )
    assert "by <strong>ana</strong>" in _registered_line(
        svc.client.get(f"/models/{by_name.id}").text
    )


def test_a_line_its_first_registration_names_over_http_is_named_by_the_token(
    svc: Service,  # noqa: F811
) -> None:
    made = svc.post("/api/v1/models", {**REGISTRATION, "line": "named-by-token"}, "register")
    assert made.status_code == 201
    named = [e for e in svc.registry.events_after(0, types=["line.named"]) if e.line_id]
    [event] = [e for e in named if e.payload["name"] == "named-by-token"]
    registered = svc.registry.events_after(0, types=["model.registered"])
    assert event.actor == "agent-register"  # as the model.registered beside it says
    assert [e.actor for e in registered if e.model_id == made.json()["id"]] == ["agent-register"]
    with svc.registry.database.transaction() as conn:
        named_by = conn.execute(
            text("SELECT named_by FROM model_lines WHERE name = 'named-by-token'")
        ).scalar_one()
    assert named_by == "agent-register"
