"""Aliases of a line: set, move, delete, each move recorded; NAME@ALIAS wherever a model is read.

On both databases, through the library and the command line: names that would
make ``NAME@X`` mean two things are refused, an alias names only a version of
its own line (the database refuses it too), a missing alias names the line's
aliases, and a policy can hold chosen aliases to the gate.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry import (
    GatePolicy,
    ModelRegistration,
    NotFoundError,
    PromotionGateError,
    Registry,
    ValidationError,
)
from atlas_registry.errors import ConfigurationError, ConstraintViolationError, RegistryError
from atlas_registry.lifecycle.policy import parse_policy
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {
    "code_repo_url": "https://github.com/example-lab/ad-risk",
    "code_commit_sha": "ca805a0e57cf09a543ee743d5220dfc4bb87b36c",
}


def line_of(registry: Registry, name: str = "ad-risk", versions: int = 3) -> list[str]:
    """Register ``versions`` versions of line ``name``; their ids, oldest first."""
    return [
        registry.register_model(
            ModelRegistration(title=f"{name} {n}", metadata=logistic_regression(), line=name, **PIN)
        ).id
        for n in range(1, versions + 1)
    ]


def moves_count(registry: Registry) -> int:
    with registry.database.transaction() as conn:
        return int(conn.execute(text("SELECT count(*) FROM model_alias_moves")).scalar_one())


def test_an_alias_is_set_moved_and_deleted_and_every_move_is_kept(registry: Registry) -> None:
    ids = line_of(registry)
    made = registry.set_alias("ad-risk", "champion", to_version=1, actor="ada", notes="first")
    assert (made.changed, made.move.kind, made.move.to_artifact_id) == (True, "set", ids[0])
    assert registry.get_model("ad-risk@champion").id == ids[0]
    moved = registry.set_alias("ad-risk", "champion", to_version=3, actor="bob", notes="better")
    assert (moved.move.kind, moved.move.from_version, moved.move.to_version) == ("move", 1, 3)
    assert registry.get_model("ad-risk@champion").id == ids[2]
    again = registry.set_alias("ad-risk", "champion", to_version=3, actor="bob")
    assert again.changed is False  # already there: nothing recorded
    assert again.move.id == moved.move.id
    registry.set_alias("ad-risk", "staging", to_version=2, actor="ci")
    assert [(a.alias, a.version, a.moved_by) for a in registry.aliases("ad-risk")] == [
        ("champion", "ad-risk@3", "bob"),
        ("staging", "ad-risk@2", "ci"),
    ]
    gone = registry.delete_alias("ad-risk", "champion", actor="cy", notes="retired")
    assert (gone.move.kind, gone.move.from_version, gone.move.to_artifact_id) == ("delete", 3, None)
    history = registry.alias_history("ad-risk")
    assert [(m.alias, m.kind, m.moved_by, m.notes) for m in history] == [
        ("champion", "set", "ada", "first"),
        ("champion", "move", "bob", "better"),
        ("staging", "set", "ci", None),
        ("champion", "delete", "cy", "retired"),
    ]
    assert [m.kind for m in registry.alias_history("ad-risk", "staging")] == ["set"]
    with pytest.raises(NotFoundError, match=r"has no alias 'champion' \(its aliases are staging\)"):
        registry.get_model("ad-risk@champion")


def test_name_at_alias_is_read_wherever_a_model_is(registry: Registry) -> None:
    ids = line_of(registry, versions=2)
    registry.set_alias("ad-risk", "shadow", to_version=1, actor="ada")
    assert registry.resolve("ad-risk@shadow") == ids[0]
    assert registry.lineage("ad-risk@shadow").line_name == "ad-risk"
    assert [e.event.artifact_id for e in registry.history_of("ad-risk@shadow")] == []
    assert "ad-risk 1" in registry.model_card("ad-risk@shadow")
    promoted = registry.promote("ad-risk@shadow", actor="ada")
    assert promoted.model.id == ids[0]
    # A base model named by an alias is stored as the id it names when registering.
    tuned = registry.register_model(
        ModelRegistration(
            title="tuned",
            metadata={**logistic_regression(), "base_model_id": "ad-risk@shadow"},
            **PIN,
        )
    )
    assert tuned.base_model_id == ids[0]
    assert tuned.metadata["base_model_id"] == ids[0]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("promoted", "reserved"),
        ("latest", "reserved"),
        ("12", "names version 12"),
        ("007", "reserved"),
        ("Champion", "not an alias name"),
        ("-x", "not an alias name"),
        ("a b", "not an alias name"),
        ("<b>x</b>", "not an alias name"),
        ("chámpion", "not an alias name"),
        ("x" * 65, "not an alias name"),
        ("x" * 100_000, "not an alias name"),
        ("", "not an alias name"),
        ("a\x00b", "not an alias name"),
        (7, "must be text"),
    ],
)
def test_a_name_that_would_make_name_at_x_ambiguous_or_unsafe_is_refused(
    registry: Registry, name: Any, words: str
) -> None:
    line_of(registry, versions=1)
    with pytest.raises(ValidationError, match=words) as refused:
        registry.set_alias("ad-risk", name, to_version=1, actor="ada")
    assert refused.value.paths == ["alias"]
    assert len(str(refused.value)) < 1000  # a huge name is not echoed back whole
    assert moves_count(registry) == 0


def test_the_longest_name_and_every_allowed_character_are_taken(registry: Registry) -> None:
    line_of(registry, versions=1)
    for name in ("x" * 64, "v2.1_canary-eu", "0day"):
        registry.set_alias("ad-risk", name, to_version=1, actor="ada")
        assert registry.get_model(f"ad-risk@{name}").version_number == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"to_version": 9}, NotFoundError, "has no version 9"),
        ({"to_version": 0}, ValidationError, "whole version number"),
        ({"to_version": True}, ValidationError, "whole version number"),
        ({"to_version": "2"}, ValidationError, "whole version number"),
        ({"to_version": 2**40}, ValidationError, "whole version number"),
        ({"to_version": 1, "actor": "  "}, ValidationError, "say who"),
        ({"to_version": 1, "notes": "x" * 20_001}, ValidationError, "at most 20000"),
        ({"to_version": 1, "override": True}, ValidationError, "override must say why"),
    ],
)
def test_a_bad_set_says_what_is_wrong_and_writes_nothing(
    registry: Registry, kwargs: dict[str, Any], error: type[RegistryError], words: str
) -> None:
    line_of(registry, versions=2)
    given = {"actor": "ada", **kwargs}
    with pytest.raises(error, match=words):
        registry.set_alias("ad-risk", "champion", **given)
    assert moves_count(registry) == 0
    assert registry.aliases("ad-risk") == []


def test_a_missing_line_or_alias_is_named(registry: Registry) -> None:
    line_of(registry, versions=1)
    with pytest.raises(NotFoundError, match=r"no model line named 'ad-rsk'.*ad-risk"):
        registry.set_alias("ad-rsk", "champion", to_version=1, actor="ada")
    with pytest.raises(NotFoundError, match=r"has no alias 'nope' \(it has no aliases\)"):
        registry.get_model("ad-risk@nope")
    with pytest.raises(NotFoundError, match="has no alias 'nope'"):
        registry.delete_alias("ad-risk", "nope", actor="ada")
    with pytest.raises(NotFoundError, match="has no alias 'nope'"):
        registry.alias_history("ad-risk", "nope")
    with pytest.raises(NotFoundError, match="after @ comes a version number, promoted, latest"):
        registry.get_model("ad-risk@No Such")
    for unstorable in ("ad\x00risk", "ad\ud800risk"):
        with pytest.raises(NotFoundError, match="no model line named"):
            registry.aliases(unstorable)
        with pytest.raises(NotFoundError, match="no model line named"):
            registry.named_at(f"{unstorable}@champion", "2026-05-01T12:00Z")


def test_an_alias_names_only_a_version_of_its_own_line_even_in_the_database(
    registry: Registry,
) -> None:
    """The code finds versions in the line only; the database refuses a hand-written row too."""
    mine = line_of(registry, "ad-risk", versions=1)
    theirs = line_of(registry, "other", versions=2)
    registry.set_alias("ad-risk", "champion", to_version=1, actor="ada")
    with pytest.raises(NotFoundError, match="model line ad-risk has no version 2"):
        registry.set_alias("ad-risk", "champion", to_version=2, actor="ada")
    database = registry.database
    for sql in (
        "INSERT INTO model_alias_moves (line_id, alias, artifact_id, moved_by, moved_at) "
        f"VALUES ('{mine[0]}', 'x', '{theirs[0]}', 'me', '2026-01-01 00:00:00')",
        f"UPDATE model_aliases SET artifact_id = '{theirs[1]}' WHERE alias = 'champion'",
    ):
        with pytest.raises(ConstraintViolationError), database.transaction(write=True) as conn:
            conn.execute(text(sql))
    assert registry.get_model("ad-risk@champion").id == mine[0]


GATED = """
[aliases.production]
require_promoted = true

