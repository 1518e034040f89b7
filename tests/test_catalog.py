"""register_model, reads and lineage on both dialects."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from atlas_registry import Registry
from atlas_registry.catalog import lineage, model_listing, registrar
from atlas_registry.errors import (
    AlreadyExistsError,
    ConstraintViolationError,
    NotFoundError,
    SchemaOutOfDateError,
    ValidationError,
)
from atlas_registry.records import ModelRegistration
from atlas_registry.schema.validation import schema_version
from atlas_registry.store.db import Database
from tests.catalog_helpers import add_artifact, register, sqlite_plan, table_contents
from tests.payloads import (
    BAD_PAYLOADS,
    GOOD_BY_FAMILY,
    bad_payload,
    external_fine_tune,
    logistic_regression,
)

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def catalog(migrated_db: Database) -> Database:
    add_artifact(migrated_db, "dataset-sea-ad", "dataset")
    add_artifact(migrated_db, "paper-1", "paper")
    register(migrated_db, GOOD_BY_FAMILY["logistic_regression"](), artifact_id="model-base")
    return migrated_db


def test_rejects_a_bad_payload_and_accepts_a_good_one(catalog: Database) -> None:
    before = table_contents(catalog)
    bad = logistic_regression()
    del bad["evaluation_metrics"]
    with pytest.raises(ValidationError) as caught:
        register(catalog, bad, artifact_id="model-bad")
    assert caught.value.paths == ["metadata.evaluation_metrics"]
    assert table_contents(catalog) == before
    record = register(catalog, logistic_regression(), artifact_id="model-good")
    assert registrar.get_model(catalog, "model-good") == record


@pytest.mark.parametrize("family", GOOD_BY_FAMILY)
def test_one_good_payload_per_family_registers(catalog: Database, family: str) -> None:
    metadata = GOOD_BY_FAMILY[family]()
    record = register(
        catalog,
        metadata,
        title=f"a {family}",
        code_repo_url="https://github.com/lab/models",
        code_commit_sha=SHA.upper(),
        code_entrypoint="forge/training/train.py",
        training_started_at="2026-03-01T10:00:00+02:00",
        training_completed_at="2026-03-01T12:30:00Z",
        trained_by="agent-7",
        gpu_allocation_id="alloc-42",
    )
    assert record.metadata == metadata
    assert record.model_family == metadata["model_family"]
    assert record.framework == metadata["framework"]
    assert record.eval_metrics == metadata["evaluation_metrics"]
    assert record.training_params == metadata.get("training_config")
    assert record.benchmark_id == metadata.get("benchmark_id")
    assert record.is_external is bool(metadata.get("is_external"))
    assert record.origin_type == ("external" if record.is_external else "internal")
    assert record.base_model_id == metadata.get("base_model_id")
    assert record.eval_dataset_artifact_id == metadata["evaluation_dataset"].get("artifact_id")
    assert record.code_commit_sha == SHA
    assert record.training_started_at == "2026-03-01 08:00:00"
    assert record.training_completed_at == "2026-03-01 12:30:00"
    assert record.promotion_state == "candidate"
    assert record.metadata_schema_version == schema_version()
    assert (record.version_number, record.is_latest, record.lineage_id) == (1, True, record.id)


@pytest.mark.parametrize(
    ("mutation", "paths"), [(m, p) for _, m, p in BAD_PAYLOADS], ids=[c for c, _, _ in BAD_PAYLOADS]
)
def test_bad_payloads_write_nothing(
    catalog: Database, mutation: Callable[[Any], Any], paths: set[str]
) -> None:
    before = table_contents(catalog)
    with pytest.raises(ValidationError) as caught:
        register(catalog, bad_payload(mutation))
    expected = {"metadata" if p == "$" else f"metadata.{p}" for p in paths}
    assert set(caught.value.paths) == expected
    assert table_contents(catalog) == before


@pytest.mark.parametrize(
    ("fields", "metadata_change", "path"),
    [
        (
            {"code_commit_sha": "not-a-sha", "code_repo_url": "https://g.org/r"},
            {},
            "code_commit_sha",
        ),
        ({"code_commit_sha": "abc"}, {}, "code_commit_sha"),
        ({"code_commit_sha": SHA}, {}, "code_repo_url"),
        ({"code_repo_url": "javascript:alert(1)"}, {}, "code_repo_url"),
        (
            {"training_started_at": "2026-03-02T00:00:00Z", "training_completed_at": "2026-03-01"},
            {},
            "training_completed_at",
        ),
        ({"training_started_at": "yesterday"}, {}, "training_started_at"),
        ({"title": "   "}, {}, "title"),
        ({"title": "x" * 501}, {}, "title"),
        ({"description": "nul\x00byte"}, {}, "description"),
        ({"artifact_id": "has space"}, {}, "artifact_id"),
        ({}, {"base_model_id": "model-missing"}, "metadata.base_model_id"),
        ({}, {"base_model_id": "dataset-sea-ad"}, "metadata.base_model_id"),
        (
            {},
            {"evaluation_dataset": {"artifact_id": "paper-1", "description": "a paper"}},
            "metadata.evaluation_dataset.artifact_id",
        ),
        (
            {},
            {"training_data": [{"artifact_id": "dataset-nope", "description": "missing"}]},
            "metadata.training_data[0].artifact_id",
        ),
        ({"parent_version_id": "model-nope"}, {}, "parent_version_id"),
        ({"parent_version_id": "dataset-sea-ad"}, {}, "parent_version_id"),
    ],
)
def test_cross_checks_the_schema_cannot_make(
    catalog: Database, fields: dict[str, Any], metadata_change: dict[str, Any], path: str
) -> None:
    before = table_contents(catalog)
    with pytest.raises(ValidationError) as caught:
        register(catalog, {**logistic_regression(), **metadata_change}, **fields)
    assert path in caught.value.paths, caught.value
    assert table_contents(catalog) == before


def test_an_existing_id_is_refused(catalog: Database) -> None:
    before = table_contents(catalog)
    with pytest.raises(AlreadyExistsError, match="model-base"):
        register(catalog, artifact_id="model-base")
    assert table_contents(catalog) == before


def test_a_new_version_links_to_its_parent_and_moves_latest(catalog: Database) -> None:
    second = register(
        catalog, parent_version_id="model-base", version_tag="v2", changelog="more data"
    )
    third = register(catalog, parent_version_id=second.id)
    first = registrar.get_model(catalog, "model-base")
    second = registrar.get_model(catalog, second.id)
    assert (first.version_number, second.version_number, third.version_number) == (1, 2, 3)
    assert (first.is_latest, second.is_latest, third.is_latest) == (False, False, True)
    assert second.parent_version_id == "model-base"
    assert second.version_tag == "v2"
    assert {first.lineage_id, second.lineage_id, third.lineage_id} == {"model-base"}


def test_a_version_branching_from_an_old_parent_gets_the_next_number(catalog: Database) -> None:
    register(catalog, parent_version_id="model-base")
    branch = register(catalog, parent_version_id="model-base")
    assert branch.version_number == 3
    assert branch.is_latest


def test_batch_is_all_or_nothing(catalog: Database) -> None:
    before = table_contents(catalog)
    good = ModelRegistration(title="ok", metadata=logistic_regression(), artifact_id="model-ok")
    broken = ModelRegistration(
        title="bad", metadata={**logistic_regression(), "parameter_count": -1}
    )
    missing_ref = ModelRegistration(
        title="ref", metadata={**logistic_regression(), "base_model_id": "model-nope"}
    )
    with pytest.raises(ValidationError) as caught:
        registrar.register_models(catalog, [good, broken])
    assert caught.value.paths == ["[1].metadata.parameter_count"]
    with pytest.raises(ValidationError) as caught:
        registrar.register_models(catalog, [good, missing_ref])
    assert caught.value.paths == ["[1].metadata.base_model_id"]
    assert table_contents(catalog) == before


def test_batch_items_may_build_on_earlier_items(catalog: Database) -> None:
    root = ModelRegistration(title="root", metadata=logistic_regression(), artifact_id="model-r")
    v2 = ModelRegistration(title="v2", metadata=logistic_regression(), parent_version_id="model-r")
    tuned = ModelRegistration(
        title="tuned", metadata={**logistic_regression(), "base_model_id": "model-r"}
    )
    ids = registrar.register_models(catalog, [root, v2, tuned])
    records = [registrar.get_model(catalog, i) for i in ids]
    assert [r.version_number for r in records] == [1, 2, 1]
    assert [r.is_latest for r in records] == [False, True, True]
    assert records[2].base_model_id == "model-r"


def test_get_model_explains_what_is_missing(catalog: Database) -> None:
    add_artifact(catalog, "model-legacy", "model")
    with pytest.raises(NotFoundError, match="no model 'model-nope'"):
        registrar.get_model(catalog, "model-nope")
    with pytest.raises(NotFoundError, match="dataset artifact, not a model"):
        registrar.get_model(catalog, "dataset-sea-ad")
    with pytest.raises(NotFoundError, match="backfill"):
        registrar.get_model(catalog, "model-legacy")


def test_a_single_read_leaves_its_connection_transactional(catalog: Database) -> None:
    """A get runs outside a transaction; the pooled connection must not stay that way.

    Were it returned in autocommit, the next write would commit statement by
    statement, and a failure half way would leave the first half written.
    """
    for _ in range(3):  # every connection the pool holds has served a get
        registrar.get_model(catalog, "model-base")

    def write_then_fail() -> None:
        with catalog.session(write=True) as session:
            session.run("UPDATE artifacts SET title = ? WHERE id = ?", ("half", "model-base"))
            raise RuntimeError("fails half way")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert registrar.get_model(catalog, "model-base").title != "half"


def test_a_write_session_leaves_its_connection_transactional(catalog: Database) -> None:
    """On PostgreSQL a write session runs in autocommit with BEGIN and COMMIT of its own.

    Whether it commits, fails in Python or fails in the database (the error
    surfacing only when the pipeline closes), the connection must go back to
    the pool transactional, or the next SQLAlchemy transaction would commit
    statement by statement.
    """
    register(catalog, title="committed")

    def fail_in_python() -> None:
        with catalog.session(write=True) as session:
            session.run("UPDATE artifacts SET title = ? WHERE id = ?", ("half", "model-base"))
            raise RuntimeError("fails half way")

    def fail_in_the_database() -> None:
        with catalog.session(write=True) as session:
            session.run("UPDATE artifacts SET title = ? WHERE id = ?", ("half", "model-base"))
            session.run(
                "INSERT INTO artifacts (id, artifact_type, title) VALUES (?, ?, ?)",
                ("model-base", "model", "a second model-base"),
            )

    def fail_in_a_transaction() -> None:
        with catalog.transaction(write=True) as conn:
            conn.execute(text("UPDATE artifacts SET title = 'half' WHERE id = 'model-base'"))
            raise RuntimeError("fails half way")

    with pytest.raises(RuntimeError):
        fail_in_python()
    with pytest.raises(ConstraintViolationError):
        fail_in_the_database()
    with pytest.raises(RuntimeError):
        fail_in_a_transaction()
    assert registrar.get_model(catalog, "model-base").title != "half"
    assert [m.title for m in registrar.list_models(catalog, limit=10)].count("committed") == 1


def test_list_filters_combine(catalog: Database) -> None:
    register(catalog, GOOD_BY_FAMILY["biophysical_ode"](), trained_by="agent-ode")
    register(catalog, GOOD_BY_FAMILY["transformer_classifier"](), trained_by="agent-7")
    tuned = register(catalog, external_fine_tune("model-base"))
    register(catalog, parent_version_id="model-base", trained_by="agent-7")

    def ids(**filters: Any) -> set[str]:
        return {r.id for r in registrar.list_models(catalog, **filters)}

    assert len(ids()) == 5
    assert len(ids(model_family="biophysical_ode")) == 1
    assert len(ids(trained_by="agent-7")) == 2
    assert len(ids(trained_by="agent-7", framework="pytorch")) == 1
    assert ids(base_model_id="model-base") == {tuned.id}
    assert ids(is_external=True) == {tuned.id}
    assert len(ids(is_external=False)) == 4
    assert len(ids(benchmark_id="adni-conversion-v1")) == 2
    assert "model-base" not in ids(latest_only=True)
    assert len(ids(latest_only=True)) == 4
    assert ids(promotion_state="promoted") == set()
    assert len(ids(promotion_state="candidate")) == 5


def test_list_pages_without_overlap(catalog: Database) -> None:
    for _ in range(6):
        register(catalog)
    pages = [[r.id for r in registrar.list_models(catalog, limit=3, offset=o)] for o in (0, 3, 6)]
    flat = [i for page in pages for i in page]
    assert len(flat) == 7
    assert len(set(flat)) == 7
    with pytest.raises(ValidationError):
        registrar.list_models(catalog, limit=0)


def test_a_page_as_json_is_its_dict_written_out(catalog: Database) -> None:
    """The API serves to_json; it must be to_dict's document, byte for byte, every field."""
    register(catalog, external_fine_tune("model-base"), line="tuned", description="é\n<b>")
    register(catalog, parent_version_id="model-base")
    page = model_listing.list_page(catalog, page_size=2)
    assert page.next_page_token is not None
    assert page.to_json() == orjson.dumps(page.to_dict())
    extra = {"line": {"name": "tuned"}}
    assert page.to_json(**extra) == orjson.dumps({**extra, **page.to_dict()})
    assert json.loads(page.to_json())["items"][0] == page.items[0].to_dict()


