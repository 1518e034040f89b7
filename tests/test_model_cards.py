"""Hugging Face model cards: every model out as a card the Hub's parser reads back; cards in."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from huggingface_hub import ModelCard

from atlas_registry import (
    InputError,
    ModelRecord,
    ModelRegistration,
    Registry,
    SchemaAdmin,
    ValidationError,
    short_id_of,
)
from atlas_registry.api import create_app
from atlas_registry.schema.validation import load_schema
from tests.catalog_helpers import add_artifact
from tests.cli_helpers import invoke
from tests.payloads import GOOD_BY_FAMILY, logistic_regression

REVISION = "0123456789abcdef0123456789abcdef01234567"
HUB = "https://huggingface.co/example-lab/celltype-bert"


def _parsed(registry: Registry, model_id: str, tmp_path: Path) -> Any:
    folder = tmp_path / model_id
    folder.mkdir()
    (folder / "README.md").write_text(registry.model_card(model_id), "utf-8")
    return ModelCard.load(folder / "README.md")


def _front(card: str) -> dict[str, Any]:
    """The card's front matter as the Hub's parser reads it."""
    data: Any = ModelCard(card).data
    return dict(data.to_dict())


def _expected_base(registry: Registry, model: ModelRecord) -> str | None:
    if model.base_model_id is None:
        return None
    base = registry.get_model(model.base_model_id)
    url = base.external_source_url or ""
    return url.removeprefix("https://huggingface.co/") if "huggingface.co" in url else base.id


def _catalog(registry: Registry, db_url: str) -> list[str]:
    """The schema's examples, the test payloads and the 8 backfilled legacy models."""
    for dataset in ("dataset-sea-ad", "dataset-sea-ad-mtg-2024"):
        add_artifact(registry.database, dataset, "dataset")
    ids = []
    for base in ("model-14307274-0d2b-4f55-9a43-6a0f3b1c2e8d", "model-base"):
        record = registry.register_model(
            ModelRegistration(title="base", metadata=logistic_regression(), artifact_id=base)
        )
        ids.append(record.id)
    for index, example in enumerate(load_schema()["examples"]):
        ids.append(
            registry.register_model(
                ModelRegistration(title=f"example {index}", metadata=example)
            ).id
        )
    for family, payload in GOOD_BY_FAMILY.items():
        ids.append(registry.register_model(ModelRegistration(title=family, metadata=payload())).id)
    with SchemaAdmin.open(db_url) as admin:
        admin.load_legacy()
    registry.backfill()
    ids += [m.id for m in registry.list_models(limit=500) if m.id not in ids]
    return ids


