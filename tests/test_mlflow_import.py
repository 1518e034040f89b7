"""Importing a real MLflow registry (SQLite tracking store) on both Atlas backends.

The MLflow side has what teams bring: a model whose versions carry the facts
as ``atlas.`` tags, runs with git commits and an SSH remote, a champion alias,
a model that says too little (held, and the version after it waits), and a
production alias the gate refuses.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from atlas_registry import InputError, ModelRegistration, NotFoundError, Registry
from tests.cli_helpers import invoke

pytestmark = pytest.mark.slow  # MLflow itself, imported and driven

# MLflow is imported by the fixtures that drive it, not at collection: every
# pytest-xdist worker collects this module, one runs it.
if importlib.util.find_spec("mlflow") is None:
    pytest.skip("could not import 'mlflow'", allow_module_level=True)

COMMITS = [
    "ca805a0e57cf09a543ee743d5220dfc4bb87b36c",
    "06d4a1f164beb6c7e2a88fd1e5649c8e7447fa33",
    "aa501ce4f2dddbb4bb56a1e0009e3d8160cbb1f0",
]
DATA = {"url": "https://adni.loni.usc.edu", "description": "ADNI baseline visits"}
FACTS = {
    "atlas.model_family": "logistic_regression",
    "atlas.framework": "scikit-learn",
    "atlas.parameter_count": "24",
    "atlas.training_data": json.dumps([DATA]),
    "atlas.evaluation_dataset": json.dumps({**DATA, "description": "held-out 20%"}),
    "atlas.benchmark_id": "adni-conversion-v1",
}


# Params as MLflow stores them: text, whatever the script logged.
PARAMS = {
    "C": "0.5",
    "max_iter": "100",
    "tol": "1e-4",
    "fit_intercept": "True",
    "warm_start": "false",
    "solver": "lbfgs",
    "cohort_id": "007",
    "class_weight": "None",
    "l1_ratio": "nan",
    "seed_bits": "123456789012345678901",
    "alpha": "0.1000000000000000001",
}


def _log_params(client: Any, run_id: str, params: dict[str, str]) -> None:
    """Logged as MLflow's autologging does, in batches of at most 100: one call
    per param was one commit to MLflow's store each, most of a test's time."""
    from mlflow.entities import Param

    logged = [Param(name, value) for name, value in params.items()]
    for start in range(0, len(logged), 100):
        client.log_batch(run_id, params=logged[start : start + 100])


def _run(
    client: Any, experiment: str, auroc: float, commit: str, source_name: str = "train.py"
) -> str:
    run = client.create_run(
        experiment,
        tags={
            "mlflow.source.git.commit": commit,
            "mlflow.source.git.repoURL": "git@github.com:example-lab/ad-risk.git",
            "mlflow.source.name": source_name,
            "mlflow.user": "ada",
        },
    )
    run_id: str = run.info.run_id
    client.log_metric(run_id, "auroc", auroc)
    _log_params(client, run_id, PARAMS)
    client.set_terminated(run_id)
    return run_id


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow store with no models, made once: MLflow migrating a new one takes seconds."""
    path = tmp_path_factory.mktemp("mlflow-empty") / "mlflow.db"
    uri = f"sqlite:///{path}"
    _client(uri).search_experiments()
    return path


def _new_store(empty_store: Path, path: Path) -> tuple[str, Any]:
    """A new MLflow store at ``path``, copied from the empty one: its URI and a client."""
    shutil.copyfile(empty_store, path)
    uri = f"sqlite:///{path}"
    return uri, _client(uri)


def _client(uri: str) -> Any:
    """An MLflow client of the store at ``uri`` (tracking and registry in one database)."""
    import mlflow

    return mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)