def test_lineage_returns_versions_ancestors_and_descendants(catalog: Database) -> None:
    v2 = register(catalog, parent_version_id="model-base")
    child = register(catalog, external_fine_tune("model-base"))
    grandchild = register(catalog, external_fine_tune(child.id))
    result = lineage.lineage(catalog, child.id)
    assert [(a.id, a.depth) for a in result.ancestors] == [("model-base", 1)]
    assert [(d.id, d.depth) for d in result.descendants] == [(grandchild.id, 1)]
    base = lineage.lineage(catalog, "model-base")
    assert [v.id for v in base.versions] == ["model-base", v2.id]
    assert [(d.id, d.depth) for d in base.descendants] == [(child.id, 1), (grandchild.id, 2)]
    deep = lineage.lineage(catalog, grandchild.id)
    assert [a.id for a in deep.ancestors] == [child.id, "model-base"]


def test_catalog_refuses_an_unmigrated_database(db: Database, db_url: str) -> None:
    from atlas_registry import Registry
    from atlas_registry.store import migration_runner

    migration_runner.migrate(db, to=1)
    with pytest.raises(SchemaOutOfDateError) as caught:
        Registry.open(db_url)
    assert f"run `atlas-registry migrate --db {db_url}`" in caught.value.message


def test_leaderboard_ranks_models_of_one_benchmark(catalog: Database) -> None:
    scores = {"model-a": 0.71, "model-b": 0.93, "model-c": 0.85}
    for model_id, auroc in scores.items():
        register(
            catalog,
            {**logistic_regression(), "evaluation_metrics": {"auroc": auroc}},
            artifact_id=model_id,
        )
    other = {
        **logistic_regression(),
        "benchmark_id": "other-benchmark",
        "evaluation_metrics": {"auroc": 0.99},
    }
    register(catalog, other)
    board = registrar.leaderboard(catalog, "adni-conversion-v1", "auroc", limit=3)
    assert [(e.rank, e.model.id, e.value) for e in board] == [
        (1, "model-b", 0.93),
        (2, "model-c", 0.85),
        (3, "model-base", 0.83),
    ]
    lowest = registrar.leaderboard(catalog, "adni-conversion-v1", "brier")
    assert [e.model.id for e in lowest] == ["model-base"]  # the only one that reports brier
    with pytest.raises(NotFoundError, match="its metrics: auroc, brier"):
        registrar.leaderboard(catalog, "adni-conversion-v1", "nope")
    with pytest.raises(NotFoundError, match="benchmarks: adni-conversion-v1"):
        registrar.leaderboard(catalog, "adni-conversion-v2", "auroc")


