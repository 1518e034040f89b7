"""Datasets are first-class: registered, listed and read without SQL, and reverse lineage.

On both databases: a dataset's facts are checked by its own JSON Schema (every
problem at once, with its path), nothing is half-written, legacy dataset rows
are read as they are, and every model trained or evaluated on a dataset is
found through an index (the side table 0025 fills, the partial index of
evaluation datasets), also after migrating down and up again.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import text

from atlas_registry import (
    AlreadyExistsError,
    DatasetRegistration,
    ModelRegistration,
    NotFoundError,
    Registry,
    SchemaAdmin,
    ValidationError,
)
from atlas_registry.schema.dataset_schema import load_dataset_schema
from atlas_registry.store.db import Database
from tests.payloads import logistic_regression

SEA_AD = DatasetRegistration(
    title="SEA-AD MTG snRNA-seq",
    uri="https://portal.brain-map.org/explore/seattle-alzheimers-disease",
    license="CC-BY-4.0",
    revision="2024-05-01",
    artifact_id="dataset-sea-ad",
)
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _count(registry: Registry, sql: str) -> int:
    with registry.database.transaction() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def model_on(
    registry: Registry,
    trained: list[str],
    evaluated: str | None = None,
    *,
    line: str = "ad-risk",
    promote: bool = False,
) -> str:
    """A model trained on the datasets ``trained`` and evaluated on ``evaluated``."""
    metadata = logistic_regression()
    metadata["training_data"] = [
        {"artifact_id": d, "description": f"from {d}"} for d in trained
    ] or metadata["training_data"]
    if evaluated:
        metadata["evaluation_dataset"] = {"artifact_id": evaluated, "description": "held out"}
    model = registry.register_model(ModelRegistration(title="m", metadata=metadata, line=line))
    if promote:
        registry.promote(model.id, actor="agent-eval", override=True, notes="test")
    return model.id


def test_a_dataset_is_registered_read_and_listed(registry: Registry) -> None:
    chosen = registry.register_dataset(SEA_AD)
    assert (chosen.id, chosen.revision, chosen.sha256) == ("dataset-sea-ad", "2024-05-01", None)
    assert chosen.follows_schema
    assert chosen.license == "CC-BY-4.0"
    made = registry.register_dataset(
        {"title": "ADNI", "uri": "s3://atlas/adni.parquet", "license": "ADNI DUA", "sha256": DIGEST}
    )
    assert re.fullmatch(r"dataset-[0-9a-f-]{36}", made.id)  # made like a model's id
    assert registry.dataset(made.id) == made
    assert made.metadata == {
        "uri": "s3://atlas/adni.parquet",
        "sha256": DIGEST,
        "license": "ADNI DUA",
    }
    first = registry.datasets(page_size=1)
    second = registry.datasets(page_size=1, page_token=first.next_page_token)
    assert [d.id for d in first.items + second.items] == sorted([chosen.id, made.id])
    assert second.next_page_token is None


def test_a_bad_dataset_lists_every_problem_and_writes_nothing(registry: Registry) -> None:
    before = _count(registry, "SELECT count(*) FROM artifacts")
    with pytest.raises(ValidationError) as refused:
        registry.register_dataset(
            {
                "title": " ",
                "uri": "not a uri <script>",
                "license": "",
                "revision": "main",
                "sha256": "ABC",
                "artifact_id": "no spaces please",
                "description": "d" * 20001,
            }
        )
    paths = sorted(v.path for v in refused.value.violations)
    assert paths == [
        "artifact_id",
        "description",
        "license",
        "revision",
        "sha256",
        "title",
        "uri",
    ]
    with pytest.raises(ValidationError) as neither:
        registry.register_dataset({"title": "t", "uri": "hf://datasets/x", "license": "MIT"})
    [problem] = neither.value.violations
    assert problem.path == "revision"
    assert "sha256" in problem.message
    with pytest.raises(ValidationError) as typed:
        registry.register_dataset({"title": 5, "uri": "x:y", "licence": "MIT", "revision": "v1"})
    assert {v.path for v in typed.value.violations} == {"title", "licence", "license"}
    assert "did you mean `license`" in str(typed.value.violations)
    with pytest.raises(ValidationError, match=r"lone surrogate|NUL|character"):
        registry.register_dataset({**SEA_AD.__dict__, "title": "a\x00b"})
    assert _count(registry, "SELECT count(*) FROM artifacts") == before


def test_an_id_in_use_is_refused_whatever_it_names(registry: Registry) -> None:
    registry.register_dataset(SEA_AD)
    model = model_on(registry, ["dataset-sea-ad"])
    with pytest.raises(AlreadyExistsError, match="dataset-sea-ad"):
        registry.register_dataset(SEA_AD)
    with pytest.raises(AlreadyExistsError, match="a model artifact"):
        registry.register_dataset({**SEA_AD.__dict__, "artifact_id": model})
    with pytest.raises(NotFoundError, match="a model artifact, not a dataset"):
        registry.dataset(model)


def test_legacy_dataset_rows_are_shown_as_they_are(registry: Registry) -> None:
    legacy = {
        "legacy-not-json": "{not json",
        "legacy-list": "[1, 2]",
        "legacy-url": '{"url": "https://example.org", "license": 5}',
    }
    with registry.database.transaction(write=True) as conn:
        for artifact_id, metadata in legacy.items():
            conn.execute(
                text(
                    "INSERT INTO artifacts (id, artifact_type, title, metadata) "
                    "VALUES (:id, 'dataset', :id, :m)"
                ),
                {"id": artifact_id, "m": metadata},
            )
    listed = {d.id: d for d in registry.datasets().items}
    assert listed["legacy-not-json"].metadata == "{not json"
    assert listed["legacy-list"].metadata == [1, 2]
    assert listed["legacy-url"].metadata == {"url": "https://example.org", "license": 5}
    assert listed["legacy-url"].license is None  # not text: not taken for a licence
    assert not any(d.follows_schema for d in listed.values())
    assert registry.dataset("legacy-not-json").uri is None
    # A model may name a legacy dataset: reverse lineage finds it too.
    model = model_on(registry, ["legacy-not-json"])
    assert [m.id for m in registry.list_models(trained_on="legacy-not-json")] == [model]


def test_models_trained_or_evaluated_on_a_dataset(registry: Registry) -> None:
    registry.register_dataset(SEA_AD)
    adni = registry.register_dataset(
        {
            "title": "ADNI",
            "uri": "https://adni.loni.usc.edu",
            "license": "ADNI DUA",
            "revision": "3",
        }
    )
    both = model_on(registry, ["dataset-sea-ad", adni.id, "dataset-sea-ad"], adni.id, line="la")
    old = model_on(registry, ["dataset-sea-ad"], line="lb", promote=True)
    evaluated = model_on(registry, [], "dataset-sea-ad", line="lc", promote=True)
    other = model_on(registry, [adni.id], line="ld")
    assert [m.id for m in registry.list_models(trained_on="dataset-sea-ad")] == [old, both]
    assert [m.id for m in registry.list_models(trained_on=adni.id)] == [other, both]
    assert [m.id for m in registry.list_models(evaluated_on="dataset-sea-ad")] == [evaluated]
    assert [m.id for m in registry.list_models(evaluated_on=adni.id)] == [both]
    promoted = registry.list_models(trained_on="dataset-sea-ad", promotion_state="promoted")
    assert [m.id for m in promoted] == [old]
    assert registry.list_models(trained_on=adni.id, evaluated_on="dataset-sea-ad") == []
    page = registry.list_page(page_size=1, trained_on="dataset-sea-ad")
    rest = registry.list_page(
        page_size=1, page_token=page.next_page_token, trained_on="dataset-sea-ad"
    )
    assert [m.id for m in page.items + rest.items] == [old, both]
    with pytest.raises(ValidationError, match="other filters"):
        registry.list_page(page_size=1, page_token=page.next_page_token, trained_on=adni.id)
    use = registry.dataset_use("dataset-sea-ad")
    assert [m.id for m in use.trained] == [old, both]  # promoted first
    assert [m.id for m in use.evaluated] == [evaluated]
    newer = model_on(registry, ["dataset-sea-ad"], line="le")
    use = registry.dataset_use("dataset-sea-ad", limit=2)
    assert [m.id for m in use.trained] == [old, newer]
    assert use.trained_more


def test_a_dataset_that_does_not_exist_is_not_an_unused_one(registry: Registry) -> None:
    with pytest.raises(NotFoundError, match="no dataset 'dataset-typo'"):
        registry.list_models(trained_on="dataset-typo")
    with pytest.raises(NotFoundError, match="no dataset"):
        registry.list_page(evaluated_on="dataset-typo")
    with pytest.raises(NotFoundError):
        registry.dataset_use("dataset-typo")
    with pytest.raises(ValidationError):  # no stored text holds a NUL: refused alike on both
        registry.list_models(trained_on="a\x00b")
    registry.register_dataset(SEA_AD)
    assert registry.list_models(trained_on="dataset-sea-ad") == []


def test_a_model_cannot_name_a_model_as_its_training_data(registry: Registry) -> None:
    registry.register_dataset(SEA_AD)
    model = model_on(registry, ["dataset-sea-ad"])
    with pytest.raises(ValidationError, match="a model artifact, not a dataset"):
        model_on(registry, [model])
    assert _count(registry, "SELECT count(*) FROM model_dataset_uses") == 1


def test_0025_fills_reverse_lineage_and_down_and_up_loses_nothing(migrated_url: str) -> None:
    with Registry.open(migrated_url) as registry:
        registry.register_dataset(SEA_AD)
        trained = model_on(registry, ["dataset-sea-ad"], "dataset-sea-ad")
        registry.register_models(
            [
                ModelRegistration(
                    title="batch",
                    metadata={
                        **logistic_regression(),
                        "training_data": [{"artifact_id": "dataset-sea-ad", "description": "d"}],
                    },
                )
            ]
            * 2
        )
        before = _rows(registry)
        assert sorted((r[1], r[3] == trained) for r in before) == [
            ("evaluated", True),
            ("trained", False),
            ("trained", False),
            ("trained", True),
        ]
        with registry.database.transaction(
            write=True
        ) as conn:  # a stored text no JSON reader reads
            conn.execute(
                text("UPDATE artifacts SET metadata = '{broken' WHERE id = :id"), {"id": trained}
            )
    _down_before_0025_and_up(migrated_url)
    with Registry.open(migrated_url) as registry:
        # Its training data is unreadable now; its evaluation dataset is a column.
        assert _rows(registry) == [r for r in before if r[1:4:2] != ("trained", trained)]
        with registry.database.transaction(write=True) as conn:
            conn.execute(
                text("UPDATE artifacts SET metadata = :m WHERE id = :id"),
                {"id": trained, "m": _metadata_on("dataset-sea-ad")},
            )
    _down_before_0025_and_up(migrated_url)
    with Registry.open(migrated_url) as registry:
        assert _rows(registry) == before
        assert [m.id for m in registry.list_models(evaluated_on="dataset-sea-ad")] == [trained]


def _down_before_0025_and_up(url: str) -> None:
    """Revert 0025 (and any migration after it), then migrate to the head again."""
    with SchemaAdmin.open(url) as admin:
        below = max(s.number for s in admin.status() if s.number < 25)
        admin.downgrade(below, discard=["registry_events"])  # rebuilt, renumbered (0026)
        admin.migrate()


def _metadata_on(dataset_id: str) -> str:
    metadata: dict[str, Any] = logistic_regression()
    metadata["training_data"] = [{"artifact_id": dataset_id, "description": "d"}]
    return json.dumps(metadata)


def _rows(registry: Registry) -> list[tuple[str, str, str, str]]:
    with registry.database.transaction() as conn:
        found = conn.execute(
            text(
                "SELECT dataset_id, use, registered_at, model_id FROM model_dataset_uses "
                "ORDER BY 1, 2, 3, 4"
            )
        )
        return [(row[0], row[1], row[2], row[3]) for row in found]


def test_the_dataset_schema_checks_itself() -> None:
    """Valid against the Draft-07 meta-schema; its examples pass; it documents every field."""
    import jsonschema_rs

    schema = load_dataset_schema()
    assert jsonschema_rs.meta.is_valid(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["$id"].endswith(":1.0.0")
    for example in schema["examples"]:
        assert jsonschema_rs.Draft7Validator(schema).is_valid(example)
    assert all(node.get("description") for node in schema["properties"].values())


def test_a_datasets_models_are_read_in_order_from_its_uses(sqlite_db: Database) -> None:
    """A page of a dataset's models is a range of the uses' key, newest first: SQLite
    sorts only the models registered in the same second, never every model of the dataset."""
    from atlas_registry.catalog.model_listing import _list_query
    from tests.catalog_helpers import sqlite_plan

    for filters in (("trained_on",), ("evaluated_on",), ("promotion_state", "trained_on")):
        values = dict.fromkeys(filters, "x")
        plan = sqlite_plan(
            sqlite_db,
            _list_query(filters, False, "sqlite"),
            {**values, "page_limit": 51, "page_offset": 0},
        )
        assert "USING PRIMARY KEY (dataset_id=? AND use=?)" in plan, plan
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan  # only "FOR RIGHT PART OF ORDER BY"
