"""Tags and description/changelog edits through the library, on SQLite and PostgreSQL.

What a user relies on: each change is kept with who and when, a change to the
value already there records nothing, a line's tags reach its versions (a
version's own value winning), ``list --tag`` finds exactly the tagged versions,
a bad tag or a provenance field is refused whole, and the database itself
refuses to rewrite the history or to change the text without an edit.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry import (
    ConstraintViolationError,
    MigrationError,
    ModelRegistration,
    NotFoundError,
    Registry,
    ValidationError,
)
from atlas_registry.catalog import tag_filter
from atlas_registry.store import migration_runner
from tests.payloads import logistic_regression

PIN = {
    "code_repo_url": "https://github.com/example-lab/ad-risk",
    "code_commit_sha": "ca805a0e57cf09a543ee743d5220dfc4bb87b36c",
}


def _register(registry: Registry, line: str = "ad-risk", **fields: Any) -> str:
    registration = ModelRegistration(
        title="AD risk", metadata=logistic_regression(), line=line, **{**PIN, **fields}
    )
    return registry.register_model(registration).id


def _rows(registry: Registry, sql: str) -> list[tuple[Any, ...]]:
    with registry.database.transaction() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _listed(registry: Registry, *tags: str) -> list[int]:
    return sorted(m.version_number for m in registry.list_models(tag=list(tags)))


def test_each_tag_change_is_an_event_and_the_same_value_records_nothing(
    registry: Registry,
) -> None:
    first = _register(registry)
    done = registry.set_tags("ad-risk@1", {"stage": "dev", "reviewed": ""}, actor="ana")
    assert [(e.key, e.old_value, e.new_value) for e in done.events] == [
        ("stage", None, "dev"),
        ("reviewed", None, ""),
    ]
    assert done.tags.own == {"reviewed": "", "stage": "dev"}
    again = registry.set_tags(first, {"stage": "dev"}, actor="bo")
    assert (again.events, again.unchanged) == ([], ["stage"])
    moved = registry.set_tags(first, {"stage": "prod"}, actor="bo")
    assert [(e.old_value, e.new_value, e.actor) for e in moved.events] == [("dev", "prod", "bo")]
    gone = registry.remove_tags(first, ["stage", "never-set"], actor="cy")
    assert [(e.key, e.old_value, e.new_value) for e in gone.events] == [("stage", "prod", None)]
    assert gone.unchanged == ["never-set"]
    history = registry.tag_history(first)
    assert [(e.key, e.old_value, e.new_value, e.actor) for e in history] == [
        ("stage", "prod", None, "cy"),
        ("stage", "dev", "prod", "bo"),
        ("reviewed", None, "", "ana"),
        ("stage", None, "dev", "ana"),
    ]
    assert registry.tags_of(first).own == {"reviewed": ""}
    assert _rows(registry, "SELECT count(*) FROM model_tag_events") == [(4,)]


@pytest.mark.parametrize("few", [1000, 0], ids=["looked up", "checked"])
def test_a_line_tag_reaches_every_version_and_a_version_value_wins(
    registry: Registry, few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same answers whether a tag is looked up in its index (held by few) or checked
    on the newest-first walk (held by many): FEW = 0 makes every tag a common one."""
    monkeypatch.setattr(tag_filter, "FEW", few)
    _register(registry)
    _register(registry)
    _register(registry, line="other")
    line = registry.set_tags("ad-risk", {"team": "vision", "nightly": ""}, actor="ana")
    assert (line.tags.scope, line.tags.label) == ("line", "ad-risk")
    third = _register(registry)  # registered after the line was tagged: tagged too
    registry.set_tags("ad-risk@2", {"team": "audio"}, actor="ana")
    assert _listed(registry, "team=vision") == [1, 3]
    assert _listed(registry, "team=audio") == [2]
    assert _listed(registry, "nightly") == [1, 2, 3]
    assert _listed(registry, "nightly", "team=audio") == [2]  # every tag must match
    assert _listed(registry, "nightly", "team=nobody") == []
    second = registry.tags_of("ad-risk@2")
    assert second.own == {"team": "audio"}
    assert second.line == {"nightly": "", "team": "vision"}
    assert second.effective == {"nightly": "", "team": "audio"}
    effective = registry.effective_tags([third, registry.resolve("other")])
    assert effective == {third: {"nightly": "", "team": "vision"}, registry.resolve("other"): {}}
    page = registry.list_page(page_size=1, tag=["nightly"])
    assert len(page.items) == 1
    assert page.next_page_token
    rest = registry.list_page(page_size=5, page_token=page.next_page_token, tag=["nightly"])
    assert len(rest.items) == 2
    with pytest.raises(ValidationError):  # a token made for other filters is refused
        registry.list_page(page_size=5, page_token=page.next_page_token, tag=["team=vision"])


