"""The evaluations section and the leaderboards page in a real Chromium at 1280 and 390 px.

The server and the guard against requests leaving localhost are those of
tests/test_browser.py; neither page may scroll sideways on a phone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import ModelRegistration, Registry
from tests import test_browser as shared
from tests.catalog_helpers import add_artifact
from tests.conftest import copy_migrated
from tests.payloads import logistic_regression
from tests.server_helpers import served_in_thread

browser_type_launch_args = shared.browser_type_launch_args
guarded_page = shared.guarded_page

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
LOOKS = os.environ.get("ATLAS_REGISTRY_PAGE_LOOKS")
LONG = "evaluation-service-" + "x" * 120


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[str]:
    url = copy_migrated(migrated_sqlite, tmp_path_factory.mktemp("evals") / "site.db")
    with Registry.open(url) as registry:
        add_artifact(registry.database, "dataset-adni-external-holdout-2026", "dataset")
        for line, auroc in (("ad-risk", 0.84), ("ad-risk-plasma", 0.79)):
            model = registry.register_model(
                ModelRegistration(title="AD risk", line=line, metadata=logistic_regression())
            ).id
            registry.add_evaluation(
                model,
                by=LONG,
                benchmark_id="adni-external-v1",
                dataset_id="dataset-adni-external-holdout-2026",
                dataset_revision="sha256:" + "ab" * 32,
                split="test",
                metrics={"auroc": auroc, "brier": 0.15, "expected_calibration_error": 0.0421},
                harness_repo_url="https://github.com/example-lab/evaluation-harness",
                harness_commit_sha="0123456789abcdef0123456789abcdef01234567",
            )
    with served_in_thread(url) as base:
        yield base


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(
    "path",
    [
        "/models/ad-risk",
        "/leaderboards?benchmark=adni-external-v1&metric=auroc"
        "&dataset=dataset-adni-external-holdout-2026&split=test",
    ],
)
def test_evaluations_read_at_each_width_without_sideways_scroll(
    guarded_page: Any, site: str, path: str, width: int
) -> None:
    page = guarded_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + path)
    if path.startswith("/models"):
        assert page.locator("tr.evaluation").count() == 2
        assert "auroc 0.84" in page.locator("#evaluations").inner_text()
    else:
        assert page.locator("tr.entry").count() == 2
        assert "evaluation-service-" in page.locator("td.evaluated").first.inner_text()
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{path} scrolls sideways at {width} px ({scroll} px)"
    if LOOKS:
        name = "model" if path.startswith("/models") else "leaderboard"
        page.screenshot(path=str(Path(LOOKS) / f"evals-{name}-{width}.png"), full_page=True)