@pytest.fixture(scope="module")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory, empty_store: Path) -> str:
    folder = tmp_path_factory.mktemp("mlflow")
    uri, client = _new_store(empty_store, folder / "mlflow.db")
    experiment = client.create_experiment("ad", artifact_location=str(folder / "artifacts"))
    client.create_registered_model(
        "AD Risk", tags={**FACTS, "team": "neuro"}, description="Conversion to AD within 3 years."
    )
    entrypoints = ("train.py", "/home/ada/ad-risk/train.py", "src/train.py")
    for auroc, commit, entry in zip((0.81, 0.84, 0.79), COMMITS, entrypoints, strict=True):
        run_id = _run(client, experiment, auroc, commit, entry)
        client.create_model_version("AD Risk", source=f"runs:/{run_id}/model", run_id=run_id)
    client.set_registered_model_alias("AD Risk", "champion", "2")
    client.set_registered_model_alias("AD Risk", "staging", "3")
    client.set_registered_model_alias("AD Risk", "shadow", "3")

    client.create_registered_model("celltype-net", tags={"atlas.framework": "pytorch"})
    for auroc in (0.9, 0.91):
        run_id = _run(client, experiment, auroc, COMMITS[0])
        client.create_model_version("celltype-net", source=str(folder / "m"), run_id=run_id)
    client.set_registered_model_alias("celltype-net", "champion", "1")

    client.create_registered_model("Weak Model", tags=FACTS)
    run_id = _run(client, experiment, 0.6, COMMITS[1])
    client.create_model_version("Weak Model", source=str(folder / "m"), run_id=run_id)
    client.set_registered_model_alias("Weak Model", "production", "1")
    return uri


def _store_of_one(empty_store: Path, tmp_path: Path, name: str) -> tuple[str, Any, str]:
    """A second MLflow store holding model ``name`` at one version: URI, client, experiment."""
    uri, client = _new_store(empty_store, tmp_path / "other.db")
    experiment = client.create_experiment("other", artifact_location=str(tmp_path / "a"))
    client.create_registered_model(name, tags=FACTS)
    run_id = _run(client, experiment, 0.9, COMMITS[0])
    client.create_model_version(name, source=str(tmp_path / "m"), run_id=run_id)
    return uri, client, experiment


def _by_model(report: Any) -> dict[tuple[str, int], Any]:
    return {(v.model, v.version): v for v in report.versions}


def test_models_become_lines_in_version_order_with_pins_tags_and_promotions(
    registry: Registry, tracking_uri: str
) -> None:
    report = registry.import_mlflow(tracking_uri)
    found = _by_model(report)
    for version in (1, 2, 3):
        entry = found[("AD Risk", version)]
        assert (entry.status, entry.line, entry.atlas_version) == ("imported", "ad-risk", version)
        model = registry.get_model(entry.model_id)
        assert model.code_repo_url == "https://github.com/example-lab/ad-risk"
        assert model.code_commit_sha == COMMITS[version - 1]
        assert model.trained_by == "ada"
        assert model.metadata["extensions"]["mlflow_tags"] == {"team": "neuro"}
        assert model.metadata["extensions"]["mlflow"]["version"] == version
        assert model.metadata["training_config"]["hyperparameters"] == TYPED_PARAMS
    assert found[("AD Risk", 2)].promotion == "promoted"
    promoted = registry.promoted_version("ad-risk")
    assert promoted is not None
    assert promoted.version_number == 2


TYPED_PARAMS = {
    "C": 0.5,
    "max_iter": 100,
    "tol": 0.0001,
    "fit_intercept": True,
    "warm_start": False,
    "solver": "lbfgs",
    "cohort_id": "007",  # a leading zero: an identifier, not a number
    "class_weight": "None",
    "l1_ratio": "nan",
    "seed_bits": "123456789012345678901",  # beyond what a double holds exactly
    "alpha": "0.1000000000000000001",  # a double would round it
}


def test_what_mlflow_users_rely_on_is_kept_under_extensions(
    registry: Registry, tracking_uri: str
) -> None:
    """The source URI, every alias, the model's description and the entrypoint were dropped."""
    found = _by_model(registry.import_mlflow(tracking_uri, models=["AD Risk"]))
    kept = {}
    for number in (1, 2, 3):
        model = registry.get_model(found[("AD Risk", number)].model_id or "")
        kept[number] = model.metadata["extensions"]["mlflow"]
        assert kept[number]["source"] == f"runs:/{kept[number]['run_id']}/model"
        assert kept[number]["model_description"] == "Conversion to AD within 3 years."
    assert "aliases_at_import" not in kept[1]
    assert kept[2]["aliases_at_import"] == ["champion"]
    assert kept[3]["aliases_at_import"] == ["shadow", "staging"]
    assert [kept[n]["source_name"] for n in (1, 2, 3)] == [
        "train.py",
        "/home/ada/ad-risk/train.py",
        "src/train.py",
    ]
    # A path inside the checkout is the entrypoint; a path on one machine is not.
    entrypoints = [registry.get_model(f"ad-risk@{n}").code_entrypoint for n in (1, 2, 3)]
    assert entrypoints == ["train.py", None, "src/train.py"]


