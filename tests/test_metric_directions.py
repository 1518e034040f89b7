"""A metric's direction is defined once and every ranking, highlight, trend and gate obeys it.

A lower brier is better: the leaderboard (library, CLI, API, page) ranks the
lowest first without being told, the compare page highlights the lowest, and a
gate threshold that bounds the wrong side is refused as the policy is read. A
metric the vocabulary does not know is never ranked by a guess: every surface
asks for its direction and says how to declare it for good.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_registry import (
    ConfigurationError,
    ModelRegistration,
    NotFoundError,
    Registry,
    ValidationError,
)
from atlas_registry.api import create_app, server
from atlas_registry.api.server import configure
from atlas_registry.catalog.metric_directions import (
    VOCABULARY_ONLY,
    MetricDirections,
    parse_vocabulary,
    vocabulary,
)
from atlas_registry.lifecycle.policy import POLICY_ENV_VAR, load_policy, parse_policy
from atlas_registry.schema.patterns import METRIC_NAME
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

BENCHMARK = "calibration-v1"
PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
# Titles by quality; "odd_score" is a metric no vocabulary knows.
MODELS = {
    "good-model": {"brier": 0.1, "auroc": 0.9, "odd_score": 5, "hausdorff95": 2.0},
    "mid-model": {"brier": 0.2, "auroc": 0.8, "odd_score": 7, "hausdorff95": 4.0},
    "bad-model": {"brier": 0.4, "auroc": 0.6, "odd_score": 3, "hausdorff95": 9.0},
}
BEST_FIRST = ["good-model", "mid-model", "bad-model"]
ODD_LOWEST_FIRST = ["bad-model", "good-model", "mid-model"]
PLATFORM_POLICY = """
[metrics]
hausdorff95 = "lower"