@pytest.mark.parametrize(
    ("tags", "path"),
    [
        ({"bad key": "x"}, "set.bad key"),
        ({"": "x"}, "set.''"),
        ({"k" * 65: "x"}, "set." + "k" * 64 + "... (1 more characters)"),
        ({"a=b": "x"}, "set.a=b"),
        ({"<script>": "x"}, "set.<script>"),
        ({"\u05e9\u05dc\u05d5\u05dd": "x"}, "set.\u05e9\u05dc\u05d5\u05dd"),
        ({"ok": "v" * 501}, "set.ok"),
        ({"ok": "nul\x00"}, "set.ok"),
        ({"ok": " padded"}, "set.ok"),
        ({"ok": 3}, "set.ok"),
        ({"ok": None}, "set.ok"),
        ({f"k{n}": "v" for n in range(51)}, "set"),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_a_bad_tag_is_refused_naming_it_and_nothing_is_written(
    registry: Registry, tags: dict[str, Any], path: str
) -> None:
    _register(registry)
    with pytest.raises(ValidationError) as refused:
        registry.set_tags("ad-risk@1", {"fine": "yes", **tags}, actor="ana")
    assert path in refused.value.paths
    assert _rows(registry, "SELECT count(*) FROM model_tag_events") == [(0,)]
    assert _rows(registry, "SELECT count(*) FROM model_tags") == [(0,)]


def test_hostile_values_are_kept_as_typed(registry: Registry) -> None:
    _register(registry)
    hostile = {
        "markup": "<b>x</b> [red]y[/red] {{ 7*7 }}",
        "rtl": "\u05e9\u05dc\u05d5\u05dd \u202eevil",
        "emoji": "\U0001f680\U0001f525",
        "long": "\u00e9" * 500,
    }
    registry.set_tags("ad-risk", hostile, actor="\u05d0\u05e0\u05d4")
    assert registry.tags_of("ad-risk").own == dict(sorted(hostile.items()))
    assert _listed(registry, f"markup={hostile['markup']}") == [1]


def test_tagging_refuses_a_blank_actor_an_unknown_model_and_an_empty_change(
    registry: Registry,
) -> None:
    _register(registry)
    with pytest.raises(ValidationError, match="actor"):
        registry.set_tags("ad-risk", {"a": "b"}, actor="  ")
    with pytest.raises(NotFoundError):
        registry.set_tags("no-such-line", {"a": "b"}, actor="ana")
    with pytest.raises(ValidationError, match="nothing to change"):
        registry.change_tags("ad-risk", actor="ana")
    with pytest.raises(ValidationError, match="set and removed"):
        registry.change_tags("ad-risk", actor="ana", set={"a": "b"}, remove=["a"])
    with pytest.raises(ValidationError):
        registry.list_models(tag=["bad key=1"])


def test_description_and_changelog_edits_keep_before_and_after(registry: Registry) -> None:
    model = _register(registry, description="first words", changelog=None)
    done = registry.edit_text("ad-risk@1", {"description": "better words"}, actor="ana")
    assert [(e.field, e.before, e.after) for e in done.edits] == [
        ("description", "first words", "better words")
    ]
    assert registry.get_model(model).description == "better words"
    same = registry.edit_text(model, {"description": "better words"}, actor="bo")
    assert (same.edits, same.unchanged) == ([], ["description"])
    registry.edit_text(
        model, {"changelog": "<script>alert(1)</script>", "description": ""}, actor="bo"
    )
    record = registry.get_model(model)
    assert (record.description, record.changelog) == (None, "<script>alert(1)</script>")
    history = registry.text_history(model)
    assert [(e.field, e.before, e.after, e.actor) for e in history] == [  # newest first
        ("description", "better words", None, "bo"),
        ("changelog", None, "<script>alert(1)</script>", "bo"),
        ("description", "first words", "better words", "ana"),
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"code_commit_sha": "abcdef1"},
        {"metadata": {}},
        {"eval_metrics": {"auroc": 1.0}},
        {"title": "new"},
        {"description": "ok", "base_model_id": "x"},
        {},
        {"description": 3},
        {"changelog": "x" * 20001},
        {"description": "nul\x00"},
    ],
    ids=lambda v: repr(v)[:30],
)
def test_provenance_and_bad_text_are_refused_and_nothing_changes(
    registry: Registry, changes: dict[str, Any]
) -> None:
    model = _register(registry, description="kept")
    with pytest.raises(ValidationError) as refused:
        registry.edit_text(model, changes, actor="ana")
    if set(changes) - {"description", "changelog"}:
        assert "provenance" in str(refused.value)
    assert registry.get_model(model).description == "kept"
    assert registry.text_history(model) == []


