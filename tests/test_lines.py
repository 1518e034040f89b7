"""Named model lines: registering into a line, reading NAME / NAME@N / NAME@promoted, prefixes."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from atlas_registry import (
    AlreadyExistsError,
    AmbiguousReferenceError,
    ModelRegistration,
    NotFoundError,
    Registry,
    SchemaAdmin,
    ValidationError,
)
from atlas_registry.backfill.legacy_fixture import load_legacy
from atlas_registry.backfill.runner import backfill
from atlas_registry.catalog.line_naming import slug_of
from atlas_registry.catalog.lines import line_name_lock
from atlas_registry.review.queue import list_reviews
from atlas_registry.store.db import Database
from atlas_registry.store.paging import make_page_token
from tests.catalog_helpers import sqlite_plan
from tests.cli_helpers import invoke
from tests.conftest import POSTGRES_SERVER_URL, MigratedPostgres, _libpq, reset_postgres
from tests.payloads import logistic_regression
from tests.test_backfill import add_legacy

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def _register(registry: Registry, line: str | None = None, **fields: Any) -> str:
    registration = ModelRegistration(
        title="AD risk", metadata=logistic_regression(), line=line, **{**PIN, **fields}
    )
    return registry.register_model(registration).id


def test_a_line_name_makes_versions_of_one_line(registry: Registry) -> None:
    first = _register(registry, "ad-risk")
    second = _register(registry, "ad-risk")
    other = _register(registry, "other-line")
    v1, v2 = registry.get_model(first), registry.get_model(second)
    assert (v1.version_number, v2.version_number) == (1, 2)
    assert v2.parent_version_id == first
    assert v2.lineage_id == first
    assert (v1.line_name, v2.line_name) == ("ad-risk", "ad-risk")
    assert not registry.get_model(first).is_latest
    assert registry.get_model(other).version_number == 1
    assert [s.name for s in registry.lines()] == ["ad-risk", "other-line"]
    [summary] = registry.lines(name="ad-risk")
    assert (summary.versions, summary.latest_id, summary.promoted_id) == (2, second, None)
    lineage = registry.lineage("ad-risk")
    assert (lineage.line_name, lineage.lineage_id) == ("ad-risk", first)
    assert registry.lineage(other).line_name == "other-line"


def test_the_cli_lineage_names_the_line(registry: Registry, db_url: str) -> None:
    _register(registry, "ad-risk")
    code, out, _ = invoke("lineage", "ad-risk", "--db", db_url)
    assert code == 0
    assert "Versions of line ad-risk" in out


def test_a_line_summary_counts_the_versions_with_facts(registry: Registry) -> None:
    """A flagged latest version without registry facts (a held legacy one) is not shown."""
    first = _register(registry, "ad-risk")
    second = _register(registry, "ad-risk")
    third = _register(registry, "ad-risk")
    registry.promote(second, actor="lead")
    [summary] = registry.lines(name="ad-risk")
    assert (summary.versions, summary.latest_id, summary.latest_version) == (3, third, 3)
    assert (summary.promoted_id, summary.promoted_version) == (second, 2)
    with registry.database.transaction(write=True) as conn:
        conn.execute(text("DELETE FROM model_versions WHERE artifact_id = :id"), {"id": third})
    [summary] = registry.lines(name="ad-risk")
    assert (summary.versions, summary.latest_id, summary.latest_version) == (2, second, 2)
    assert [s.root_id for s in registry.lines()] == [first]


def test_a_version_by_parent_joins_its_lines_name(registry: Registry) -> None:
    first = _register(registry, "ad-risk")
    by_parent = _register(registry, parent_version_id=first)
    assert registry.get_model(by_parent).line_name == "ad-risk"
    assert registry.get_model("ad-risk").id == by_parent


def test_references_name_versions_promoted_and_prefixes(registry: Registry) -> None:
    first = _register(registry, "ad-risk")
    second = _register(registry, "ad-risk")
    registry.promote(first, actor="a")
    assert registry.resolve("ad-risk") == second
    assert registry.resolve("ad-risk@latest") == second
    assert registry.resolve("ad-risk@1") == first
    assert registry.resolve("ad-risk@promoted") == first
    assert registry.resolve(first) == first
    unique = _register(registry, artifact_id="model-zz-unique-1")
    assert registry.resolve("model-zz-uni") == unique
    with pytest.raises(NotFoundError, match="has no version 9"):
        registry.resolve("ad-risk@9")
    assert registry.resolve("ad-risk@001") == first
    for long_ref in ("x" * 5000, "model-" + "y" * 5000):  # a line's length, a prefix's
        with pytest.raises(NotFoundError, match=r"\.\.\. \(5,\d{3} characters\)") as refused:
            registry.resolve(long_ref)
        assert len(str(refused.value)) < 300
    # Beyond the column's range (and SQLite's 64-bit bind), beyond int()'s digit limit.
    for huge in ("2147483648", "9223372036854775808", "9" * 30, "9" * 5000):
        with pytest.raises(NotFoundError, match=f"has no version {huge[:40]}$"):
            registry.resolve(f"ad-risk@{huge}")
    with pytest.raises(NotFoundError, match="after @ comes"):
        registry.resolve("ad-risk@newest")
    with pytest.raises(NotFoundError, match="ad-risk@: after @ comes"):  # not @latest
        registry.resolve("ad-risk@")
    with pytest.raises(NotFoundError, match="needs 8 characters"):
        registry.resolve("model-")
    with pytest.raises(NotFoundError, match="similar names: ad-risk"):
        registry.resolve("ad-rsk")
    with pytest.raises(NotFoundError, match="similar names: ad-risk"):
        registry.resolve("ad")
    _register(registry, artifact_id="model-zz-twin-1")
    _register(registry, artifact_id="model-zz-twin-2")
    with pytest.raises(AmbiguousReferenceError, match="model-zz-twin-1, model-zz-twin-2"):
        registry.resolve("model-zz-twin")
    for wildcard in ("model-zz-twin-?", "model-zz-t*", "model-zz-twin-[12]"):
        with pytest.raises(NotFoundError):  # wildcards are characters of the prefix
            registry.resolve(wildcard)
    with registry.database.transaction(write=True) as conn:
        conn.execute(  # a dataset sharing the prefix is not a model
            text("INSERT INTO artifacts (id, artifact_type, title) VALUES (:id, 'dataset', 'd')"),
            {"id": "model-zz-uni-dataset"},
        )
    assert registry.resolve("model-zz-uni") == unique


def test_an_id_prefix_is_found_through_the_key(sqlite_db: Database) -> None:
    """`show model-01a2...` costs the same at any catalog size on SQLite."""
    from sqlalchemy import select

    from atlas_registry.catalog.refs import _models_starting_with
    from atlas_registry.store.tables import artifacts

    with sqlite_db.single_read() as conn:
        query = select(artifacts.c.id).where(_models_starting_with(conn, "model-01a2"))
    plan = sqlite_plan(sqlite_db, query, {})
    assert "USING COVERING INDEX sqlite_autoindex_artifacts_1 (id>? AND id<?)" in plan or (
        "USING INDEX sqlite_autoindex_artifacts_1 (id>? AND id<?)" in plan
    ), plan
    assert "SCAN" not in plan, plan


def test_a_line_without_a_promoted_version_says_so(registry: Registry) -> None:
    _register(registry, "ad-risk")
    with pytest.raises(NotFoundError, match="ad-risk has no promoted version"):
        registry.get_model("ad-risk@promoted")


@pytest.mark.parametrize("name", ["AD-Risk", "a", "ad risk", "ad@risk", "-ad", "x" * 101, "ad\n"])
def test_a_bad_line_name_is_refused(registry: Registry, name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _register(registry, name)
    assert caught.value.paths == ["line"]


def test_one_line_has_one_name(registry: Registry) -> None:
    first = _register(registry, "ad-risk")
    with pytest.raises(ValidationError, match="this line is named ad-risk"):
        _register(registry, "renamed", parent_version_id=first)
    other = _register(registry)
    with pytest.raises(AlreadyExistsError, match="already named ad-risk"):
        registry.name_line(other, "ad-risk")
    assert registry.name_line(other, "second").latest_id == other
    with pytest.raises(AlreadyExistsError):
        registry.name_line(other, "third")


def test_a_batch_may_start_and_extend_a_line(registry: Registry) -> None:
    registration = ModelRegistration(
        title="t", metadata=logistic_regression(), line="batch-line", **PIN
    )
    ids = registry.register_models([registration, registration, registration])
    assert [registry.get_model(i).version_number for i in ids] == [1, 2, 3]
    assert registry.get_model("batch-line").id == ids[-1]


def test_racing_registrations_into_a_new_line_number_it_gaplessly(db_url: str) -> None:
    with SchemaAdmin.open(db_url, create=True) as admin:
        admin.migrate()
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def work() -> None:
        with Registry.open(db_url) as registry:
            barrier.wait()
            try:
                for _ in range(5):
                    _register(registry, "raced")
            except BaseException as exc:  # collected and re-raised below
                failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with Registry.open(db_url) as registry:
        versions = sorted(m.version_number for m in registry.list_models(line="raced"))
        assert versions == list(range(1, 21))
        assert len(registry.lines()) == 1


def test_backfilled_lines_are_named_after_titles_and_a_clash_is_held(db: Database) -> None:
    from atlas_registry.store import migration_runner

    migration_runner.migrate(db, to=1)
    load_legacy(db)
    migration_runner.migrate(db)
    add_legacy(db, "legacy-twin-a", {**logistic_regression()})
    add_legacy(db, "legacy-twin-b", {**logistic_regression()})
    add_legacy(db, "legacy-self-named", {**logistic_regression()})  # its title is its id
    with db.transaction(write=True) as conn:
        conn.execute(
            text("UPDATE artifacts SET title = 'Twin Model' WHERE id IN (:a, :b)"),
            {"a": "legacy-twin-a", "b": "legacy-twin-b"},
        )
    backfill(db)
    with Registry.open(str(db.url)) as registry:
        names = {s.name for s in registry.lines()}
        assert "ad-risk-prediction-model" in names
        assert "twin-model" not in names
        assert "legacy-self-named" not in names
        assert registry.get_model("ad-risk-prediction-model").title == "AD Risk Prediction Model"
    held = {item.artifact_id: item for item in list_reviews(db)}
    for twin in ("legacy-twin-a", "legacy-twin-b"):
        assert not held[twin].blocking
        assert "'twin-model'" in held[twin].reasons[0]["reason"]
    assert "is also an artifact id" in held["legacy-self-named"].reasons[0]["reason"]
    for item in held.values():  # stored for every surface: no command of one of them
        for reason in item.reasons:
            assert "atlas-registry" not in reason["reason"], reason
            assert "`" not in reason["reason"], reason


def test_a_legacy_line_whose_versions_have_different_titles_takes_the_first(
    db: Database,
) -> None:
    """ "Foo Model" and "Foo Model v2" of one line once made two names for it: the whole
    backfill failed on the one-name-per-line constraint."""
    from atlas_registry.store import migration_runner

    migration_runner.migrate(db)
    add_legacy(db, "foo-v1", {**logistic_regression()})
    add_legacy(db, "foo-v2", {**logistic_regression()})
    with db.transaction(write=True) as conn:
        conn.execute(
            text("UPDATE artifacts SET title = 'Foo Model', is_latest = 0 WHERE id = 'foo-v1'")
        )
        conn.execute(
            text(
                "UPDATE artifacts SET title = 'Foo Model v2', version_number = 2, "
                "parent_version_id = 'foo-v1', lineage_id = 'foo-v1' WHERE id = 'foo-v2'"
            )
        )
    result = backfill(db)
    assert result.backfilled == 2
    with Registry.open(str(db.url)) as registry:
        assert [(s.name, s.versions) for s in registry.lines()] == [("foo-model", 2)]
        assert registry.resolve("foo-model") == "foo-v2"


def test_only_a_registered_models_line_can_be_named(db: Database, db_url: str) -> None:
    """Naming a held legacy model's line wrote the name, then failed with a traceback."""
    from atlas_registry.store import migration_runner

    migration_runner.migrate(db)
    add_legacy(db, "legacy-held", '{"model_type": "ode"}')  # too little to backfill
    backfill(db)
    add_artifact_row = (
        "INSERT INTO artifacts (id, artifact_type, title) VALUES (:id, 'dataset', 'd')"
    )
    with db.transaction(write=True) as conn:
        conn.execute(text(add_artifact_row), {"id": "dataset-1"})
    for model, why in (("legacy-held", "has no registry facts yet"), ("dataset-1", "not a model")):
        code, _, err = invoke("name-line", model, "some-line", "--db", db_url)
        assert code == NotFoundError.exit_code
        assert why in err
    with Registry.open(db_url) as registry:
        assert registry.lines() == []
        with pytest.raises(NotFoundError, match="no model line named 'some-line'"):
            registry.lines(name="some-line")
    code, _, err = invoke("lines", "some-line", "--db", db_url)
    assert code == NotFoundError.exit_code