[aliases.canary]
require_gate = true

[benchmarks."adni-conversion-v1"]
metric = "auroc"
minimum = 0.75
"""


def test_a_policy_gates_chosen_aliases_with_the_gates_own_error(migrated_url: str) -> None:
    policy = parse_policy(GATED, "test policy")
    with Registry.open(migrated_url, policy=policy) as registry:
        line_of(registry, versions=2)
        registry.set_alias("ad-risk", "staging", to_version=1, actor="ada")  # not gated
        with pytest.raises(PromotionGateError) as refused:
            registry.set_alias("ad-risk", "production", to_version=1, actor="ada")
        assert refused.value.code() == "promotion_gate_error"
        assert refused.value.paths == ["promotion_state"]
        assert "promote it first" in refused.value.violations[0].message
        registry.promote("ad-risk@1", actor="ada")
        assert registry.set_alias("ad-risk", "production", to_version=1, actor="ada").changed
        forced = registry.set_alias(
            "ad-risk", "production", to_version=2, actor="ada", override=True, notes="hotfix"
        )
        assert forced.move.override is True
        assert registry.alias_history("ad-risk", "production")[-1].override is True


def test_an_alias_held_to_the_whole_gate_lists_every_unmet_condition(migrated_url: str) -> None:
    policy = parse_policy(GATED, "test policy")
    with Registry.open(migrated_url, policy=policy) as registry:
        weak = {**logistic_regression(), "evaluation_metrics": {"auroc": 0.5}}
        registry.register_model(ModelRegistration(title="weak", metadata=weak, line="weak"))
        with pytest.raises(PromotionGateError) as refused:
            registry.set_alias("weak", "canary", to_version=1, actor="ada")
        assert set(refused.value.paths) == {
            "code_repo_url",
            "code_commit_sha",
            "eval_metrics.auroc",
        }
        assert registry.aliases("weak") == []


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[aliases."Prod"]\nrequire_promoted = true', "not an alias name"),
        ("[aliases.promoted]\nrequire_promoted = true", "reserved"),
        ("[aliases.production]\nrequire_promotion = true", "unknown keys: require_promotion"),
        ('[aliases.production]\nrequire_promoted = "yes"', "must be true or false"),
        ("[aliases.production]\nrequire_promoted = false", "gates nothing"),
        ("aliases = 3", "must be a table"),
        ("[aliases]\nproduction = true", "must be a table"),
    ],
)
def test_a_policy_file_with_a_bad_alias_rule_is_refused_saying_where(toml: str, words: str) -> None:
    with pytest.raises(ConfigurationError, match=words):
        parse_policy(toml, "p.toml")


def test_a_policy_built_in_code_gates_no_alias_by_default() -> None:
    assert GatePolicy().aliases == {}


def test_the_command_line_sets_lists_shows_and_deletes(migrated_url: str) -> None:
    with Registry.open(migrated_url) as registry:
        ids = line_of(registry, versions=2)
    db = ("--db", migrated_url)
    code, out, err = invoke(
        "alias", "set", "ad-risk", "champion", "--to", "2", "--notes", "[b]bold[/b]", *db
    )
    assert code == 0, err
    assert "ad-risk@champion: - -> ad-risk@2" in out
    code, out, _ = invoke("alias", "set", "ad-risk", "champion", "--to", "2", *db)
    assert "already names ad-risk@2: nothing recorded" in out
    code, out, _ = invoke("alias", "list", "ad-risk", *db)
    assert "champion" in out
    assert "[b]bold[/b]" in out  # shown as typed, never as markup
    code, out, _ = invoke("show", "ad-risk@champion", "--json", *db)
    assert json.loads(out)["id"] == ids[1]
    code, out, _ = invoke("alias", "history", "ad-risk", "champion", "--json", *db)
    assert [m["kind"] for m in json.loads(out)] == ["set"]
    code, _, err = invoke("alias", "set", "ad-risk", "latest", "--to", "1", *db)
    assert code == ValidationError.exit_code
    assert "reserved" in err
    code, out, _ = invoke("alias", "delete", "ad-risk", "champion", "--notes", "done", *db)
    assert code == 0
    assert "ad-risk@2 -> -" in out
    code, _, err = invoke("show", "ad-risk@champion", *db)
    assert code == NotFoundError.exit_code
    assert "has no alias 'champion'" in err