def test_a_models_own_tags_win_over_the_command_lines_defaults(
    registry: Registry, tracking_uri: str
) -> None:
    """`--set model_family=...` replaced the family every model's tags gave."""
    sets = [
        "model_family=cnn_classifier",
        "parameter_count=1200000",
        f"training_data={json.dumps([DATA])}",
        f"evaluation_dataset={json.dumps(DATA)}",
        "code_commit_sha=" + "f" * 40,
        "code_entrypoint=fit.py",
        "gpu_allocation_id=alloc-7",
    ]
    found = _by_model(
        registry.import_mlflow(tracking_uri, models=["AD Risk", "celltype-net"], assignments=sets)
    )
    tagged = registry.get_model(found[("AD Risk", 1)].model_id or "")
    assert (tagged.model_family, tagged.metadata["parameter_count"]) == ("logistic_regression", 24)
    assert tagged.framework == "scikit-learn"
    untagged = registry.get_model(found[("celltype-net", 1)].model_id or "")
    assert (untagged.model_family, untagged.framework) == ("cnn_classifier", "pytorch")
    assert untagged.metadata["parameter_count"] == 1200000
    # What MLflow recorded wins too; the default fills only what it did not record.
    recorded = [registry.get_model(found[("AD Risk", n)].model_id or "") for n in (1, 2)]
    assert [m.code_commit_sha for m in recorded] == COMMITS[:2]
    assert [m.code_entrypoint for m in recorded] == ["train.py", "fit.py"]
    assert {m.gpu_allocation_id for m in recorded} == {"alloc-7"}


def test_what_mlflow_does_not_say_is_held_and_later_versions_wait(
    registry: Registry, tracking_uri: str
) -> None:
    report = registry.import_mlflow(tracking_uri, models=["celltype-net"])
    found = _by_model(report)
    held, waiting = found[("celltype-net", 1)], found[("celltype-net", 2)]
    assert held.status == "held"
    assert {
        "metadata.model_family",
        "metadata.parameter_count",
        "metadata.training_data",
        "metadata.evaluation_dataset",
    } <= {p.path for p in held.problems}
    assert waiting.status == "waiting"
    assert "waits for version 1" in waiting.problems[0].message
    assert registry.list_models() == []
    sets = [
        "model_family=cnn_classifier",
        "parameter_count=1200000",
        f"training_data={json.dumps([DATA])}",
        f"evaluation_dataset={json.dumps(DATA)}",
    ]
    fixed = _by_model(
        registry.import_mlflow(tracking_uri, models=["celltype-net"], assignments=sets)
    )
    assert [fixed[("celltype-net", v)].atlas_version for v in (1, 2)] == [1, 2]
    assert fixed[("celltype-net", 1)].promotion == "promoted"


def test_a_promotion_the_gate_refuses_goes_to_the_review_queue(
    registry: Registry, tracking_uri: str
) -> None:
    [entry] = registry.import_mlflow(tracking_uri, models=["Weak Model"]).versions
    assert (entry.status, entry.promotion) == ("imported", "refused")
    assert entry.model_id is not None
    assert registry.get_model(entry.model_id).promotion_state == "candidate"
    item = registry.get_review(entry.model_id)
    assert item.status == "open"
    assert item.reasons[0]["field"] == "promotion"
    assert "MLflow alias 'production'" in item.reasons[0]["reason"]
    assert "below the minimum" in item.reasons[0]["reason"]


def test_a_second_import_changes_nothing(registry: Registry, tracking_uri: str) -> None:
    registry.import_mlflow(tracking_uri)
    before = _state(registry)
    again = registry.import_mlflow(tracking_uri)
    assert {v.status for v in again.versions} == {"already_imported", "held", "waiting"}
    assert all(v.promotion in {None, "left_as_is"} for v in again.versions)
    assert _state(registry) == before


def _state(registry: Registry) -> Any:
    models = sorted((m.id, m.promotion_state, m.version_number) for m in registry.list_models())
    reviews = [(i.artifact_id, i.status, i.reasons) for i in registry.list_reviews(None)]
    return models, reviews, [e.id for e in registry.recent_events(limit=100)]