def test_listing_an_unknown_line_names_it_instead_of_an_empty_list(registry: Registry) -> None:
    _register(registry, "ad-risk")
    similar = r"no model line named 'ad-rsk'; model lines with similar names: ad-risk"
    with pytest.raises(NotFoundError, match=similar):
        registry.list_models(line="ad-rsk")
    with pytest.raises(NotFoundError, match="no model line named 'ad-rsk'"):
        registry.list_page(line="ad-rsk", page_size=5)
    # A line that exists and matches nothing is an empty list, as any filter is.
    assert registry.list_models(line="ad-risk", promotion_state="rejected") == []
    assert registry.list_page(line="ad-risk", promotion_state="rejected").items == []


def test_a_line_name_and_an_artifact_id_are_never_the_same(registry: Registry) -> None:
    """An exact id is tried before a line name: ``promote X`` must not mean a stale version."""
    with pytest.raises(ValidationError) as refused:  # version 1 would take the line's name
        _register(registry, "ad-risk", artifact_id="ad-risk")
    assert [v.path for v in refused.value.violations] == ["line"]
    first = _register(registry, artifact_id="model-named-by-hand")
    with pytest.raises(ValidationError, match="is also an artifact id"):
        _register(registry, "model-named-by-hand")
    with pytest.raises(ValidationError, match="is also an artifact id"):
        registry.name_line(first, "model-named-by-hand")
    _register(registry, "ad-risk")
    with pytest.raises(ValidationError, match="ad-risk is the name of a model line"):
        _register(registry, artifact_id="ad-risk")
    batch = [
        ModelRegistration(title="t", metadata=logistic_regression(), **PIN, **fields)
        for fields in ({}, {"artifact_id": "ad-risk"}, {"line": "fresh", "artifact_id": "fresh"})
    ]
    with pytest.raises(ValidationError) as refused:
        registry.register_models(batch)
    assert [v.path for v in refused.value.violations] == ["[1].artifact_id", "[2].line"]
    # Nothing was written by the refusals; the line still reads as its latest version.
    assert [s.name for s in registry.lines()] == ["ad-risk"]
    second = _register(registry, "ad-risk")
    assert registry.resolve("ad-risk") == second
    assert registry.get_model(second).version_number == 2