def test_migration_0006_fills_metrics_of_existing_models(db: Database) -> None:
    from atlas_registry.store import migration_runner
    from tests.catalog_helpers import add_artifact

    migration_runner.migrate(db, to=5)
    add_artifact(db, "model-old", "model")
    with db.transaction(write=True) as conn:
        from sqlalchemy import text

        conn.execute(
            text(
                "INSERT INTO model_versions (artifact_id, eval_metrics_json, benchmark_id) "
                'VALUES (\'model-old\', \'{"auroc": 0.8, "note": "x", "n": 3}\', \'b1\')'
            )
        )
    migration_runner.migrate(db)
    board = registrar.leaderboard(db, "b1", "auroc")
    assert [(e.model.id, e.value) for e in board] == [("model-old", 0.8)]
    assert [e.value for e in registrar.leaderboard(db, "b1", "n", direction="lower")] == [3.0]
    with pytest.raises(NotFoundError, match="its metrics: auroc, n"):
        registrar.leaderboard(db, "b1", "note")


SORT_FREE_LISTINGS = [
    ((), True),
    (("promotion_state", "model_family"), False),
    (("trained_by",), False),
    (("benchmark_id",), False),
    ((), False),
]


@pytest.mark.parametrize(("filters", "latest_only"), SORT_FREE_LISTINGS)
def test_list_pages_come_from_an_index_walk_not_a_sort(
    sqlite_db: Database, filters: tuple[str, ...], latest_only: bool
) -> None:
    """A page costs the same at a million models: no plan sorts every match first.

    The rows come in time order from an index; only the registrations of one
    second are put in version order (the "right part" of the ORDER BY).
    """
    from atlas_registry.catalog.model_listing import _list_query

    plan = sqlite_plan(
        sqlite_db,
        _list_query(filters, latest_only, "sqlite"),
        dict.fromkeys(filters, "x") | {"page_limit": 50, "page_offset": 0},
    )
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
    assert "TEMP B-TREE FOR RIGHT PART OF ORDER BY" in plan, plan