def test_the_cli_checks_without_writing_and_reports_held_versions(
    registry: Registry, tracking_uri: str, db_url: str, tmp_path: Path
) -> None:
    args = ["import", "mlflow", "--tracking-uri", tracking_uri, "--db", db_url]
    code, out, _ = invoke(*args, "--check", "--json")
    assert code == 1  # celltype-net is held
    report = json.loads(out)
    assert report["dry_run"] is True
    assert report["counts"]["would_import"] == 4
    assert registry.list_models() == []
    code, out, _ = invoke(*args, "--model", "AD Risk")
    assert code == 0, out
    assert "3 imported" in out
    missing = f"sqlite:///{tmp_path / 'nope.db'}"
    code, _, err = invoke("import", "mlflow", "--tracking-uri", missing, "--db", db_url)
    assert code == NotFoundError.exit_code
    assert "no MLflow tracking database" in err
    assert not (tmp_path / "nope.db").exists()


def test_a_line_that_holds_another_models_versions_is_not_imported_into(
    registry: Registry, tracking_uri: str, tmp_path: Path, empty_store: Path
) -> None:
    """ "AD Risk" and "ad-risk" make one line name: the second must not continue the first."""
    from tests.payloads import logistic_regression

    registry.import_mlflow(tracking_uri, models=["AD Risk"])
    other_uri, _, _ = _store_of_one(empty_store, tmp_path, "ad-risk")
    [entry] = registry.import_mlflow(other_uri).versions
    assert entry.status == "held"
    assert [p.path for p in entry.problems] == ["line"]
    assert "already holds 3 version(s) that are not versions of MLflow model 'ad-risk'" in (
        entry.problems[0].message
    )
    versions = sorted(registry.list_models(line="ad-risk"), key=lambda m: m.version_number)
    assert [m.title for m in versions] == ["AD Risk v1", "AD Risk v2", "AD Risk v3"]
    # A line registered in Atlas itself is not continued by an import either.
    registry.register_model(
        ModelRegistration(title="native", metadata=logistic_regression(), line="weak-model")
    )
    [weak] = registry.import_mlflow(tracking_uri, models=["Weak Model"]).versions
    assert (weak.status, weak.problems[0].path) == ("held", "line")
    assert len(registry.list_models(line="weak-model")) == 1


def test_an_accented_name_keeps_its_letters_and_an_imported_model_keeps_its_line(
    registry: Registry, tmp_path: Path, empty_store: Path
) -> None:
    uri, client, experiment = _store_of_one(empty_store, tmp_path, "Modèle Ünïcödé")
    [first] = registry.import_mlflow(uri).versions
    assert (first.status, first.line) == ("imported", "modele-unicode")

    # A line named by an earlier rule (accents dropped with their letters) stays
    # the model's line: its next version follows it instead of starting another.
    with registry.database.transaction(write=True) as conn:
        conn.execute(
            text("UPDATE model_lines SET name = 'mod-le-n-c-d' WHERE name = 'modele-unicode'")
        )
    run_id = _run(client, experiment, 0.85, COMMITS[1])
    client.create_model_version("Modèle Ünïcödé", source=str(tmp_path / "m"), run_id=run_id)
    entries = _by_model(registry.import_mlflow(uri))
    second = entries[("Modèle Ünïcödé", 2)]
    assert (second.status, second.line, second.atlas_version) == ("imported", "mod-le-n-c-d", 2)
    assert sorted(m.version_number for m in registry.list_models(line="mod-le-n-c-d")) == [1, 2]


def test_a_database_that_is_not_an_mlflow_store_is_refused_untouched(
    registry: Registry, db_url: str
) -> None:
    # MLflow's client would create its fifteen tables in the registry's own database.
    def tables() -> set[str]:
        with registry.database.transaction() as conn:
            return set(inspect(conn).get_table_names())

    before = tables()
    with pytest.raises(InputError, match="is not an MLflow tracking database") as refused:
        registry.import_mlflow(db_url, dry_run=True)
    assert "nothing was read or written" in str(refused.value)
    assert tables() == before