def test_the_cli_registers_into_a_line_and_reads_it_back(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"title": "t", **PIN, "metadata": logistic_regression()}))
    for expected in (1, 2):
        code, out, _ = invoke("register", str(path), "--line", "cli-line", "--db", db_url)
        assert code == 0
        assert f"version {expected} of cli-line" in out
    code, out, _ = invoke("show", "cli-line@1", "--db", db_url, "--json")
    assert json.loads(out)["version_number"] == 1
    code, out, _ = invoke("lines", "--db", db_url, "--json")
    assert [line["versions"] for line in json.loads(out)] == [2]
    code, out, _ = invoke("list", "--line", "cli-line", "--db", db_url, "--json")
    assert [m["line_name"] for m in json.loads(out)["items"]] == ["cli-line", "cli-line"]


def test_reading_a_named_line_for_a_registration_scans_no_table(sqlite_db: Database) -> None:
    """Registering into a line costs the same at any catalog size: every lookup is by index."""
    from atlas_registry.catalog import lines

    plan = sqlite_plan(sqlite_db, lines._NAMED_LINES.format(marks="?, ?"), ["a-line", "b-line"])
    assert "ux_artifacts_latest_per_lineage" in plan, plan
    assert "ux_artifacts_lineage_version" in plan, plan
    assert "SCAN" not in plan, plan