def test_a_page_of_external_models_walks_only_external_ones(sqlite_db: Database) -> None:
    """`list --external yes` costs a page however few external models the catalog holds."""
    from atlas_registry.catalog.model_listing import _list_query

    plan = sqlite_plan(
        sqlite_db,
        _list_query(("is_external",), False, "sqlite", external=1),
        {"page_limit": 50, "page_offset": 0},
    )
    assert "idx_model_versions_external_recent" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


@pytest.mark.parametrize("latest_only", [False, True])
def test_a_lines_page_reads_that_line_not_the_catalog(
    sqlite_db: Database, latest_only: bool
) -> None:
    """`list --line X` sorts X's versions, never walks every version looking for them."""
    from atlas_registry.catalog.model_listing import _list_query

    plan = sqlite_plan(
        sqlite_db,
        _list_query(("line",), latest_only, "sqlite"),
        {"line": "x", "page_limit": 50, "page_offset": 0},
    )
    assert "USING INDEX ux_artifacts_lineage_version (<expr>=?)" in plan, plan
    assert "SCAN" not in plan, plan


def test_benchmarks_list_every_metric_once_in_order(registry: Registry) -> None:
    assert registry.benchmarks() == []
    for benchmark, metrics in (
        ("b-two", {"f1": 0.5}),
        ("a-one", {"brier": 0.2, "auroc": 0.8}),
        (None, {"rmse": 1.0}),
        ("a-one", {"ece": 0.1, "auroc": 0.7}),
    ):
        metadata = {**logistic_regression(), "evaluation_metrics": metrics}
        if benchmark is None:
            del metadata["benchmark_id"]
        else:
            metadata["benchmark_id"] = benchmark
        registry.register_model(ModelRegistration(title="m", metadata=metadata))
    listed = [(b["benchmark_id"], b["metrics"]) for b in registry.benchmarks()]
    assert listed == [("a-one", ["auroc", "brier", "ece"]), ("b-two", ["f1"])]