def test_what_mlflow_allows_and_the_schema_cannot_hold_is_named_not_held(
    registry: Registry, tmp_path: Path, empty_store: Path
) -> None:
    """A run with `optimizer/lr`, 200+ params or a long description was held with no way out."""
    uri, client, _ = _store_of_one(empty_store, tmp_path, "autologged")
    [version] = client.search_model_versions("name='autologged'")
    run_id = version.run_id
    client.log_param(run_id, "optimizer/lr", "0.001")
    client.log_param(run_id, "prompt", "x" * 3000)
    _log_params(client, run_id, {f"p{index:03d}": str(index) for index in range(200)})
    client.log_metric(run_id, "val/AUROC", 0.91)
    client.log_metric(run_id, "brier", float("nan"))
    client.update_registered_model("autologged", description="d" * 2500)
    client.set_registered_model_tag("autologged", "notes", "n" * 2500)
    [entry] = registry.import_mlflow(uri).versions
    assert entry.status == "imported", entry.problems
    model = registry.get_model(entry.model_id or "")
    kept = model.metadata["training_config"]["hyperparameters"]
    assert len(kept) == 200
    assert (kept["C"], kept["max_iter"], kept["p000"]) == (0.5, 100, 0)
    facts = model.metadata["extensions"]["mlflow"]
    logged = len(PARAMS) + 202
    assert facts["params_logged"] == logged
    assert {"optimizer/lr", "prompt"} <= set(facts["params_not_kept"])
    assert len(facts["params_not_kept"]) == logged - 200
    assert model.metadata["evaluation_metrics"] == {"auroc": 0.9}
    assert facts["metrics_not_kept"] == ["brier", "val/AUROC"]
    described = facts["model_description"]
    assert len(described) == 2000
    assert described.startswith("ddd")
    assert described.endswith("[cut here: 2,500 characters in MLflow]")
    assert model.metadata["extensions"]["mlflow_tags"]["notes"].endswith(
        "2,500 characters in MLflow]"
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-3", -3),
        ("9007199254740991", 9007199254740991),
        ("9007199254740992", "9007199254740992"),
        ("1E5", 100000.0),
        ("0.30000000000000004", 0.30000000000000004),
        ("1_000", "1_000"),
        (" 5", " 5"),
        (".5", ".5"),
        ("1.", "1."),
        ("inf", "inf"),
        ("1e999", "1e999"),
        ("TRUE", "TRUE"),
        ("[1, 2]", "[1, 2]"),
        ("", ""),
    ],
)
def test_a_param_is_typed_only_where_its_text_is_unambiguous(text: str, value: Any) -> None:
    from atlas_registry.interop.mlflow_values import param_value

    converted = param_value(text)
    assert (converted, type(converted)) == (value, type(value))


@pytest.mark.parametrize(
    ("name", "entrypoint"),
    [
        ("train.py", "train.py"),
        ("./src/fit.R", "./src/fit.R"),
        ("/home/ada/ad-risk/train.py", None),
        ("file:///home/ada/ad-risk", None),
        ("https://github.com/example-lab/ad-risk#training", None),
        ("C:\\Users\\ada\\train.py", None),
        ("../train.py", None),
        ("~/train.py", None),
        ("-c", None),
        ("<stdin>", None),
    ],
)
def test_only_a_path_inside_the_checkout_is_an_entrypoint(
    name: str, entrypoint: str | None
) -> None:
    from atlas_registry.interop.mlflow_mapping import entrypoint_of

    assert entrypoint_of(name) == entrypoint


def test_who_ran_it_is_the_user_mlflows_ui_shows(
    registry: Registry, tmp_path: Path, empty_store: Path
) -> None:
    """`trained_by` came from the run's user id, the account it started as, not `mlflow.user`."""
    uri, client = _new_store(empty_store, tmp_path / "users.db")
    experiment = client.create_experiment("users", artifact_location=str(tmp_path / "a"))
    said = {"corrected": "grace", "never-told": None}
    for name, user in said.items():
        client.create_registered_model(name, tags=FACTS)
        if user is None:  # no tag: MLflow's user id says "unknown", which names no one
            run_id = client.create_run(experiment).info.run_id
            assert client.get_run(run_id).info.user_id == "unknown"
        else:  # started as root, the tag corrected later: MLflow's UI shows the tag
            run_id = client.create_run(experiment, tags={"mlflow.user": "root"}).info.run_id
            client.set_tag(run_id, "mlflow.user", user)
            assert client.get_run(run_id).info.user_id == "root"
        client.log_metric(run_id, "auroc", 0.8)
        client.create_model_version(name, source=str(tmp_path / "m"), run_id=run_id)
    found = _by_model(registry.import_mlflow(uri, assignments=["trained_by=ops-team"]))
    trained_by = {
        name: registry.get_model(found[(name, 1)].model_id or "").trained_by for name in said
    }
    # The tag wins over the run's user id; with neither, the command line's default fills in.
    assert trained_by == {"corrected": "grace", "never-told": "ops-team"}