@pytest.mark.parametrize(
    "where",
    ["n.name = 'a-line'", "n.name IN (SELECT name FROM model_lines ORDER BY name LIMIT 1000)"],
)
def test_listing_lines_reads_their_versions_not_the_catalog(
    sqlite_db: Database, where: str
) -> None:
    """`lines`, `lines X` and naming a line read those lines' versions through their index."""
    from atlas_registry.catalog import line_listing

    plan = sqlite_plan(sqlite_db, line_listing._SUMMARIES.format(where=where), [])
    assert "SEARCH a USING INDEX ux_artifacts_lineage_version (<expr>=?)" in plan, plan
    assert "SCAN a" not in plan, plan
    assert "SCAN mv" not in plan, plan


def test_an_id_prefix_on_postgresql_is_a_range_of_the_key(
    migrated_postgres: MigratedPostgres,
) -> None:
    """Where the database orders text by bytes, the prefix bounds a range of the primary key."""
    from atlas_registry.catalog.refs import _models_starting_with
    from atlas_registry.store.tables import artifacts

    database = Database(migrated_postgres.fresh())
    try:
        with database.single_read() as conn:
            condition = _models_starting_with(conn, "model-01a2")
            query = select(artifacts.c.id).where(condition).order_by(artifacts.c.id).limit(11)
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(
                row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql.replace("%%", "%"))
            )
    finally:
        database.dispose()
    assert "Index Cond: ((id >= 'model-01a2'::text) AND (id <" in plan, plan