[benchmarks."calibration-v1"]
metric = "hausdorff95"
maximum = 5.0
"""


# ------------------------------------------------------------ the vocabulary


@pytest.mark.parametrize(
    ("metric", "direction"),
    [
        ("auroc", "higher"),
        ("accuracy", "higher"),
        ("r2", "higher"),
        ("spearman", "higher"),
        ("brier", "lower"),
        ("rmse", "lower"),
        ("wer", "lower"),
        ("log_loss", "lower"),
        ("mae", "lower"),
        ("perplexity", "lower"),
        ("ece", "lower"),
        # families: only the forms the vocabulary writes, only over its listed metrics
        ("precision@20", "higher"),
        ("recall@k", "higher"),
        ("ndcg@10", "higher"),
        ("f1_macro", "higher"),
        ("recall_weighted", "higher"),
        ("val_loss", "lower"),
        ("test_rmse", "lower"),
        ("eval_f1_macro", "higher"),
        ("eval_precision@10", "higher"),
        # no guessing beyond the vocabulary
        ("precision20", "unknown"),
        ("precision@0", "unknown"),
        ("rmse@10", "unknown"),
        ("f1_mean", "unknown"),
        ("val_val_loss", "unknown"),
        ("loss_val", "unknown"),
        ("n_eval", "unknown"),
        ("odd_score", "unknown"),
    ],
)
def test_the_vocabulary_names_directions_and_guesses_nothing(metric: str, direction: str) -> None:
    assert VOCABULARY_ONLY.name(metric) == direction


def test_the_shipped_vocabulary_is_consistent() -> None:
    shipped = vocabulary()
    assert all(METRIC_NAME.fullmatch(name) for name in shipped.names)
    # The schema's own example metric names have a direction.
    assert {VOCABULARY_ONLY.name(m) for m in ("auroc", "f1_macro", "precision@10")} == {"higher"}


def test_a_vocabulary_listing_a_name_both_ways_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="auroc is listed as higher and as lower"):
        parse_vocabulary('higher = ["auroc"]\nlower = ["auroc"]\n', "v.toml")
    with pytest.raises(ConfigurationError, match="names listed as higher or lower"):
        parse_vocabulary('higher = ["f1"]\n[[families]]\nform="{metric}@{k}"\nmetrics=["x"]\n', "v")


# ------------------------------------------------------------ the policy


def test_a_platform_declares_its_own_metrics_in_the_policy() -> None:
    policy = parse_policy(PLATFORM_POLICY, "gate.toml")
    assert policy.metrics == {"hausdorff95": "lower"}
    assert policy.directions.name("hausdorff95") == "lower"
    assert policy.directions.name("brier") == "lower"  # the vocabulary still holds
    assert policy.to_dict()["metrics"] == {"hausdorff95": "lower"}
    # The packaged policy's thresholds all agree with their metrics' directions.
    packaged = load_policy()
    for threshold in packaged.benchmarks.values():
        direction = packaged.directions.name(threshold.metric)
        assert (threshold.minimum is not None) == (direction == "higher"), threshold


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[benchmarks.b]\nmetric = "rmse"\nminimum = 0.1\n',
            "lower is better for 'rmse', so its threshold is a maximum, not a minimum",
        ),
        (
            '[benchmarks.b]\nmetric = "auroc"\nmaximum = 0.99\n',
            "higher is better for 'auroc', so its threshold is a minimum, not a maximum",
        ),
        (
            '[benchmarks.b]\nmetric = "auroc"\nminimum = 0.7\nmaximum = 0.99\n',
            "its threshold is a minimum, not a maximum",
        ),
        (
            '[benchmarks.b]\nmetric = "odd_score"\nminimum = 0.1\n',
            "which way is better for 'odd_score' is unknown; declare it in the [metrics] table",
        ),
        (
            '[metrics]\nrmse = "higher"\n',
            "'rmse' = 'higher' contradicts the metric vocabulary (lower is better)",
        ),
        ('[metrics]\nodd_score = "up"\n', 'must be "higher" or "lower"'),
        ('[metrics]\n"Odd Score" = "higher"\n', "is not a metric name"),
        (
            '[metrics]\nodd_score = "lower"\n[benchmarks.b]\nmetric = "odd_score"\nminimum = 1\n',
            "lower is better for 'odd_score', so its threshold is a maximum",
        ),
    ],
)
def test_a_policy_contradicting_a_direction_is_refused_as_it_is_read(
    text: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        parse_policy(text, "gate.toml")


def test_a_declaration_agreeing_with_the_vocabulary_is_accepted() -> None:
    assert parse_policy('[metrics]\nrmse = "lower"\n', "p").directions.name("rmse") == "lower"


# ------------------------------------------------------------ the library, both databases


def _fill(registry: Registry) -> dict[str, str]:
    """The three models of BENCHMARK, the worst one rejected; title -> id."""
    ids = {}
    for title, metrics in MODELS.items():
        metadata = {**logistic_regression(), "benchmark_id": BENCHMARK}
        metadata["evaluation_metrics"] = metrics
        ids[title] = registry.register_model(
            ModelRegistration(title=title, metadata=metadata, **PIN)
        ).id
    registry.reject(ids["bad-model"], actor="reviewer", notes="worst calibrated")
    return ids


@pytest.fixture
def filled(registry: Registry) -> Registry:
    _fill(registry)
    return registry


def _titles(registry: Registry, metric: str, direction: str | None = None) -> list[str]:
    board = registry.leaderboard(BENCHMARK, metric, direction=direction)
    return [entry.model.title for entry in board]


def test_a_lower_is_better_metric_ranks_lowest_first(filled: Registry) -> None:
    assert _titles(filled, "brier") == BEST_FIRST
    assert _titles(filled, "auroc") == BEST_FIRST
    assert filled.leaderboard(BENCHMARK, "brier")[0].value == 0.1
    # Saying the known direction again is allowed; reversing it is not.
    assert _titles(filled, "brier", "lower") == BEST_FIRST
    with pytest.raises(ValidationError, match="lower is better for 'brier'") as caught:
        filled.leaderboard(BENCHMARK, "brier", direction="higher")
    assert caught.value.paths == ["direction"]
    with pytest.raises(ValidationError, match="must be higher or lower"):
        filled.leaderboard(BENCHMARK, "brier", direction="sideways")


def test_an_unknown_direction_is_asked_for_never_guessed(filled: Registry) -> None:
    with pytest.raises(ValidationError, match="which way is better is unknown") as caught:
        filled.leaderboard(BENCHMARK, "odd_score")
    [violation] = caught.value.violations
    assert violation.path == "direction"
    assert "[metrics]" in violation.message
    assert 'odd_score = "higher" or "lower"' in violation.message
    assert _titles(filled, "odd_score", "lower") == ODD_LOWEST_FIRST
    assert _titles(filled, "odd_score", "higher") == ["mid-model", "good-model", "bad-model"]
    # A metric no model reports is named as such, not asked about.
    with pytest.raises(NotFoundError, match="its metrics: auroc, brier, hausdorff95, odd_score"):
        filled.leaderboard(BENCHMARK, "odd_scor")
    with pytest.raises(NotFoundError, match="no model is registered against benchmark"):
        filled.leaderboard("no-such-benchmark", "odd_score")


def test_benchmarks_report_each_metrics_direction(filled: Registry) -> None:
    assert filled.metric_direction("brier") == "lower"
    assert filled.metric_direction("odd_score") == "unknown"
    [bench] = [b for b in filled.benchmarks() if b["benchmark_id"] == BENCHMARK]
    assert bench["directions"] == {
        "auroc": "higher",
        "brier": "lower",
        "hausdorff95": "unknown",
        "odd_score": "unknown",
    }


@pytest.fixture
def platform_policy(tmp_path: Path) -> str:
    path = tmp_path / "gate.toml"
    path.write_text(PLATFORM_POLICY, "utf-8")
    return str(path)


def test_a_platform_declared_metric_ranks_without_asking(
    filled: Registry, db_url: str, platform_policy: str
) -> None:
    with pytest.raises(ValidationError, match="unknown"):
        filled.leaderboard(BENCHMARK, "hausdorff95")
    with Registry.open(db_url, policy=platform_policy) as declared:
        assert _titles(declared, "hausdorff95") == BEST_FIRST
        with pytest.raises(ValidationError, match=r"gate\.toml"):
            declared.leaderboard(BENCHMARK, "hausdorff95", direction="higher")
        [bench] = [b for b in declared.benchmarks() if b["benchmark_id"] == BENCHMARK]
        assert bench["directions"]["hausdorff95"] == "lower"
        assert bench["gate"]["higher_is_better"] is False


def test_serve_hands_its_policy_to_every_worker(
    filled: Registry, db_url: str, platform_policy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker opens its own Registry from the settings `serve --policy` wrote."""
    monkeypatch.delenv(POLICY_ENV_VAR, raising=False)
    monkeypatch.setenv("ATLAS_REGISTRY_SERVE", "{}")  # configure() writes it; undone after
    configure(db_url, policy=platform_policy, read_only=False, anonymous_read=True, hosts=[])
    opened: list[Registry] = []
    open_registry = Registry.open

    def keep(url: str | None, **options: Any) -> Registry:
        opened.append(open_registry(url, **options))
        return opened[-1]

    monkeypatch.setattr(Registry, "open", keep)
    try:
        with TestClient(server.app(), base_url="http://127.0.0.1") as served:
            got = served.get(f"/api/v1/leaderboards/{BENCHMARK}", params={"metric": "hausdorff95"})
    finally:
        for registry in opened:
            registry.close()
    assert got.status_code == 200, got.text
    assert got.json()["direction"] == "lower"


