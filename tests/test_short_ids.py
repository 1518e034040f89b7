"""Short ids: the last 8 hex digits of a generated or imported id name its model everywhere.

Generated ids are time-ordered (``model-<uuid7>``): every id made in the same
second starts alike, so a prefix of 8 characters names nothing; the random end
of the id does. Imported ids end in a hash, whose end is random too; the first
7 characters of a short id name a model as git's abbreviations do.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from atlas_registry import AmbiguousReferenceError, ModelRegistration, NotFoundError, Registry
from atlas_registry.api import create_app
from atlas_registry.records import short_id_of
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression
from tests.test_model_cards import HUB, REVISION, WILD_WITH_INDEX

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def _register(registry: Registry, **fields: Any) -> str:
    registration = ModelRegistration(
        title="AD risk", metadata=logistic_regression(), **{**PIN, **fields}
    )
    return registry.register_model(registration).id


def test_generated_ids_share_their_start_and_differ_at_the_end(registry: Registry) -> None:
    ids = [_register(registry) for _ in range(5)]
    assert len({i[:14] for i in ids}) == 1  # model- and the creation time
    for artifact_id in ids:
        record = registry.get_model(artifact_id)
        assert record.short_id == artifact_id[-8:] == short_id_of(artifact_id)
        assert registry.get_model(record.short_id).id == artifact_id
        assert registry.get_model(record.short_id.upper()).id == artifact_id
        assert registry.resolve(artifact_id[-13:]) == artifact_id  # a longer end works too
    with pytest.raises(AmbiguousReferenceError, match="names several models"):
        registry.get_model(ids[0][:8])  # the old advice: an 8-character prefix
    unique_prefix = ids[0][: len(ids[0]) - 4]
    assert registry.get_model(unique_prefix).id == ids[0]  # prefixes still work


def test_a_short_id_shared_by_two_models_lists_them(registry: Registry) -> None:
    first = f"model-{uuid.uuid4()}"[:-8] + "0badcafe"
    second = f"model-{uuid.uuid4()}"[:-8] + "0badcafe"
    _register(registry, artifact_id=first)
    _register(registry, artifact_id=second)
    with pytest.raises(AmbiguousReferenceError) as refused:
        registry.get_model("0badcafe")
    assert first in refused.value.message
    assert second in refused.value.message
    assert "last 13 characters" in refused.value.message
    assert registry.get_model(first[-13:]).id == first
    with pytest.raises(NotFoundError, match="short id or id prefix"):
        registry.get_model("0badcaff")


def test_a_short_id_and_a_prefix_matching_two_models_is_ambiguous(registry: Registry) -> None:
    generated = _register(registry)
    legacy = f"{generated[-8:]}-legacy-model"  # a chosen id starting with that short id
    _register(registry, artifact_id=legacy)
    with pytest.raises(AmbiguousReferenceError) as refused:
        registry.get_model(generated[-8:])
    assert generated in refused.value.message
    assert legacy in refused.value.message


def test_chosen_and_legacy_ids(registry: Registry) -> None:
    chosen = _register(registry, artifact_id="celltype-bert-v1")
    assert registry.get_model(chosen).short_id == chosen  # its own short id
    legacy = f"model-{uuid.uuid4()}"
    _register(registry, artifact_id=legacy)
    assert registry.get_model(legacy[-8:]).id == legacy


def test_short_ids_are_found_through_their_index(registry: Registry) -> None:
    artifact_id = _register(registry)
    query = (
        "SELECT id FROM artifacts WHERE substr(id, length(id) - 7) IN (:tail, :lower_tail) "
        "AND artifact_type || '' = 'model' ORDER BY id LIMIT 1000"
    )
    values = {"tail": artifact_id[-8:], "lower_tail": artifact_id[-8:]}
    with registry.database.transaction() as conn:
        if registry.database.dialect == "sqlite":
            plan = conn.execute(text(f"EXPLAIN QUERY PLAN {query}"), values).all()
        else:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = conn.execute(text(f"EXPLAIN {query}"), values).all()
    assert "idx_artifacts_short_id" in " ".join(str(row[-1]) for row in plan)


def test_every_surface_shows_and_takes_the_short_id(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "registration.json"
    document = {"title": "AD risk", "metadata": logistic_regression(), "line": "ad-risk", **PIN}
    source.write_text(json.dumps(document), encoding="utf-8")
    code, out, _ = invoke("register", str(source), "--db", db_url)
    assert code == 0
    artifact_id = out.splitlines()[-1]
    short = artifact_id[-8:]
    assert f"(short id {short})" in out
    code, out, _ = invoke("show", short, "--db", db_url, "--json")
    assert code == 0
    assert (json.loads(out)["id"], json.loads(out)["short_id"]) == (artifact_id, short)
    code, out, _ = invoke("show", short, "--db", db_url)
    assert code == 0
    assert "short_id" in out
    assert short in out
    code, out, _ = invoke("list", "--db", db_url)
    assert code == 0
    assert "short id" in out
    assert short in out
    code, out, _ = invoke("list", "--db", db_url, "--json")
    assert json.loads(out)["items"][0]["short_id"] == short
    code, out, _ = invoke("lineage", short, "--db", db_url, "--json")
    assert json.loads(out)["versions"][0]["short_id"] == short
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        got = client.get(f"/api/v1/models/{short}")
        assert got.status_code == 200
        assert got.json()["short_id"] == short
        assert client.get("/api/v1/models").json()["items"][0]["short_id"] == short
        assert client.get(f"/api/v1/models/{short}/lineage").status_code == 200
        assert client.get(f"/models/{short}").status_code == 200


def test_the_pages_show_the_short_id(registry: Registry) -> None:
    artifact_id = _register(registry, line="ad-risk")
    short = f'<code class="short-id">{artifact_id[-8:]}</code>'
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        assert short in client.get("/versions").text
        assert short in client.get(f"/models/{artifact_id[-8:]}").text


def _hash_id(kind: str) -> str:
    """An id as the card and MLflow imports make them: 32 hex digits of a SHA-256."""
    return f"model-{kind}-{hashlib.sha256(uuid.uuid4().bytes).hexdigest()[:32]}"


def test_ids_ending_in_a_hash_have_a_short_id(registry: Registry) -> None:
    for kind in ("card", "mlflow"):
        artifact_id = _register(registry, artifact_id=_hash_id(kind))
        record = registry.get_model(artifact_id)
        assert record.short_id == artifact_id[-8:]
        assert registry.get_model(record.short_id).id == artifact_id
        assert registry.get_model(record.short_id[:7]).id == artifact_id
        assert registry.get_model(record.short_id[:7].upper()).id == artifact_id
    # Too few hex digits for a hash (a version tag, a date): the id is its own short id.
    for chosen in ("resnet-3f1c2a9b4d5e", "model-20260301", "celltype-bert-v1"):
        assert short_id_of(chosen) == chosen


def test_an_imported_card_has_a_short_id_that_names_it(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    card = tmp_path / "README.md"
    card.write_text(WILD_WITH_INDEX, "utf-8")
    sets = ["model_family=transformer_classifier", "parameter_count=110000000"]
    model = registry.import_card(
        str(card), revision=REVISION, source_url=HUB, assignments=sets
    ).model
    assert model.id.startswith("model-card-")
    assert model.short_id == model.id[-8:]
    code, out, _ = invoke("show", model.short_id[:7], "--db", db_url, "--json")
    assert code == 0, out
    assert (json.loads(out)["id"], json.loads(out)["short_id"]) == (model.id, model.short_id)


def test_the_first_seven_characters_of_a_short_id_name_a_model(
    registry: Registry, db_url: str
) -> None:
    ids = [_register(registry) for _ in range(5)]
    for artifact_id in ids:
        assert registry.resolve(artifact_id[-8:-1]) == artifact_id
    code, out, _ = invoke("show", ids[0][-8:-1], "--db", db_url, "--json")
    assert code == 0, out
    assert json.loads(out)["id"] == ids[0]
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        assert client.get(f"/api/v1/models/{ids[1][-8:-1]}").json()["id"] == ids[1]
        assert client.get(f"/models/{ids[2][-8:-1]}").status_code == 200
    with pytest.raises(NotFoundError, match="a short id 8 hex digits or its first 7"):
        registry.get_model(ids[0][-8:-2])  # six


def test_a_seven_character_start_shared_by_two_short_ids_lists_them(registry: Registry) -> None:
    first = f"model-{uuid.uuid4()}"[:-8] + "0badcafe"
    second = _hash_id("card")[:-8] + "0badcaf1"
    _register(registry, artifact_id=first)
    _register(registry, artifact_id=second)
    # The end of a chosen id is no short id: seven characters never name it.
    _register(registry, artifact_id="resnet-0badcaf2")
    with pytest.raises(AmbiguousReferenceError) as refused:
        registry.get_model("0badcaf")
    message = refused.value.message
    assert first in message
    assert second in message
    assert "resnet" not in message
    assert "whole short id, such as 0badcaf" in message
    assert registry.get_model("0badcaf1").id == second
    with pytest.raises(NotFoundError, match="short id or id prefix"):
        registry.get_model("0badcab")


def test_the_start_of_a_short_id_is_found_through_its_index(registry: Registry) -> None:
    artifact_id = _register(registry)
    query = (
        "SELECT id FROM artifacts WHERE substr(id, length(id) - 7) >= :start "
        "AND substr(id, length(id) - 7) < :end AND artifact_type || '' = 'model' "
        "ORDER BY id LIMIT 1000"
    )
    start = artifact_id[-8:-1]
    values = {"start": start, "end": start + "g"}
    with registry.database.transaction() as conn:
        if registry.database.dialect == "sqlite":
            plan = conn.execute(text(f"EXPLAIN QUERY PLAN {query}"), values).all()
        else:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = conn.execute(text(f"EXPLAIN {query}"), values).all()
    shown = " ".join(str(row[-1]) for row in plan)
    assert "idx_artifacts_short_id" in shown, shown
    assert "<" in shown or "Index Cond" in shown, shown  # a range of it, not every entry