def test_each_versions_source_is_listed_as_a_file_of_unknown_digest(
    registry: Registry, tracking_uri: str
) -> None:
    """MLflow keeps no digest: the source is listed, and verify says what it found there."""
    found = _by_model(registry.import_mlflow(tracking_uri))
    [listed] = registry.files(found[("AD Risk", 1)].model_id or "")
    assert listed.uri.startswith("runs:/")
    assert (listed.sha256, listed.size_bytes, listed.origin) == (None, None, "mlflow")
    [local] = registry.files(found[("Weak Model", 1)].model_id or "")
    assert local.uri.startswith("file:///")  # a bare path, made a URI
    registry.import_mlflow(tracking_uri)  # again: nothing listed twice
    assert len(registry.files(found[("AD Risk", 1)].model_id or "", replaced=True)) == 1


def test_an_imported_source_is_pinned_by_listing_the_digest_verify_found(
    registry: Registry, empty_store: Path, tmp_path: Path
) -> None:
    uri, _client, _ = _store_of_one(empty_store, tmp_path, "Pinned Later")
    (tmp_path / "m").write_bytes(b"model bytes")
    [version] = registry.import_mlflow(uri).versions
    [check] = registry.verify_files([version.model_id or ""], actor="operator")
    assert check.status == "unpinned"
    assert check.size_found == len(b"model bytes")
    assert check.sha256_found is not None
    entry = {"uri": (tmp_path / "m").as_uri(), "sha256": check.sha256_found, "size_bytes": 11}
    registry.add_file(version.model_id or "", entry, actor="operator")
    [passed] = registry.verify_files([version.model_id or ""], actor="operator")
    assert passed.status == "passed"


def test_every_mlflow_alias_becomes_an_alias_of_the_line(
    registry: Registry, tracking_uri: str
) -> None:
    found = _by_model(registry.import_mlflow(tracking_uri))
    assert [(a.alias, a.version) for a in registry.aliases("ad-risk")] == [
        ("champion", "ad-risk@2"),
        ("shadow", "ad-risk@3"),
        ("staging", "ad-risk@3"),
    ]
    assert found[("AD Risk", 3)].aliases == ["shadow", "staging"]
    moves = registry.alias_history("ad-risk")
    assert {m.moved_by for m in moves} == {"mlflow-import"}
    assert "MLflow alias 'champion' names version 2 of AD Risk" in [m.notes for m in moves]
    # production names a version the gate refused to promote: still an alias, not promoted.
    assert registry.get_model("weak-model@production").promotion_state == "candidate"
    # Imported again, nothing moves; an alias a person moved in Atlas stays where they put it.
    registry.set_alias("ad-risk", "staging", to_version=1, actor="ada", notes="rolled back")
    again = _by_model(registry.import_mlflow(tracking_uri))
    assert registry.get_model("ad-risk@staging").version_number == 1
    assert "left as is: ada moved it in Atlas" in again[("AD Risk", 3)].problems[0].message
    assert len(registry.alias_history("ad-risk")) == len(moves) + 1


def test_an_alias_the_import_set_follows_mlflow_and_names_atlas_cannot_hold_are_reported(
    registry: Registry, tmp_path: Path, empty_store: Path
) -> None:
    uri, client, experiment = _store_of_one(empty_store, tmp_path, "Glia Net")
    client.set_registered_model_alias("Glia Net", "Prod-EU", "1")
    client.set_registered_model_alias("Glia Net", "prod-eu", "1")
    client.set_registered_model_alias("Glia Net", "promoted", "1")
    [entry] = registry.import_mlflow(uri).versions
    assert entry.aliases == ["prod-eu"]
    messages = [p.message for p in entry.problems]
    assert any("would both be Atlas alias prod-eu" in m for m in messages)
    assert any("'promoted' cannot be an Atlas alias" in m and "reserved" in m for m in messages)
    run_id = _run(client, experiment, 0.85, COMMITS[1])
    client.create_model_version("Glia Net", source=str(tmp_path / "m"), run_id=run_id)
    client.set_registered_model_alias("Glia Net", "Prod-EU", "2")
    client.set_registered_model_alias("Glia Net", "prod-eu", "2")
    registry.import_mlflow(uri)
    assert registry.get_model("glia-net@prod-eu").version_number == 2
    assert [m.kind for m in registry.alias_history("glia-net", "prod-eu")] == ["set", "move"]