def test_serve_refuses_a_bad_policy_before_it_listens(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "gate.toml"
    bad.write_text('[benchmarks."b"]\nmetric = "rmse"\nminimum = 0.5\n', "utf-8")
    code, _, err = invoke("serve", "--db", db_url, "--policy", str(bad), "--port", "1")
    assert code != 0
    assert "rmse" in err


# ------------------------------------------------------------ the CLI


def _cli_titles(out: str) -> list[str]:
    return [e["model"]["title"] for e in json.loads(out)]


def test_the_cli_ranks_by_the_metrics_direction(filled: Registry, db_url: str) -> None:
    code, out, _ = invoke("leaderboard", BENCHMARK, "brier", "--db", db_url, "--json")
    assert code == 0
    assert _cli_titles(out) == BEST_FIRST
    code, out, _ = invoke("leaderboard", BENCHMARK, "brier", "--db", db_url)
    assert code == 0
    assert "(lower is better)" in out
    assert out.index("good-model") < out.index("bad-model")
    # --lower-is-better still works, and is refused where it reverses a fact.
    code, out, _ = invoke(
        "leaderboard", BENCHMARK, "brier", "--lower-is-better", "--db", db_url, "--json"
    )
    assert _cli_titles(out) == BEST_FIRST
    code, _, err = invoke("leaderboard", BENCHMARK, "auroc", "--lower-is-better", "--db", db_url)
    assert code == ValidationError.exit_code
    assert "higher is better for 'auroc'" in err


def test_the_cli_asks_for_an_unknown_direction(
    filled: Registry, db_url: str, platform_policy: str
) -> None:
    code, out, err = invoke("leaderboard", BENCHMARK, "odd_score", "--db", db_url)
    assert code == ValidationError.exit_code
    assert out == ""
    assert "which way is better is unknown" in err
    assert "--higher-is-better or --lower-is-better" in err
    assert "[metrics]" in err
    code, out, _ = invoke(
        "leaderboard", BENCHMARK, "odd_score", "--higher-is-better", "--db", db_url, "--json"
    )
    assert _cli_titles(out) == ["mid-model", "good-model", "bad-model"]
    code, _, err = invoke(
        "leaderboard",
        BENCHMARK,
        "odd_score",
        "--higher-is-better",
        "--lower-is-better",
        "--db",
        db_url,
    )
    assert code == 2
    assert "not both" in err
    code, out, _ = invoke(
        "leaderboard",
        BENCHMARK,
        "hausdorff95",
        "--policy",
        platform_policy,
        "--db",
        db_url,
        "--json",
    )
    assert code == 0
    assert _cli_titles(out) == BEST_FIRST


# ------------------------------------------------------------ the API and the pages


@pytest.fixture
def client(filled: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(filled), base_url="http://127.0.0.1") as served:
        yield served


def test_the_api_ranks_by_the_metrics_direction(client: TestClient) -> None:
    path = f"/api/v1/leaderboards/{BENCHMARK}"
    answer = client.get(path, params={"metric": "brier"}).json()
    assert answer["direction"] == "lower"
    assert [e["model"]["title"] for e in answer["items"]] == BEST_FIRST
    deprecated = client.get(path, params={"metric": "brier", "lower_is_better": "true"})
    assert [e["model"]["title"] for e in deprecated.json()["items"]] == BEST_FIRST
    reversed_ = client.get(path, params={"metric": "brier", "direction": "higher"})
    assert reversed_.status_code == 422
    assert "lower is better for 'brier'" in reversed_.json()["violations"][0]["message"]
    clash = client.get(
        path, params={"metric": "odd_score", "direction": "higher", "lower_is_better": "true"}
    )
    assert clash.status_code == 422
    [bench] = [
        b
        for b in client.get("/api/v1/benchmarks").json()["items"]
        if b["benchmark_id"] == BENCHMARK
    ]
    assert bench["directions"]["brier"] == "lower"


def test_the_api_asks_for_an_unknown_direction(client: TestClient) -> None:
    path = f"/api/v1/leaderboards/{BENCHMARK}"
    asked = client.get(path, params={"metric": "odd_score"})
    assert asked.status_code == 422
    problem = asked.json()
    assert problem["code"] == "validation_error"
    [violation] = problem["violations"]
    assert violation["path"] == "direction"
    assert "direction=higher or direction=lower" in violation["message"]
    assert "[metrics]" in violation["message"]
    answer = client.get(path, params={"metric": "odd_score", "direction": "lower"}).json()
    assert answer["direction"] == "lower"
    assert [e["model"]["title"] for e in answer["items"]] == [
        "bad-model",
        "good-model",
        "mid-model",
    ]


def _order(page: str) -> list[str]:
    found = [(page.find(title), title) for title in MODELS if title in page]
    return [title for _, title in sorted(found)]


def test_the_leaderboard_page_ranks_by_the_metrics_direction(client: TestClient) -> None:
    page = client.get("/leaderboards", params={"benchmark": BENCHMARK, "metric": "brier"}).text
    assert _order(page) == BEST_FIRST
    assert "(lower is better)" in page
    assert 'name="direction"' not in page  # a known direction is not a choice


def test_the_leaderboard_page_asks_for_an_unknown_direction(client: TestClient) -> None:
    asked = client.get("/leaderboards", params={"benchmark": BENCHMARK, "metric": "odd_score"})
    assert asked.status_code == 200
    page = asked.text
    assert 'class="error-message direction-question"' in page
    assert "choose a Direction above and press Show" in page
    assert "[metrics]" in page
    assert '<select name="direction">' in page
    assert _order(page) == []  # nothing ranked by a guess
    chosen = client.get(
        "/leaderboards",
        params={"benchmark": BENCHMARK, "metric": "odd_score", "direction": "lower"},
    ).text
    assert _order(chosen) == ODD_LOWEST_FIRST
    assert '<option value="lower" selected>' in chosen
    assert "(lower is better, as chosen)" in chosen  # the caller's choice, not a fact
    # A direction left in the URL from an unknown metric does not reverse a known one,
    # and the page says it was not used.
    known = client.get(
        "/leaderboards", params={"benchmark": BENCHMARK, "metric": "brier", "direction": "higher"}
    ).text
    assert _order(known) == BEST_FIRST
    assert (
        "Ranked lowest first: lower is better for brier (the metric vocabulary), "
        "so the direction in the address (higher is better) was not used."
    ) in known
    assert "(lower is better)" in known
    agreeing = client.get(
        "/leaderboards", params={"benchmark": BENCHMARK, "metric": "brier", "direction": "lower"}
    ).text
    assert "was not used" not in agreeing
    assert "(lower is better)" in agreeing


def test_compare_highlights_the_best_by_direction(filled: Registry, client: TestClient) -> None:
    ids = [m.id for m in filled.list_models(benchmark_id=BENCHMARK)]
    page = client.get("/compare", params={"ids": ",".join(ids)}).text
    rows = {
        name: row
        for row in re.findall(r'<tr class="metric">.*?</tr>', page, re.S)
        for name in ("brier", "auroc", "odd_score")
        if f">{name}<" in row
    }
    assert re.findall(r'class="best">([^<]+)<', rows["brier"]) == ["0.1"]
    assert re.findall(r'class="best">([^<]+)<', rows["auroc"]) == ["0.9"]
    assert 'class="best"' not in rows["odd_score"]  # unknown: no best to show


def test_the_trend_says_which_way_is_better(registry: Registry) -> None:
    metadata = {**logistic_regression(), "benchmark_id": BENCHMARK}
    first = None
    for brier in (0.3, 0.2):
        metadata["evaluation_metrics"] = {"brier": brier}
        first = registry.register_model(
            ModelRegistration(title="calibrated", line="calibrated", metadata=metadata, **PIN)
        ).id
    with TestClient(create_app(registry), base_url="http://127.0.0.1") as served:
        page = served.get(f"/models/{first}").text
    assert "brier by version (lower is better)" in page


def test_directions_without_a_policy_are_the_vocabulary() -> None:
    assert MetricDirections().name("brier") == "lower"
    assert MetricDirections({"odd_score": "higher"}).name("odd_score") == "higher"


def test_a_policy_built_in_code_is_held_to_the_same_rules() -> None:
    from atlas_registry.lifecycle.policy import BenchmarkThreshold, GatePolicy

    with pytest.raises(ConfigurationError, match="its threshold is a maximum, not a minimum"):
        GatePolicy(benchmarks={"b": BenchmarkThreshold("rmse", minimum=0.1)})
    with pytest.raises(ConfigurationError, match="contradicts the metric vocabulary"):
        GatePolicy(metrics={"brier": "higher"})
    declared = GatePolicy(
        metrics={"odd_score": "lower"},
        benchmarks={"b": BenchmarkThreshold("odd_score", maximum=4)},
    )
    assert declared.directions.name("odd_score") == "lower"


# ------------------------------------------------------------ scikit-learn's names

# The metric functions of sklearn.metrics named *_score, *_error or *_loss (and
# the few others a result is logged under), by the way their value improves.
SKLEARN_HIGHER = (
    "accuracy_score",
    "balanced_accuracy_score",
    "top_k_accuracy_score",
    "f1_score",
    "fbeta_score",
    "precision_score",
    "recall_score",
    "jaccard_score",
    "jaccard_similarity_score",
    "roc_auc_score",
    "average_precision_score",
    "label_ranking_average_precision_score",
    "dcg_score",
    "ndcg_score",
    "cohen_kappa_score",
    "matthews_corrcoef",
    "r2_score",
    "explained_variance_score",
    "d2_absolute_error_score",
    "d2_pinball_score",
    "d2_tweedie_score",
    "d2_log_loss_score",
    "d2_brier_score",
    "adjusted_mutual_info_score",
    "adjusted_rand_score",
    "completeness_score",
    "fowlkes_mallows_score",
    "homogeneity_score",
    "mutual_info_score",
    "normalized_mutual_info_score",
    "rand_score",
    "v_measure_score",
    "silhouette_score",
    "calinski_harabasz_score",
    "calinski_harabaz_score",
    "consensus_score",
)
SKLEARN_LOWER = (
    "mean_absolute_error",
    "mean_squared_error",
    "root_mean_squared_error",
    "mean_squared_log_error",
    "root_mean_squared_log_error",
    "mean_absolute_percentage_error",
    "median_absolute_error",
    "max_error",
    "coverage_error",
    "log_loss",
    "hinge_loss",
    "hamming_loss",
    "zero_one_loss",
    "brier_score_loss",
    "label_ranking_loss",
    "mean_pinball_loss",
    "mean_poisson_deviance",
    "mean_gamma_deviance",
    "mean_tweedie_deviance",
    "davies_bouldin_score",  # a score, but lower is better
)


@pytest.mark.parametrize(
    ("metric", "direction"),
    [(m, "higher") for m in SKLEARN_HIGHER] + [(m, "lower") for m in SKLEARN_LOWER],
)
def test_scikit_learns_metric_names_have_their_direction(metric: str, direction: str) -> None:
    assert METRIC_NAME.fullmatch(metric)
    assert VOCABULARY_ONLY.name(metric) == direction
    assert VOCABULARY_ONLY.name(f"val_{metric}") == direction  # as a split logs it


# ------------------------------------------------------------ ties share a rank

ASR = "nl-asr-v1"
# Word error rates with two ties; accuracy is 1 - wer, so it ties alike the other way up.
WER = {
    "asr-a": 0.12,
    "asr-b": 0.18,
    "asr-c": 0.18,
    "asr-d": 0.22,
    "asr-e": 0.26,
    "asr-f": 0.26,
    "asr-g": 0.31,
}
TIED_RANKS = [1, 2, 2, 4, 5, 5, 7]


@pytest.fixture
def asr(registry: Registry) -> Registry:
    for title, wer in WER.items():
        metadata = {**logistic_regression(), "benchmark_id": ASR}
        metadata["evaluation_metrics"] = {"wer": wer, "accuracy": round(1 - wer, 2)}
        registration = ModelRegistration(title=title, line=title, metadata=metadata, **PIN)
        registry.register_model(registration)
    return registry


def test_tied_values_share_a_rank(asr: Registry) -> None:
    for metric in ("wer", "accuracy"):
        board = asr.leaderboard(ASR, metric)
        assert [e.rank for e in board] == TIED_RANKS, metric
        by_rank = {e.model.title: e.rank for e in board}  # a tie's order is no ranking
        assert by_rank == dict(zip(WER, TIED_RANKS, strict=True)), metric
    assert [e.rank for e in asr.leaderboard(ASR, "wer", limit=3)] == [1, 2, 2]
    assert [e.rank for e in asr.leaderboard(ASR, "wer", limit=5)] == [1, 2, 2, 4, 5]


def test_every_surface_shows_the_shared_ranks(asr: Registry, db_url: str) -> None:
    code, out, _ = invoke("leaderboard", ASR, "wer", "--db", db_url, "--json")
    assert code == 0
    assert [e["rank"] for e in json.loads(out)] == TIED_RANKS
    code, out, _ = invoke("leaderboard", ASR, "wer", "--db", db_url)
    assert code == 0
    ranks = [int(line.split()[1]) for line in out.splitlines() if "@1 " in line]
    assert ranks == TIED_RANKS
    with TestClient(create_app(asr), base_url="http://127.0.0.1") as served:
        answer = served.get(f"/api/v1/leaderboards/{ASR}", params={"metric": "wer"}).json()
        page = served.get("/leaderboards", params={"benchmark": ASR, "metric": "wer"}).text
    assert [e["rank"] for e in answer["items"]] == TIED_RANKS
    shown = re.findall(r'<tr class="entry"><td>(\d+)</td>', page)
    assert [int(rank) for rank in shown] == TIED_RANKS


def test_the_cli_names_each_ranked_version_by_line_and_number(asr: Registry, db_url: str) -> None:
    ids = {m.title: m.id for m in asr.list_models(benchmark_id=ASR)}
    code, out, _ = invoke("leaderboard", ASR, "wer", "--db", db_url)
    assert code == 0
    for title, model_id in ids.items():
        assert f"{title}@1" in out
        assert model_id not in out  # the full id is for --json
    code, out, _ = invoke("leaderboard", ASR, "wer", "--db", db_url, "--json")
    entries = json.loads(out)
    assert sorted((e["version"], e["model"]["id"]) for e in entries) == [
        (f"{title}@1", ids[title]) for title in WER
    ]


# ------------------------------------------------------------ a direction's source


def test_the_library_says_where_a_ranking_s_direction_came_from(
    filled: Registry, db_url: str, platform_policy: str
) -> None:
    assert filled.ranked_by("brier").to_dict() == {
        "direction": "lower",
        "direction_source": "vocabulary",
    }
    assert filled.ranked_by("brier", "lower").source == "vocabulary"  # repeating a fact
    chosen = filled.ranked_by("odd_score", "higher")
    assert (chosen.direction, chosen.source) == ("higher", "request")
    assert chosen.said == "higher is better, as chosen"
    assert filled.ranked_by("auroc").said == "higher is better"
    with pytest.raises(ValidationError, match="lower is better for 'brier'"):
        filled.ranked_by("brier", "higher")
    with pytest.raises(ValidationError, match="which way is better is unknown"):
        filled.ranked_by("odd_score")
    with Registry.open(db_url, policy=platform_policy) as declared:
        assert declared.ranked_by("hausdorff95").source == "policy"


def test_the_api_obeys_or_refuses_every_spelling_of_a_direction(client: TestClient) -> None:
    path = f"/api/v1/leaderboards/{BENCHMARK}"

    def ask(**params: str) -> Any:
        return client.get(path, params={"metric": "brier", **params})

    fact = ask().json()
    assert (fact["direction"], fact["direction_source"]) == ("lower", "vocabulary")
    assert ask(lower_is_better="true").json()["direction_source"] == "vocabulary"
    # lower_is_better=false asks for higher: for brier that reverses a fact.
    reversed_ = ask(lower_is_better="false")
    assert reversed_.status_code == 422, reversed_.text
    assert "lower is better for 'brier'" in reversed_.json()["violations"][0]["message"]
    for contradictory in (
        {"direction": "lower", "lower_is_better": "false"},
        {"direction": "higher", "lower_is_better": "true"},
        {"metric": "odd_score", "direction": "lower", "lower_is_better": "false"},
    ):
        refused = ask(**contradictory)
        assert refused.status_code == 422, contradictory
        [violation] = refused.json()["violations"]
        assert violation["path"] == "lower_is_better"
        assert "give direction only" in violation["message"]
    chosen = client.get(path, params={"metric": "odd_score", "lower_is_better": "false"}).json()
    assert (chosen["direction"], chosen["direction_source"]) == ("higher", "request")
    assert [e["model"]["title"] for e in chosen["items"]] == [
        "mid-model",
        "good-model",
        "bad-model",
    ]
    agreeing = ask(direction="lower", lower_is_better="true")
    assert agreeing.status_code == 200


def test_the_cli_marks_a_chosen_direction_as_chosen(filled: Registry, db_url: str) -> None:
    code, out, _ = invoke(
        "leaderboard", BENCHMARK, "odd_score", "--higher-is-better", "--db", db_url
    )
    assert code == 0
    assert "(higher is better, as chosen)" in out
    code, out, _ = invoke("leaderboard", BENCHMARK, "brier", "--lower-is-better", "--db", db_url)
    assert "(lower is better)" in out
    assert "as chosen" not in out