def test_listing_benchmarks_seeks_through_the_leaderboard_index(sqlite_db: Database) -> None:
    """The leaderboards page lists benchmarks without reading every metric of the catalog."""
    from atlas_registry.catalog.leaderboards import _PAIRS

    plan = sqlite_plan(sqlite_db, _PAIRS, [])
    assert "USING COVERING INDEX idx_model_evaluation_board" in plan, plan
    assert "SCAN model_evaluation_board" not in plan, plan
    assert "SCAN x" not in plan, plan


def test_a_repeated_page_is_planned_once_not_per_request(catalog: Database) -> None:
    """PostgreSQL plans a prepared page whose LIMIT is a parameter on every run.

    Planning the catalog's joins took longer than running them, so the newest
    page and a leaderboard carry their count in the statement's text: after
    psycopg prepares them, PostgreSQL runs its one (generic) plan.
    """
    if catalog.dialect != "postgresql":
        pytest.skip("SQLite prepares statements without planning per run")
    # Enough models that a plan for an unknown LIMIT costs more than one for 51 rows.
    many = [
        ModelRegistration(title=f"model {i}", metadata=logistic_regression()) for i in range(1500)
    ]
    registrar.register_models(catalog, many)
    for _ in range(20):
        model_listing.list_page(catalog, page_size=50)
        registrar.leaderboard(catalog, "adni-conversion-v1", "auroc")
    with catalog.single_read() as conn:
        plans = conn.exec_driver_sql(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
        ).all()
    for marker in ("ORDER BY model_versions.created_at DESC", "model_evaluation_board.metric ="):
        [(statement, generic, custom)] = [p for p in plans if marker in p[0]]
        assert generic > 0, (statement, generic, custom)
        assert custom <= 5, (statement, generic, custom)