@pytest.mark.slow  # a new database for each collation
@pytest.mark.parametrize(
    "options",
    [
        "LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C.UTF-8'",  # ids need not sit together
        "ENCODING 'LATIN1' LOCALE 'C'",  # byte order, but no U+10FFFF to bound the range
    ],
)
def test_an_id_prefix_without_a_usable_key_order_is_matched_exactly(
    postgres_url: str, options: str
) -> None:
    """Where the key's order cannot bound a prefix, the exact test alone finds it."""
    name = f"atlas_icu_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(POSTGRES_SERVER_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 {options}')
        try:
            url = make_url(postgres_url).set(database=name).render_as_string(False)
            with SchemaAdmin.open(url, create=True) as schema:
                schema.migrate()
            with Registry.open(url) as registry:
                ids = [
                    _register(registry, artifact_id=f"model-{s}") for s in ("ab-1", "a-b2", "ab-3x")
                ]
                with registry.database.single_read() as conn:
                    from atlas_registry.catalog.refs import _key_in_byte_order

                    assert not _key_in_byte_order(conn)
                assert registry.resolve("model-a-b2") == ids[1]
                with pytest.raises(AmbiguousReferenceError, match="model-ab-1, model-ab-3x"):
                    registry.resolve("model-ab-")
                assert registry.resolve("model-ab-3") == ids[2]
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("AD Risk Prediction Model", "ad-risk-prediction-model"),
        ("Ünïcödé model", "unicode-model"),
        ("Straße-Modell Ærø", "strasse-modell-aero"),
        ("\uff21\uff24 Risk (full width)", "ad-risk-full-width"),
        ("模型", None),  # no ASCII spelling: the caller asks for a name
    ],
)
def test_a_title_makes_a_line_name_keeping_accented_letters(title: str, name: str | None) -> None:
    assert slug_of(title) == name


def _while_a_writer_holds(url: str, name: str, write: str, params: Any, work: Any) -> Any:
    """Run ``work`` while another writer holds the lock of ``name`` and has run ``write``.

    ``work`` must wait for that writer (it is checked), then runs on with the
    writer's row committed. Returns what ``work`` returned or raised.
    """
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # collected and returned
            outcome.append(exc)

    with psycopg.connect(_libpq(url)) as writer:
        writer.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (line_name_lock(name),)
        )
        writer.execute(write, params)
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive(), outcome  # it waits for the other writer
        writer.commit()
    worker.join(30)
    [result] = outcome
    return result


