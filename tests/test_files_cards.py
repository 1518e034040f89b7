"""Files in model cards: a card says them under atlas_registry.files; export writes them back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from atlas_registry import Registry, ValidationError
from tests.test_model_cards import HUB, REVISION, WILD_WITH_INDEX, _card, _front

SETS = ["model_family=transformer_classifier", "parameter_count=110000000"]
DIGEST = "cd" * 32


@pytest.fixture
def registry(migrated_url: str) -> Iterator[Registry]:
    with Registry.open(migrated_url) as opened:
        yield opened


def _with_files(lines: str) -> str:
    return WILD_WITH_INDEX.replace("---\n\n#", f"atlas_registry:\n  files:\n{lines}---\n\n#", 1)


def test_a_card_that_says_its_files_lists_them_at_the_pinned_revision(
    registry: Registry, tmp_path: Path
) -> None:
    said = (
        "  - path: model.safetensors\n"
        f"    sha256: {DIGEST}\n"
        "    size_bytes: 438000000\n"
        "    role: weights\n"
        "  - uri: s3://lab/tokenizer.json\n"
        f"    sha256: {DIGEST}\n"
        "    size_bytes: 7\n"
    )
    imported = registry.import_card(
        _card(tmp_path, _with_files(said)), revision=REVISION, source_url=HUB, assignments=SETS
    )
    listed = registry.files(imported.model.id)
    assert [(f.uri, f.role, f.size_bytes) for f in listed] == [
        (f"hf://example-lab/celltype-bert@{REVISION}/model.safetensors", "weights", 438000000),
        ("s3://lab/tokenizer.json", None, 7),
    ]


def test_a_card_that_says_no_files_lists_none(registry: Registry, tmp_path: Path) -> None:
    imported = registry.import_card(
        _card(tmp_path, WILD_WITH_INDEX), revision=REVISION, source_url=HUB, assignments=SETS
    )
    assert registry.files(imported.model.id) == []


def test_a_cards_bad_files_are_refused_with_the_rest(registry: Registry, tmp_path: Path) -> None:
    said = "  - path: w.bin\n    sha256: nope\n    size_bytes: 1\n  - colour: red\n"
    with pytest.raises(ValidationError) as refused:
        registry.import_card(
            _card(tmp_path, _with_files(said)), revision=REVISION, source_url=HUB, assignments=SETS
        )
    paths = {v.path for v in refused.value.violations}
    assert {"atlas_registry.files[0].sha256", "atlas_registry.files[1]"} <= paths
    assert registry.list_models() == []


def test_an_exported_card_carries_the_files_back_in(registry: Registry, tmp_path: Path) -> None:
    said = f"  - path: model.safetensors\n    sha256: {DIGEST}\n    size_bytes: 9\n"
    imported = registry.import_card(
        _card(tmp_path, _with_files(said)), revision=REVISION, source_url=HUB, assignments=SETS
    )
    card = registry.model_card(imported.model.id)
    front = _front(card)
    [written] = front["atlas_registry"]["files"]
    assert written["sha256"] == DIGEST
    other = tmp_path / "again"
    other.mkdir()
    (other / "README.md").write_text(card, "utf-8")
    again = registry.import_card(
        str(other), revision=REVISION, source_url=HUB, assignments=SETS, line="second"
    )
    assert [f.entry for f in registry.files(again.model.id)] == [
        f.entry for f in registry.files(imported.model.id)
    ]
