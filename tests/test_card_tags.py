"""A card's tags come back: export, import into a new database, the same tags.

A card this registry writes keeps the version's effective tags (its line's,
its own winning) under ``atlas_registry.tags``; importing it sets them on the
imported version as tag events of its own, in the registration's transaction,
checked as any tag is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from atlas_registry import ModelRegistration, Registry, ValidationError
from tests.conftest import migrated_copy
from tests.payloads import GOOD_BY_FAMILY

REVISION = "0123456789abcdef0123456789abcdef01234567"
HUB = "https://huggingface.co/example-lab/celltype-bert"


def _exported(registry: Registry, folder: Path) -> Path:
    payload = GOOD_BY_FAMILY["external_fine_tune"]()
    payload.pop("base_model_id")
    data = {"url": "https://huggingface.co/datasets/lab/cells", "description": "cells"}
    payload.update(training_data=[data], evaluation_dataset=data, benchmark_id="sea-ad-v1")
    model = registry.register_model(
        ModelRegistration(title="hub model", metadata=payload, line="hub-line")
    )
    registry.set_tags("hub-line", {"team": "vision", "owner": "lab"}, actor="curator")
    registry.set_tags(model.id, {"team": "nlp", "reviewed": "", "stage": "<b>qa</b>"}, actor="c")
    folder.mkdir()
    (folder / "README.md").write_text(registry.model_card(model.id), "utf-8")
    return folder


def test_a_cards_tags_round_trip_into_a_new_database(
    migrated_url: str, backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with Registry.open(migrated_url) as registry:
        folder = _exported(registry, tmp_path / "card")
        wanted = registry.tags_of("hub-line@1").effective
    assert wanted == {
        "owner": "lab",
        "reviewed": "",
        "stage": "<b>qa</b>",
        "team": "nlp",
    }
    (tmp_path / "second").mkdir()
    new_url = migrated_copy(backend, tmp_path / "second", request)
    with Registry.open(new_url) as fresh:
        assert fresh.list_models(limit=5) == []  # a new database, not the one exported from
        dry = fresh.import_card(str(folder), revision=REVISION, source_url=HUB, dry_run=True)
        assert dry.status == "would_register"
        assert fresh.effective_tags([dry.model.id]) == {dry.model.id: {}}  # nothing written
        imported = fresh.import_card(str(folder), revision=REVISION, source_url=HUB)
        assert imported.status == "registered"
        assert fresh.tags_of(imported.model.id).effective == wanted
        history = fresh.tag_history(imported.model.id)
        assert sorted((e.key, e.new_value, e.actor) for e in history) == sorted(
            (k, v, "card-import") for k, v in wanted.items()
        )
        # The same card again finds its version and sets nothing twice.
        again = fresh.import_card(str(folder), revision=REVISION, source_url=HUB)
        assert again.status == "already_imported"
        assert len(fresh.tag_history(imported.model.id)) == len(wanted)


def test_a_card_with_bad_tags_is_refused_naming_them_and_writes_nothing(
    migrated_url: str, tmp_path: Path
) -> None:
    with Registry.open(migrated_url) as registry:
        folder = _exported(registry, tmp_path / "card")
        card = (folder / "README.md").read_text("utf-8")
        front, body = card.removeprefix("---\n").split("\n---\n", 1)
        data = yaml.safe_load(front)
        data["atlas_registry"]["tags"] = {"bad key!": "x", "team": 5}
        (folder / "README.md").write_text(f"---\n{yaml.safe_dump(data)}---\n{body}", "utf-8")
        before = len(registry.list_models(limit=50))
        with pytest.raises(ValidationError) as refused:
            registry.import_card(str(folder), revision=REVISION, source_url=HUB)
        # each bad tag at its own path: the key that cannot be a key, the value that is not text
        assert set(refused.value.paths) == {
            "atlas_registry.tags.bad key!",
            "atlas_registry.tags.team",
        }
        assert len(registry.list_models(limit=50)) == before