def test_the_database_refuses_a_text_change_without_an_edit_and_keeps_history(
    registry: Registry,
) -> None:
    model = _register(registry, description="kept")
    registry.edit_text(model, {"description": "edited"}, actor="ana")
    for statement in (
        f"UPDATE artifacts SET description = 'sneaked' WHERE id = '{model}'",
        f"UPDATE artifacts SET changelog = 'sneaked' WHERE id = '{model}'",
        "UPDATE model_text_edits SET after_text = 'x'",
        "DELETE FROM model_text_edits",
    ):
        with (
            pytest.raises(ConstraintViolationError),
            registry.database.transaction(write=True) as conn,
        ):
            conn.execute(text(statement))
    assert registry.get_model(model).description == "edited"
    registry.set_tags("ad-risk", {"team": "vision"}, actor="ana")
    for artifact in (model, registry.tags_of("ad-risk").subject_id):
        with (
            pytest.raises(ConstraintViolationError, match="tag changes or text edits"),
            registry.database.transaction(write=True) as conn,
        ):
            conn.execute(text(f"DELETE FROM artifacts WHERE id = '{artifact}'"))
    # Other columns of the row still move (a transition touches updated_at and state).
    with registry.database.transaction(write=True) as conn:
        conn.execute(text(f"UPDATE artifacts SET updated_at = updated_at WHERE id = '{model}'"))


def _below_annotations(registry: Registry) -> int:
    numbers = migration_runner.load_migrations(registry.database.dialect)
    return max(m.number for m in numbers if m.number < 23)


def test_a_down_migration_that_would_lose_tags_or_edits_is_refused(registry: Registry) -> None:
    model = _register(registry, description="kept")
    registry.set_tags("ad-risk", {"team": "vision"}, actor="ana")
    registry.edit_text(model, {"description": "edited"}, actor="ana")
    target = _below_annotations(registry)
    with pytest.raises(MigrationError) as refused:
        migration_runner.downgrade(registry.database, to=target)
    message = refused.value.message
    assert "model_tag_events (1 row, by 0023_annotations.down.sql)" in message
    assert "model_text_edits (1 row, by 0023_annotations.down.sql)" in message
    assert "model_tags" not in message.replace("model_tag_events", "")  # derived: no fact
    assert registry.tags_of("ad-risk").own == {"team": "vision"}


def test_down_and_up_again_loses_nothing(registry: Registry) -> None:
    model = _register(registry, description="kept", changelog="log")
    target = _below_annotations(registry)
    # Nothing annotated yet; the event log is rebuilt, renumbered, by 0026 on the way up.
    migration_runner.downgrade(registry.database, to=target, discard=["registry_events"])
    migration_runner.migrate(registry.database)
    record = registry.get_model(model)
    assert (record.description, record.changelog) == ("kept", "log")
    registry.set_tags(model, {"team": "vision"}, actor="ana")
    registry.edit_text(model, {"description": "edited"}, actor="ana")
    assert _listed(registry, "team=vision") == [1]
    assert registry.get_model(model).description == "edited"


def test_the_card_carries_the_effective_tags_exactly(registry: Registry) -> None:
    import yaml

    _register(registry)
    plain = registry.model_card("ad-risk@1")
    odd = "a: b # 'c' \"d\" \u05e9\u05dc\u05d5\u05dd"
    registry.set_tags("ad-risk", {"team": "vision", "nightly": "", "odd": odd}, actor="ana")
    registry.set_tags("ad-risk@1", {"team": "audio"}, actor="ana")
    card = registry.model_card("ad-risk@1")
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["atlas_registry"]["tags"] == {"nightly": "", "odd": odd, "team": "audio"}
    assert front["tags"][-3:] == ["nightly", f"odd:{odd}", "team:audio"]
    assert "tags:\n    " not in plain  # an untagged version's card is as it was