def test_every_model_makes_a_card_the_hub_parser_reads_back(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    ids = _catalog(registry, db_url)
    assert len(ids) >= 17
    for model_id in ids:
        model = registry.get_model(model_id)
        data = _parsed(registry, model_id, tmp_path).data
        results = data.eval_results or []
        assert {r.metric_type: r.metric_value for r in results} == (model.eval_metrics or {})
        evaluation = model.metadata["evaluation_dataset"]
        expected_dataset = (
            evaluation.get("url", "").removeprefix("https://huggingface.co/datasets/")
            or evaluation["artifact_id"]
        )
        assert {r.dataset_type for r in results} <= {expected_dataset}
        assert {r.task_name for r in results} <= {model.benchmark_id}
        assert data.base_model == _expected_base(registry, model)
        assert data.to_dict()["atlas_registry"]["id"] == model.id


def test_a_card_carries_provenance_and_escapes_what_was_registered(
    registry: Registry, tmp_path: Path
) -> None:
    hostile = "AD <script>alert(1)</script> [click](javascript:alert(1)) `x` \x1b[2J \u202egnp"
    model = registry.register_model(
        ModelRegistration(
            title=hostile,
            metadata=logistic_regression(),
            code_repo_url="https://github.com/example-lab/ad-risk\u202e",
            code_commit_sha="ca805a0e57cf09a543ee743d5220dfc4bb87b36c",
            code_entrypoint="training/train_ad_risk.py",
            trained_by="agent-7",
            line="ad-risk",
        )
    )
    registry.promote(model.id, actor="lead <b>x</b>")
    card = registry.model_card(model.id)
    body = card.split("---", 2)[2]
    assert "<script>" not in body
    assert "](javascript:" not in body
    assert "\x1b" not in card
    assert "\u202e" not in body
    assert "\\\\u202egnp" in body  # shown as the escape, itself escaped for Markdown
    commit = (
        "https://github.com/example-lab/ad-risk%E2%80%AE/commit/"
        "ca805a0e57cf09a543ee743d5220dfc4bb87b36c"
    )
    assert f"(<{commit}>)" in body
    assert "candidate → promoted by lead \\<b\\>x\\</b\\>" in body
    parsed: Any = ModelCard(card).data
    assert parsed.model_name == "ad-risk"


def test_a_card_written_out_is_imported_back_with_the_same_facts(
    registry: Registry, tmp_path: Path
) -> None:
    payload = GOOD_BY_FAMILY["external_fine_tune"]()
    payload.pop("base_model_id")
    payload.update(
        training_data=[
            {"url": "https://huggingface.co/datasets/lab/cells", "description": "cells"}
        ],
        evaluation_dataset={
            "url": "https://huggingface.co/datasets/lab/cells",
            "description": "test",
        },
        benchmark_id="sea-ad-celltype-v1",
    )
    original = registry.register_model(ModelRegistration(title="hub model", metadata=payload))
    folder = tmp_path / "card"
    folder.mkdir()
    (folder / "README.md").write_text(registry.model_card(original.id), "utf-8")
    imported = registry.import_card(str(folder), revision=REVISION, source_url=HUB).model
    for key in (
        "model_family",
        "framework",
        "parameter_count",
        "evaluation_metrics",
        "benchmark_id",
    ):
        assert imported.metadata[key] == original.metadata[key], key
    assert (
        imported.metadata["training_data"][0]["url"] == "https://huggingface.co/datasets/lab/cells"
    )
    assert imported.external_source_version == REVISION


WILD_WITH_INDEX = """---
language: en
license: apache-2.0
library_name: transformers
base_model: bert-base-uncased
datasets:
- glue
tags:
- text-classification
pipeline_tag: text-classification
model-index:
- name: bert-finetuned-sst2
  results:
  - task:
      type: text-classification
      name: Text Classification
    dataset:
      name: GLUE SST2
      type: glue
      config: sst2
      split: validation
    metrics:
    - type: accuracy
      value: 0.9243
    - type: f1
      value: 0.9251
---

# bert-finetuned-sst2

Fine-tuned for sentiment.
"""

ONLY_BASE = """---
base_model: meta-llama/Llama-3.1-8B
---
# A LoRA adapter
"""

NO_FRONT_MATTER = "# my model\n\nIt classifies cells.\n"


def _card(tmp_path: Path, text: str) -> str:
    path = tmp_path / "README.md"
    path.write_text(text, "utf-8")
    return str(path)


def test_a_wild_card_with_a_model_index_is_registered_with_what_a_person_adds(
    registry: Registry, tmp_path: Path
) -> None:
    sets = ["model_family=transformer_classifier", "parameter_count=110000000"]
    model = registry.import_card(
        _card(tmp_path, WILD_WITH_INDEX), revision=REVISION, source_url=HUB, assignments=sets
    ).model
    metadata = model.metadata
    assert metadata["framework"] == "huggingface-transformers"
    assert metadata["evaluation_metrics"] == {"accuracy": 0.9243, "f1": 0.9251}
    assert metadata["evaluation_dataset"] == {
        "url": "https://huggingface.co/datasets/glue",
        "description": "GLUE SST2 (config sst2, split validation)",
    }
    assert metadata["training_data"] == [
        {"url": "https://huggingface.co/datasets/glue", "description": "glue"}
    ]
    assert metadata["extensions"] == {
        "hf_base_model": "bert-base-uncased",
        "hf_task": "text-classification",
        "hf_eval": {
            "task_type": "text-classification",
            "task_name": "Text Classification",
            "dataset_type": "glue",
            "dataset_name": "GLUE SST2",
            "dataset_config": "sst2",
            "dataset_split": "validation",
        },
    }
    assert model.title == "bert-finetuned-sst2"


@pytest.mark.parametrize(
    "spelling",
    [
        "https://huggingface.co/bert-base-uncased",
        "https://HuggingFace.co/bert-base-uncased/",
        "http://huggingface.co/bert-base-uncased.git",
    ],
)
def test_a_registered_base_model_becomes_the_base_model_id(
    registry: Registry, tmp_path: Path, spelling: str
) -> None:
    """The base is found by the address its source URL names, however that was spelled."""
    payload = GOOD_BY_FAMILY["external_fine_tune"]()
    payload.pop("base_model_id")
    payload.update(
        training_data=logistic_regression()["training_data"],
        evaluation_dataset=logistic_regression()["evaluation_dataset"],
        external_source_url=spelling,
    )
    other = {**payload, "external_source_url": "https://huggingface.co/bert-base-uncased-v2"}
    registry.register_model(ModelRegistration(title="not the base", metadata=other))
    base = registry.register_model(ModelRegistration(title="bert", metadata=payload))
    sets = ["model_family=transformer_classifier", "parameter_count=110000000"]
    model = registry.import_card(
        _card(tmp_path, WILD_WITH_INDEX), revision=REVISION, source_url=HUB, assignments=sets
    ).model
    assert model.base_model_id == base.id
    assert "hf_base_model" not in model.metadata["extensions"]


@pytest.mark.parametrize("text", [ONLY_BASE, NO_FRONT_MATTER], ids=["only-base", "no-front-matter"])
def test_what_a_card_does_not_say_is_listed_in_one_error(
    registry: Registry, tmp_path: Path, text: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        registry.import_card(_card(tmp_path, text), revision=REVISION, source_url=HUB)
    paths = {v.path for v in refused.value.violations}
    assert {
        "model_family",
        "parameter_count",
        "training_data",
        "evaluation_dataset",
        "evaluation_metrics",
    } <= paths
    assert "--set field=value" in refused.value.message
    assert registry.list_models() == []


def test_a_branch_is_not_a_revision_and_a_card_does_not_pin_itself(
    registry: Registry, tmp_path: Path
) -> None:
    path = _card(tmp_path, WILD_WITH_INDEX)
    with pytest.raises(ValidationError) as branch:
        registry.import_card(path, revision="main", source_url=HUB)
    [problem] = [v for v in branch.value.violations if v.path == "revision"]
    assert "looks like a branch name" in problem.message
    with pytest.raises(ValidationError) as unpinned:
        registry.import_card(path)
    assert {"revision", "source_url"} <= {v.path for v in unpinned.value.violations}


def test_cards_over_the_cli_and_the_api(registry: Registry, db_url: str, tmp_path: Path) -> None:
    model = registry.register_model(ModelRegistration(title="ad", metadata=logistic_regression()))
    out = tmp_path / "out"
    code, printed, _ = invoke("card", model.id, "--out", str(out), "--db", db_url)
    assert code == 0, printed
    assert ModelCard.load(out / "README.md").data.to_dict()["atlas_registry"]["id"] == model.id
    card = str(tmp_path / "wild.md")
    Path(card).write_text(WILD_WITH_INDEX, "utf-8")
    args = ["import", "card", card, "--revision", REVISION, "--source-url", HUB, "--db", db_url]
    sets = ["--set", "model_family=transformer_classifier", "--set", "parameter_count=110000000"]
    code, printed, _ = invoke(*args, *sets, "--check", "--json")
    assert code == 0, printed
    assert json.loads(printed)["model"]["metadata"]["evaluation_metrics"]["accuracy"] == 0.9243
    assert len(registry.list_models()) == 1  # --check wrote nothing
    code, _, err = invoke(*args, "--json")
    assert code == 1
    assert {"model_family", "parameter_count"} <= {v["path"] for v in json.loads(err)["violations"]}
    code, printed, _ = invoke(*args, *sets)
    assert code == 0
    assert len(registry.list_models()) == 2
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as client:
        response = client.get(f"/api/v1/models/{model.id}/card")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/markdown")
        assert _front(response.text)["atlas_registry"]["id"] == model.id
        assert client.get("/api/v1/models/nope/card").status_code == 404


def test_a_card_written_out_replaces_only_a_card_of_the_same_line(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    """`card X --out .` replaced a project's README, and `--out cards/` another model's card."""
    first = registry.register_model(
        ModelRegistration(title="a", metadata=logistic_regression(), line="ad-risk")
    )
    second = registry.register_model(
        ModelRegistration(title="a", metadata=logistic_regression(), line="ad-risk")
    )
    other = registry.register_model(ModelRegistration(title="b", metadata=logistic_regression()))
    project = tmp_path / "project"
    project.mkdir()
    readme = project / "README.md"
    readme.write_text("# My project\n\nKeep me.\n", "utf-8")
    code, _, err = invoke("card", first.id, "--out", str(project), "--db", db_url)
    assert code == InputError.exit_code
    assert "is not a model card this registry wrote; pass --force" in err
    assert readme.read_text("utf-8") == "# My project\n\nKeep me.\n"
    assert [p.name for p in project.iterdir()] == ["README.md"]  # no temporary file left
    assert invoke("card", first.id, "--out", str(project), "--force", "--db", db_url)[0] == 0
    # A card of another version of the same line is replaced: the newer card goes where it was.
    assert invoke("card", "ad-risk@2", "--out", str(project), "--db", db_url)[0] == 0
    assert _front(readme.read_text("utf-8"))["atlas_registry"]["id"] == second.id
    assert readme.stat().st_mode & 0o777 == 0o666 & ~_umask()
    # Another model's card stays, unless --force.
    code, _, err = invoke("card", other.id, "--out", str(project), "--db", db_url)
    assert code == InputError.exit_code
    # Named as a person names versions (line@N), not by its raw id.
    mine = short_id_of(other.id)
    assert f"is the card of another model, ad-risk@2, not of a version of {mine};" in err
    assert second.id not in err
    assert _front(readme.read_text("utf-8"))["atlas_registry"]["id"] == second.id
    assert invoke("card", other.id, "--out", str(project), "--force", "--db", db_url)[0] == 0
    assert _front(readme.read_text("utf-8"))["atlas_registry"]["id"] == other.id
    # A card of a model this catalog does not hold (another registry's) is named by its id.
    readme.write_text(readme.read_text("utf-8").replace(other.id, "model-elsewhere"), "utf-8")
    with pytest.raises(InputError) as refused:
        registry.export_card("ad-risk", project)
    assert "another model, a model this catalog does not hold (model-elsewhere), " in str(
        refused.value
    )
    assert "not of a version of ad-risk;" in str(refused.value)


def test_a_device_where_the_card_goes_is_refused_unread(registry: Registry, tmp_path: Path) -> None:
    """The README.md read to find whose card it is may be a link to ``/dev/zero``."""
    model = registry.register_model(ModelRegistration(title="a", metadata=logistic_regression()))
    (tmp_path / "README.md").symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        registry.export_card(model.id, tmp_path)
    assert (tmp_path / "README.md").is_symlink()


def test_the_card_of_a_rejected_or_superseded_version_says_so(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    """`card NAME` exported a rejected latest version without a word."""
    first = registry.register_model(
        ModelRegistration(title="a", metadata=logistic_regression(), line="ad-risk")
    )
    registry.promote(first.id, actor="lead", override=True, notes="baseline")
    assert "Not the version to use" not in registry.model_card("ad-risk")
    latest = registry.register_model(
        ModelRegistration(title="a", metadata=logistic_regression(), line="ad-risk")
    )
    registry.reject(latest.id, actor="lead", notes="leaks the test set")
    code, printed, err = invoke("card", "ad-risk", "--db", db_url)
    assert code == 0
    notice = "This card describes ad-risk@2, which is rejected; the promoted version is ad-risk@1."
    assert notice in err
    assert f"> **Not the version to use.** {notice}" in printed
    # The lineage names each version as a person does, beside its id.
    assert f"- version 1: `ad-risk@1` `{first.id}`" in printed
    assert f"- version 2: `ad-risk@2` `{latest.id}` (this card)" in printed
    code, printed, _ = invoke("card", "ad-risk", "--db", db_url, "--json")
    assert json.loads(printed)["notice"] == notice
    exported = registry.export_card("ad-risk", tmp_path)
    assert exported.notice == notice
    assert "**Not the version to use.**" in (tmp_path / "README.md").read_text("utf-8")
    third = registry.register_model(
        ModelRegistration(title="a", metadata=logistic_regression(), line="ad-risk")
    )
    registry.promote(third.id, actor="lead", override=True, notes="better")
    assert registry.export_card("ad-risk@1").notice == (
        "This card describes ad-risk@1, which is superseded; the promoted version is ad-risk@3."
    )
    assert registry.export_card("ad-risk").notice is None


def test_an_empty_out_writes_nothing_into_the_current_folder(
    registry: Registry, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = registry.register_model(ModelRegistration(title="a", metadata=logistic_regression()))
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    code, _, err = invoke("card", model.id, "--out", "", "--db", db_url)
    assert code == InputError.exit_code
    assert "--out names no folder" in err
    assert list(here.iterdir()) == []


def test_hostile_front_matter_is_refused_before_it_is_expanded(
    registry: Registry, tmp_path: Path
) -> None:
    layers = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for index, name in enumerate("bcdef"):
        below = "abcdef"[index]
        layers.append(f"{name}: &{name} [{', '.join([f'*{below}'] * 10)}]")
    bomb = "---\n" + "\n".join(layers) + "\ndatasets: [*f, *f, *f]\n---\n# x\n"
    with pytest.raises(ValidationError, match="YAML alias"):
        registry.import_card(_card(tmp_path, bomb), revision=REVISION, source_url=HUB)
    broken = "---\nmodel-index: [\n---\n# x\n"
    with pytest.raises(InputError, match="cannot be read"):
        registry.import_card(_card(tmp_path, broken), revision=REVISION, source_url=HUB)
    assert registry.list_models() == []


def _umask() -> int:
    import os

    current = os.umask(0)
    os.umask(current)
    return current


def test_a_path_that_names_no_readable_card_is_refused(registry: Registry, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1"
    latin1.mkdir()
    (latin1 / "README.md").write_bytes(b"---\nlicense: caf\xe9\n---\n# x\n")
    for path, why in [
        ("", "no model card named"),
        ("/dev/zero", "is not a regular file"),  # refused unread, never read forever
        (str(tmp_path / "empty-folder"), "no model card at"),
        (str(latin1), "not UTF-8 text"),
    ]:
        with pytest.raises(InputError, match=why):
            registry.import_card(path, revision=REVISION, source_url=HUB)


# The shape of an Open LLM Leaderboard card: one result per benchmark data set,
# each with few-shot args and a source, some with several metrics.
LEADERBOARD = """---
library_name: transformers
license: apache-2.0
model-index:
- name: tiny-llm-7b
  results:
  - task:
      type: text-generation
      name: Text Generation
    dataset:
      name: AI2 Reasoning Challenge (25-Shot)
      type: ai2_arc
      config: ARC-Challenge
      split: test
      args:
        num_few_shot: 25
    metrics:
    - type: acc_norm
      value: 61.09
      name: normalized accuracy
    source:
      url: https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard
      name: Open LLM Leaderboard
  - task:
      type: text-generation
      name: Text Generation
    dataset:
      name: HellaSwag (10-Shot)
      type: hellaswag
      split: validation
      args:
        num_few_shot: 10
    metrics:
    - type: acc_norm
      value: 83.71
      name: normalized accuracy
  - task:
      type: text-generation
      name: Text Generation
    dataset:
      name: MMLU (5-Shot)
      type: cais/mmlu
      config: all
      split: test
      args:
        num_few_shot: 5
    metrics:
    - type: acc
      value: 64.16
      name: accuracy
---
# tiny-llm-7b
"""

# Speech recognition: one data set, two splits, the same metric on each. The
# old import stored the first split with the last split's value.
SPLITS = """---
library_name: transformers
model-index:
- name: whisper-small-nl
  results:
  - task:
      type: automatic-speech-recognition
      name: Speech Recognition
    dataset:
      name: Common Voice 11.0
      type: mozilla-foundation/common_voice_11_0
      config: nl
      split: test
      revision: 0cb3d67b1b25e1c8e2d3c1dd8d9f0e6a8b5c4d3e
    metrics:
    - type: wer
      value: 12.6
      name: Test WER
      verified: true
  - task:
      type: automatic-speech-recognition
      name: Speech Recognition
    dataset:
      name: Common Voice 11.0
      type: mozilla-foundation/common_voice_11_0
      config: nl
      split: validation
    metrics:
    - type: wer
      value: 9.8
      name: Validation WER
---
# whisper-small-nl
"""

# One result, several metrics, one of them reported twice with different args.
TWICE = """---
model-index:
- name: sentiment
  results:
  - task:
      type: text-classification
    dataset:
      name: IMDb
      type: imdb
      split: test
    metrics:
    - type: accuracy
      value: 0.93
      verified: true
    - type: f1
      value: 0.91
      args:
        average: macro
    - type: f1
      value: 0.93
      args:
        average: micro
---
"""

SETS = [
    "model_family=transformer_lm",
    "parameter_count=7000000000",
    "framework=pytorch",
    "training_data=" + json.dumps([{"url": f"{HUB}/corpus", "description": "corpus"}]),
]


@pytest.mark.parametrize(
    ("card", "count"), [(LEADERBOARD, 3), (SPLITS, 2)], ids=["datasets", "splits"]
)
def test_a_card_with_several_results_makes_one_version(
    registry: Registry, tmp_path: Path, card: str, count: int
) -> None:
    path = _card(tmp_path, card)
    with pytest.raises(ValidationError) as beyond:
        registry.import_card(
            path, revision=REVISION, source_url=HUB, assignments=SETS, result=count + 1
        )
    problems = {v.path: v.message for v in beyond.value.violations}
    assert f"but the card reports results 1 to {count}" in problems["result"]
    assert [f"result {n}" for n in range(1, count + 1)] == [
        p for p in problems if p.startswith("result ")
    ]
    # Neither a result not chosen nor its absent metrics are listed as missing facts.
    assert not {"evaluation_dataset", "evaluation_metrics"} & set(problems)
    assert registry.list_models() == []
    # None chosen: the first is the registration's own, every other its evaluation.
    first = registry.import_card(path, revision=REVISION, source_url=HUB, assignments=SETS)
    assert (first.status, first.result, first.results) == ("registered", 1, count)
    assert first.evaluations == count - 1
    assert [e.origin for e in registry.evaluations(first.model.id)] == ["card"] * (count - 1) + [
        "registration"
    ]
    # The same weights again, another result chosen: the same version, the difference named.
    again = registry.import_card(
        path, revision=REVISION, source_url=HUB, assignments=SETS, result=2
    )
    assert (again.status, again.model.id) == ("already_imported", first.model.id)
    assert "evaluation_metrics" in again.differs
    assert [m.id for m in registry.list_models()] == [first.model.id]


def test_each_result_keeps_its_own_data_set_split_and_values(
    registry: Registry, tmp_path: Path
) -> None:
    board = _card(tmp_path, LEADERBOARD)
    hellaswag = registry.import_card(
        board, revision=REVISION, source_url=HUB, assignments=SETS, result=2
    )
    assert (hellaswag.status, hellaswag.result, hellaswag.results) == ("registered", 2, 3)
    metadata = hellaswag.model.metadata
    assert metadata["evaluation_metrics"] == {"acc_norm": 83.71}
    assert metadata["evaluation_dataset"] == {
        "url": "https://huggingface.co/datasets/hellaswag",
        "description": "HellaSwag (10-Shot) (split validation)",
    }
    assert metadata["extensions"]["hf_eval"]["dataset_args"] == '{"num_few_shot": 10}'
    # The card's other results are kept as evaluations of their own; written back, the
    # registered one comes first.
    assert hellaswag.evaluations == 2
    written, *others = _front(registry.model_card(hellaswag.model.id))["model-index"][0]["results"]
    assert [r["dataset"]["type"] for r in others] == ["ai2_arc", "cais/mmlu"]
    assert written["dataset"]["args"] == {"num_few_shot": 10}
    assert written["dataset"]["split"] == "validation"
    [mmlu] = [e for e in registry.evaluations(hellaswag.model.id) if e.metrics == {"acc": 64.16}]
    assert mmlu.origin == "card"
    assert (mmlu.dataset or {})["url"] == "https://huggingface.co/datasets/cais/mmlu"
    assert (mmlu.split, mmlu.dataset_id) == ("test", None)

    folder = tmp_path / "splits"
    folder.mkdir()
    test_split = registry.import_card(
        _card(folder, SPLITS), revision=REVISION, source_url=HUB, assignments=SETS, result=1
    ).model
    assert test_split.metadata["evaluation_metrics"] == {"wer": 12.6}
    assert test_split.metadata["evaluation_dataset"] == {
        "url": "https://huggingface.co/datasets/mozilla-foundation/common_voice_11_0",
        "description": "Common Voice 11.0 (config nl, split test)",
        "version": "0cb3d67b1b25e1c8e2d3c1dd8d9f0e6a8b5c4d3e",
    }
    kept = test_split.metadata["extensions"]["hf_eval"]
    assert (kept["verified"], kept["metric_name.wer"]) == (["wer"], "Test WER")
    # Written out again, the card says the same split, config and revision.
    data: Any = ModelCard(registry.model_card(test_split.id)).data
    written, validation = data.eval_results
    assert (validation.dataset_split, validation.metric_value) == ("validation", 9.8)
    assert (written.dataset_split, written.dataset_config, written.metric_value) == (
        "test",
        "nl",
        12.6,
    )
    assert written.dataset_revision == "0cb3d67b1b25e1c8e2d3c1dd8d9f0e6a8b5c4d3e"


def test_a_metric_reported_twice_in_one_result_is_not_picked_silently(
    registry: Registry, tmp_path: Path
) -> None:
    path = _card(tmp_path, TWICE)
    sets = SETS
    with pytest.raises(ValidationError) as refused:
        registry.import_card(path, revision=REVISION, source_url=HUB, assignments=sets)
    [twice] = [v for v in refused.value.violations if "twice" in v.message]
    assert twice.path == "model-index result 1 metric f1"
    chosen = [*sets, 'evaluation_metrics={"accuracy": 0.93, "f1_macro": 0.91}']
    model = registry.import_card(path, revision=REVISION, source_url=HUB, assignments=chosen).model
    assert model.metadata["evaluation_metrics"] == {"accuracy": 0.93, "f1_macro": 0.91}
    assert model.metadata["extensions"]["hf_eval"]["verified"] == ["accuracy"]


def test_the_same_card_imported_again_registers_nothing(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    path = _card(tmp_path, WILD_WITH_INDEX)
    sets = ["model_family=transformer_classifier", "parameter_count=110000000"]
    first = registry.import_card(path, revision=REVISION, source_url=HUB, assignments=sets)
    again = registry.import_card(path, revision=REVISION, source_url=HUB, assignments=sets)
    assert (again.status, again.model.id, again.differs) == ("already_imported", first.model.id, [])
    checked = registry.import_card(
        path, revision=REVISION, source_url=HUB, assignments=sets, dry_run=True
    )
    assert checked.status == "already_imported"
    assert len(registry.list_models()) == 1
    # Too little said, or something said otherwise: still nothing new, and the difference named.
    assert registry.import_card(path, revision=REVISION, source_url=HUB).model.id == first.model.id
    other = ["model_family=transformer_classifier", "parameter_count=66000000"]
    differing = registry.import_card(path, revision=REVISION, source_url=HUB, assignments=other)
    assert (differing.status, differing.differs) == ("already_imported", ["parameter_count"])
    args = ["import", "card", path, "--revision", REVISION, "--source-url", HUB, "--db", db_url]
    code, printed, _ = invoke(*args, "--set", sets[0], "--set", sets[1])
    assert code == 0
    assert "already imported" in printed
    assert "nothing new was registered" in printed
    assert len(registry.list_models()) == 1
    # Another revision of the same card is another version.
    newer = registry.import_card(path, revision="v2.0.0", source_url=HUB, assignments=sets)
    assert newer.status == "registered"
    assert len(registry.list_models()) == 2


def test_a_result_asked_of_a_card_without_results_is_refused(
    registry: Registry, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError) as refused:
        registry.import_card(
            _card(tmp_path, ONLY_BASE), revision=REVISION, source_url=HUB, result=1
        )
    [problem] = [v for v in refused.value.violations if v.path == "result"]
    assert problem.message == "is 1, but the card reports no model-index results"
    assert registry.list_models() == []


MALFORMED_INDEX = """---
model-index:
- name: m
  results:
  - task:
      type: text-classification
    dataset:
      type: imdb
    metrics:
    - type: accuracy
      value: 0.9
  - task: {}
    dataset: {type: imdb, name: IMDb}
    metrics:
    - type: f1
    - just text
---
"""


def test_a_model_index_the_hub_cannot_parse_names_every_gap(
    registry: Registry, tmp_path: Path
) -> None:
    """The Hub's parser said only `KeyError 'name'` and to pass a Python argument."""
    with pytest.raises(ValidationError) as refused:
        registry.import_card(_card(tmp_path, MALFORMED_INDEX), revision=REVISION, source_url=HUB)
    assert "is not in the Hub's format" in refused.value.message
    assert refused.value.paths == [
        "model-index[0].results[0].dataset.name",
        "model-index[0].results[1].task.type",
        "model-index[0].results[1].metrics[0].value",
        "model-index[0].results[1].metrics[1]",
    ]
    assert "ignore_metadata_errors" not in str(refused.value)
    assert registry.list_models() == []


# One result that says everything the Hub's format lets a result say about its metrics.
SAYS_EVERYTHING = """---
library_name: transformers
model-index:
- name: wav2vec-nl
  results:
  - task:
      type: automatic-speech-recognition
      name: Speech Recognition
    dataset:
      name: Common Voice 11.0
      type: mozilla-foundation/common_voice_11_0
      config: nl
      split: test
      revision: 0cb3d67b1b25e1c8e2d3c1dd8d9f0e6a8b5c4d3e
      args:
        language: nl
    metrics:
    - type: wer
      value: 12.6
      name: Test WER
      verified: true
    - type: cer
      value: 4.1
      name: Test CER
      config: normalised
      args:
        ignore_case: true
    source:
      name: Open ASR Leaderboard
      url: https://huggingface.co/spaces/hf-audio/open_asr_leaderboard
---
# wav2vec-nl
"""


def _results(card: str) -> list[dict[str, Any]]:
    """The card's results as the Hub's parser reads them, one per metric, by metric."""
    data: Any = ModelCard(card).data
    found = [dataclasses.asdict(r) for r in data.eval_results]
    return sorted(found, key=lambda r: str(r["metric_type"]))


def test_a_cards_results_are_written_back_as_the_card_said_them(
    registry: Registry, tmp_path: Path
) -> None:
    """`card` dropped `verified` and the metric's name that `import card` kept."""
    path = _card(tmp_path, SAYS_EVERYTHING)
    sets = [*SETS, "benchmark_id=open-asr-nl"]
    model = registry.import_card(path, revision=REVISION, source_url=HUB, assignments=sets).model
    kept = model.metadata["extensions"]["hf_eval"]
    assert (kept["verified"], kept["metric_name.wer"]) == (["wer"], "Test WER")
    exported = registry.model_card(model.id)
    assert _results(exported) == _results(SAYS_EVERYTHING)
    # The benchmark a person filed it under is the registry's, beside the card's task name.
    assert _front(exported)["atlas_registry"]["benchmark_id"] == "open-asr-nl"

    # A value a person gives over the card's is theirs: it is not written back as verified.
    corrected = registry.import_card(
        path, revision="v2.0.0", source_url=HUB, assignments=[*SETS, "evaluation_metrics.wer=13.0"]
    ).model
    assert "verified" not in corrected.metadata["extensions"]["hf_eval"]
    wer = [r for r in _results(registry.model_card(corrected.id)) if r["metric_type"] == "wer"]
    assert [(r["metric_value"], r["verified"], r["metric_name"]) for r in wer] == [
        (13.0, None, "Test WER")
    ]


@pytest.mark.parametrize(
    "spelling",
    [
        f"{HUB}/",
        HUB.replace("https://huggingface.co", "https://HuggingFace.co"),
        HUB.replace("https://", "http://"),
        f"{HUB}.git",
    ],
)
def test_one_source_spelled_another_way_is_the_same_card(
    registry: Registry, db_url: str, tmp_path: Path, spelling: str
) -> None:
    """A trailing slash, the host's case or http registered the same card a second time."""
    path = _card(tmp_path, WILD_WITH_INDEX)
    sets = ["model_family=transformer_classifier", "parameter_count=110000000"]
    first = registry.import_card(path, revision=REVISION, source_url=HUB, assignments=sets).model
    again = registry.import_card(path, revision=REVISION, source_url=spelling, assignments=sets)
    assert (again.status, again.model.id, again.differs) == ("already_imported", first.id, [])
    args = ["import", "card", path, "--revision", REVISION, "--source-url", spelling]
    code, printed, _ = invoke(*args, "--set", sets[0], "--set", sets[1], "--check", "--db", db_url)
    assert (code, "already imported" in printed, "would register" in printed) == (0, True, False)
    assert [m.id for m in registry.list_models()] == [first.id]
    # The version keeps the URL as it was first given; another repository is another model.
    assert registry.get_model(first.id).external_source_url == HUB
    elsewhere = registry.import_card(
        path, revision=REVISION, source_url=f"{HUB}-large", assignments=sets
    )
    assert elsewhere.status == "registered"


def test_a_card_imported_by_its_url_as_given_is_found_again(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version whose id was made from the URL as written is not registered a second time."""
    from atlas_registry.interop import card_import

    path = _card(tmp_path, WILD_WITH_INDEX)
    sets = ["model_family=transformer_classifier", "parameter_count=110000000"]
    with monkeypatch.context() as before:  # ids as they were made from the URL as written
        before.setattr(card_import, "source_identity", lambda url: url)
        first = registry.import_card(
            path, revision=REVISION, source_url=f"{HUB}/", assignments=sets
        )
    again = registry.import_card(path, revision=REVISION, source_url=f"{HUB}/", assignments=sets)
    assert (again.status, again.model.id) == ("already_imported", first.model.id)


def _said(card_text: str) -> list[tuple[Any, ...]]:
    """Every metric of a card's model-index as the Hub's parser reads it, with its data."""
    data: Any = ModelCard(card_text).data
    return sorted(
        (
            r.dataset_type,
            r.dataset_name,
            r.dataset_config,
            r.dataset_split,
            r.dataset_revision,
            json.dumps(r.dataset_args, sort_keys=True),
            r.metric_type,
            r.metric_value,
            r.metric_name,
            r.verified,
        )
        for r in data.eval_results or []
    )


@pytest.mark.parametrize("card", [LEADERBOARD, SPLITS], ids=["datasets", "splits"])
def test_every_result_round_trips_as_an_evaluation_of_its_own(
    registry: Registry, tmp_path: Path, card: str
) -> None:
    imported = registry.import_card(
        _card(tmp_path, card), revision=REVISION, source_url=HUB, assignments=SETS, result=1
    )
    found = registry.evaluations(imported.model.id)
    assert [e.origin for e in found][-1] == "registration"
    assert len(found) == imported.results
    assert len({(e.dataset_id, (e.dataset or {}).get("url"), e.split) for e in found}) >= 2
    written = registry.model_card(imported.model.id)
    assert _said(written) == _said(card)
    again = tmp_path / "again"
    again.mkdir()
    (again / "README.md").write_text(written, "utf-8")
    second = registry.import_card(
        str(again), revision=REVISION, source_url=f"{HUB}-copy", assignments=SETS, result=1
    )
    assert _said(registry.model_card(second.model.id)) == _said(card)