def test_single_statement_reads_open_no_transaction(migrated_db: Database) -> None:
    """Reads of one statement cost one round trip; a read that fails leaves nothing open."""
    model = register(migrated_db)
    with migrated_db.single_read() as conn:
        assert registrar.fetch_model(conn, model.id).id == model.id
        if migrated_db.dialect == "postgresql":
            import psycopg

            driver = conn.connection.driver_connection
            assert driver is not None
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert registrar.get_model(migrated_db, model.id).id == model.id
    assert [m.id for m in registrar.list_models(migrated_db)] == [model.id]
    with pytest.raises(NotFoundError):
        registrar.get_model(migrated_db, "model-not-there")
    assert registrar.get_model(migrated_db, model.id).id == model.id


def test_generated_ids_sort_in_the_order_they_were_made_even_within_a_millisecond() -> None:
    """Ties on a timestamp are broken by id ("newest first, then by id"): that only
    means "newest" if a process's ids sort in the order it made them."""
    from atlas_registry.catalog.prepare import time_ordered_uuid

    made = [time_ordered_uuid() for _ in range(5000)]
    assert made == sorted(made)  # 5,000 ids take a few milliseconds: many share one
    assert len(set(made)) == len(made)
    assert {u.version for u in made} == {7}
    assert {u.variant for u in made} == {"specified in RFC 4122"}
    # A short id is an id's last 8 hex digits, and 7 of them name a model: ids made
    # one after the other must not share them (2**-28 odds a pair, as for any two).
    tails = [str(u)[-8:-1] for u in made]
    assert all(a != b for a, b in itertools.pairwise(tails))