@pytest.mark.slow  # racing writers
def test_a_chosen_id_waits_for_a_writer_naming_a_line_like_it(postgres_url: str) -> None:
    """Registering with ``artifact_id`` X while another writer names a line X: one is refused.

    Each read the other's table before it wrote; without a shared lock both
    saw nothing and both committed, and ``show X`` then meant the artifact.
    """
    reset_postgres(postgres_url)
    with SchemaAdmin.open(postgres_url, create=True) as admin:
        admin.migrate()
    with Registry.open(postgres_url) as registry:
        root = _register(registry)
        refused = _while_a_writer_holds(
            postgres_url,
            "clash",
            "INSERT INTO model_lines (name, root_id, created_at) VALUES (%s, %s, %s)",
            ("clash", root, "2026-01-01 00:00:00"),
            lambda: _register(registry, artifact_id="clash"),
        )
        assert isinstance(refused, ValidationError), refused
        assert "clash is the name of a model line" in str(refused.violations)
        assert registry.resolve("clash") == root


@pytest.mark.slow  # racing writers
def test_a_backfill_naming_a_line_waits_for_a_writer_choosing_that_id(postgres_url: str) -> None:
    """The backfill names a line after a title; a registration may be choosing that id meanwhile."""
    from atlas_registry.store import migration_runner

    reset_postgres(postgres_url)
    db = Database(postgres_url)
    try:
        migration_runner.migrate(db, to=1)
        add_legacy(db, "legacy-clash", logistic_regression())
        with db.transaction(write=True) as conn:
            conn.execute(
                text("UPDATE artifacts SET title = 'Clash Model' WHERE id = 'legacy-clash'")
            )
        migration_runner.migrate(db)
        result = _while_a_writer_holds(
            postgres_url,
            "clash-model",
            "INSERT INTO artifacts (id, artifact_type, title, metadata) "
            "VALUES ('clash-model', 'dataset', 'a dataset', '{}')",
            (),
            lambda: backfill(db),
        )
        assert not isinstance(result, BaseException), result
        with Registry.open(postgres_url) as registry:
            assert registry.lines() == []  # the line was not named like the artifact
            assert registry.resolve("clash-model") == "clash-model"
        [item] = list_reviews(db)
        assert "is also an artifact id" in item.reasons[0]["reason"]
    finally:
        db.dispose()


def test_lines_are_listed_whole_a_page_at_a_time(registry: Registry) -> None:
    """More lines than a page: every one is listed, none twice, and the last page says so."""
    names = [f"line-{i:04d}" for i in range(7)]
    registry.register_models(
        [
            ModelRegistration(title="t", metadata=logistic_regression(), line=name, **PIN)
            for name in names
        ]
    )
    with registry.database.transaction(write=True) as conn:  # a name with no version yet
        conn.execute(
            text(
                "INSERT INTO artifacts (id, artifact_type, title, metadata) "
                "VALUES ('legacy-held', 'model', 'held', '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO model_lines (name, root_id, created_at) "
                "VALUES ('line-0002a', 'legacy-held', '2026-01-01 00:00:00')"
            )
        )
    seen, token, pages = [], None, 0
    while True:
        page = registry.lines_page(page_size=3, page_token=token)
        seen += [line.name for line in page.items]
        pages, token = pages + 1, page.next_page_token
        if token is None:
            break
    assert seen == names
    assert pages == 3  # 8 names, 3 a page; the held line's page shows 2 lines
    assert [line.name for line in registry.lines()] == names
    with pytest.raises(ValidationError, match="bad page token"):
        registry.lines_page(page_token="not-a-token")
    with pytest.raises(ValidationError, match="bad page token"):  # not a database error
        registry.lines_page(page_token=make_page_token("lines", "line-\x00"))
    models_token = registry.list_page(page_size=1).next_page_token
    assert models_token is not None
    with pytest.raises(ValidationError, match="bad page token"):
        registry.lines_page(page_token=models_token)


def test_lines_are_not_cut_at_a_thousand(registry: Registry) -> None:
    """``lines`` used to stop at the first 1,000 names without a word."""
    registry.register_models(
        [
            ModelRegistration(title="t", metadata=logistic_regression(), line=f"l-{i:04d}", **PIN)
            for i in range(1003)
        ]
    )
    assert len(registry.lines()) == 1003
    first = registry.lines_page()
    assert len(first.items) == 1000
    assert first.next_page_token is not None
    rest = registry.lines_page(page_token=first.next_page_token)
    assert [line.name for line in rest.items] == ["l-1000", "l-1001", "l-1002"]
    assert rest.next_page_token is None
