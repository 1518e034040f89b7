"""Short ids: the last 8 hex digits of a generated id name its model everywhere.

Generated ids are time-ordered (``model-<uuid7>``): every id made in the same
second starts alike, so a prefix of 8 characters names nothing; the random end
of the id does.
"""

from __future__ import annotations

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
