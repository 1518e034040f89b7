"""Every time column of the command line says UTC, and a missing evaluator reads as on the page."""

from __future__ import annotations

from atlas_registry import ModelRegistration, Registry
from tests.cli_helpers import invoke
from tests.payloads import logistic_regression

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}


def _header(out: str) -> str:
    """The table's header row: the one between heavy borders."""
    return next(line for line in out.splitlines() if line.startswith("┃"))


def test_every_time_column_says_utc(registry: Registry) -> None:
    url = str(registry.database.engine.url.render_as_string(hide_password=False))
    metadata = logistic_regression()
    registration = ModelRegistration(title="AD risk", metadata=metadata, line="ad-risk", **PIN)
    model = registry.register_model(registration).id  # no created_by
    registry.set_tags(model, {"team": "vision"}, actor="ana")
    registry.edit_text(model, {"description": "first"}, actor="ana")
    for args, column in (
        (("evaluations", model), "when (UTC)"),
        (("tag", "history", model), "when (UTC)"),
        (("describe", model), "when (UTC)"),
        (("leaderboard", "adni-conversion-v1", "auroc"), "at (UTC)"),
        (("history", model), "when (UTC)"),
    ):
        code, out, err = invoke(*args, "--db", url)
        assert code == 0, (args, err)
        assert column in _header(out), (args, out)


def test_a_registration_evaluation_without_an_evaluator_says_not_recorded(
    registry: Registry,
) -> None:
    url = str(registry.database.engine.url.render_as_string(hide_password=False))
    registration = ModelRegistration(
        title="AD risk", metadata=logistic_regression(), line="ad-risk", **PIN
    )
    model = registry.register_model(registration).id
    assert registry.evaluations(model)[0].evaluated_by is None
    code, out, err = invoke("evaluations", model, "--db", url)
    assert code == 0, err
    [row] = [line for line in out.splitlines() if "registration" in line]
    assert "not recorded" in row
    code, out, err = invoke("leaderboard", "adni-conversion-v1", "auroc", "--db", url)
    assert code == 0, err
    [row] = [line for line in out.splitlines() if "AD risk" in line]
    assert "not recorded" in row
