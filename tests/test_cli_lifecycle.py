"""promote / reject / history / promoted through the command line."""

from __future__ import annotations

import json

from atlas_registry.errors import IllegalTransitionError, PromotionGateError, ValidationError
from atlas_registry.store.db import Database
from tests.catalog_helpers import register
from tests.cli_helpers import invoke

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_gate_refusal_override_and_history(migrated_db: Database, db_url: str) -> None:
    model = register(migrated_db)
    code, _, err = invoke("promote", model.id, "--actor", "agent-eval", "--db", db_url)
    assert code == PromotionGateError.exit_code
    assert "code_commit_sha: is missing" in err
    assert "--override" in err
    code, _, err = invoke("promote", model.id, "--override", "--db", db_url)
    assert code == ValidationError.exit_code
    assert "notes" in err
    code, out, _ = invoke(
        "promote",
        model.id,
        "--override",
        "--notes",
        "legacy model in use",
        "--actor",
        "ops",
        "--db",
        db_url,
        "--json",
    )
    assert code == 0
    assert json.loads(out)["model"]["promotion_state"] == "promoted"
    code, out, _ = invoke("history", model.id, "--db", db_url, "--json")
    [event] = json.loads(out)
    assert (event["actor"], event["override"], event["notes"]) == (
        "ops",
        True,
        "legacy model in use",
    )
    code, out, _ = invoke("history", model.id, "--db", db_url)
    assert code == 0
    assert "candidate -> promoted" in out
    code, out, _ = invoke("promoted", model.id, "--db", db_url, "--json")
    assert json.loads(out)["id"] == model.id


def test_reject_and_illegal_transition_exit_codes(migrated_db: Database, db_url: str) -> None:
    model = register(migrated_db, code_repo_url="https://g.org/r", code_commit_sha=SHA)
    code, _, err = invoke("reject", model.id, "--db", db_url)
    assert code == ValidationError.exit_code
    assert "notes" in err
    assert invoke("reject", model.id, "--notes", "overfit", "--db", db_url)[0] == 0
    code, _, err = invoke("promote", model.id, "--db", db_url)
    assert code == IllegalTransitionError.exit_code
    assert "rejected and cannot become promoted" in err
    code, out, _ = invoke("list", "--state", "rejected", "--db", db_url, "--json")
    assert [m["id"] for m in json.loads(out)["items"]] == [model.id]
    code, out, _ = invoke("promoted", model.id, "--db", db_url)
    assert "no promoted version" in out


def test_an_empty_actor_is_refused_not_recorded_as_the_login_name(
    migrated_db: Database, db_url: str
) -> None:
    """`--actor "$AGENT"` with the variable unset once recorded the login name instead."""
    model = register(migrated_db, code_repo_url="https://g.org/r", code_commit_sha=SHA)
    code, _, err = invoke("reject", model.id, "--notes", "overfit", "--actor", "", "--db", db_url)
    assert code == ValidationError.exit_code
    assert "actor: say who is rejecting" in err
    code, out, _ = invoke("history", model.id, "--db", db_url, "--json")
    assert json.loads(out) == []
