"""The dataset pages in a real Chromium: from a model to its dataset, to the promoted models
affected, on a laptop and on a phone, with hostile and unbroken stored text.

The server, the browser and the guard against requests leaving localhost are
those of tests/test_browser.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import DatasetRegistration, ModelRegistration, Registry
from tests import test_browser as shared
from tests.conftest import copy_migrated
from tests.payloads import logistic_regression
from tests.server_helpers import served_in_thread

browser_type_launch_args = shared.browser_type_launch_args
guarded_page = shared.guarded_page

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
LOOKS = os.environ.get("ATLAS_REGISTRY_PAGE_LOOKS")
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[str]:
    """A dataset used by a promoted and a candidate model, and one with unbroken long text."""
    url = copy_migrated(migrated_sqlite, tmp_path_factory.mktemp("datasets") / "site.db")
    with Registry.open(url) as registry:
        registry.register_dataset(
            DatasetRegistration(
                title="SEA-AD MTG snRNA-seq, 84 donors",
                uri="https://portal.brain-map.org/explore/seattle-alzheimers-disease",
                license="CC-BY-4.0",
                revision="2024-05-01",
                sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                description=HOSTILE,
                artifact_id="dataset-sea-ad",
            )
        )
        registry.register_dataset(
            DatasetRegistration(
                title="W" * 500,
                uri="s3://" + "b" * 2000,
                license="L" * 200,
                revision="r" * 200,
                artifact_id="d" * 200,
            )
        )
        for line, promote in (("celltype-candidate", False), ("celltype-production", True)):
            metadata = logistic_regression()
            metadata["training_data"] = [{"artifact_id": "dataset-sea-ad", "description": "MTG"}]
            metadata["evaluation_dataset"] = {"artifact_id": "d" * 200, "description": "long"}
            model = registry.register_model(
                ModelRegistration(title=f"Cell types ({line})", metadata=metadata, line=line)
            )
            if promote:
                registry.promote(model.id, actor="agent-eval", override=True, notes="test")
    with served_in_thread(url) as base:
        yield base


def _look(page: Any, name: str) -> None:
    if LOOKS:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(Path(LOOKS) / f"{name}-{width}.png"), full_page=True)


def test_from_a_model_to_its_dataset_and_the_promoted_models_on_it(
    guarded_page: Any, site: str
) -> None:
    page = guarded_page
    page.goto(site + "/models/celltype-candidate")
    _look(page, "model-data")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator(".model-datasets a", has_text="dataset-sea-ad").click()
    page.wait_for_url("**/datasets/dataset-sea-ad")
    assert page.locator("h1").inner_text() == "SEA-AD MTG snRNA-seq, 84 donors"
    assert HOSTILE in page.locator("p.description").inner_text()  # shown as text
    trained = page.locator("#trained_on tbody tr")
    assert trained.count() == 2
    assert "promoted" in trained.first.inner_text()  # the affected one first
    assert "1 promoted model trained on it" in page.locator(".affected").inner_text()
    _look(page, "dataset")
    page.get_by_role("link", name="Show promoted only").click()
    page.wait_for_url("**state=promoted")
    assert page.locator("#trained_on tbody tr").count() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/datasets",
        "/datasets/" + "d" * 200,
        "/datasets/dataset-sea-ad",
        "/models/celltype-production",
    ],
)
def test_the_dataset_pages_fit_a_laptop_and_a_phone(
    guarded_page: Any, site: str, path: str
) -> None:
    page = guarded_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + path)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
    if path == "/datasets":
        _look(page, "datasets")
    elif path.endswith("d" * 200):
        _look(page, "dataset-long")
