"""The pages in a real Chromium against a real server: what a person clicking around sees.

Chromium is Debian's package (``./scripts/test`` installs it on a fresh
machine); Playwright drives it through ``executable_path``, so no browser is
downloaded. Every page load runs behind a guard that fails the test on any
request leaving localhost, and any JavaScript dialog fails it too (a stored
``<img onerror=alert(1)>`` must stay text).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from atlas_registry import ModelRegistration, Registry, SchemaAdmin
from tests.conftest import IN_CI, copy_migrated
from tests.payloads import external_fine_tune, logistic_regression
from tests.server_helpers import served_in_thread
from tests.test_backfill import add_legacy

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = os.environ.get("ATLAS_REGISTRY_SCREENSHOTS")  # a folder: README screenshots
HOSTILE = "<img src=x onerror=alert(1)>"
# Every page, with what real data holds: 40-hex commits, long URLs and titles,
# a training window, a fine-tune chain, a line of many versions, and text with
# no place to break.
WIDE_PAGES = (
    "/",
    "/?search=conversion",
    "/versions",
    "/versions?line=conversion-risk-longitudinal",
    "/history?line=conversion-risk-longitudinal",
    "/models/long-words@1",
    "/models/ad-risk@2",
    "/models/conversion-risk-longitudinal@14",
    "/models/celltype-bert-ad-finetune@1",
    "/history",
    "/review",
    "/compare?ids=long-words@1,ad-risk@1",
    "/compare?ids=conversion-risk-longitudinal@1,conversion-risk-longitudinal@14,ad-risk@3",
    "/leaderboards?benchmark=adni-conversion-v1",
    "/models/no-such-model",
    "/problems/promotion_gate_error",
    "/docs",
)
SHA = "3f1c2a9b7d4e5f60718293a4b5c6d7e8f9012345"
REAL_PIN = {
    "code_repo_url": "https://github.com/memory-and-aging-center/longitudinal-conversion-risk-models",
    "code_commit_sha": SHA,
    "code_entrypoint": "src/conversion_risk/train_regularised_logistic_regression.py",
    "training_started_at": "2026-03-02T08:15:00Z",
    "training_completed_at": "2026-03-04T17:42:09Z",
    "trained_by": "agent-training-pipeline-nightly",
}
TOKENS: dict[str, str] = {}  # the site's bearer token, for the API reference's Authorize

if CHROMIUM is None:
    if IN_CI:
        raise RuntimeError("CI=true: Debian's chromium package must be installed for page tests")
    pytest.skip("chromium is not installed (./scripts/test installs it)", allow_module_level=True)

# A browser each: the fast lane (-m "not slow") leaves them out.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[str]:
    """A server over a database with the legacy models, a line of three, hostile text."""
    url = copy_migrated(migrated_sqlite, tmp_path_factory.mktemp("site") / "site.db")
    with SchemaAdmin.open(url) as admin:
        admin.load_legacy()
    with Registry.open(url) as registry:
        registry.backfill()
        _ad_risk_line(registry)
        registry.register_model(
            ModelRegistration(
                title=HOSTILE, description="javascript:alert(1)", metadata=logistic_regression()
            )
        )
        unbroken = registry.register_model(
            ModelRegistration(
                title="W" * 500,
                line="long-words",
                description="d" * 2000,
                metadata=logistic_regression(),
                artifact_id="i" * 200,  # the longest id a catalog row may have
            )
        )
        registry.promote(unbroken.id, actor="a" * 200, notes="n" * 2000, override=True)
        _real_data(registry)
        TOKENS["site"] = registry.create_token("docs-reader", ["register"]).token
        add_legacy(
            registry.database,
            "legacy-hostile",
            {"model_type": HOSTILE, "repo": "javascript:alert(1)"},
        )
        registry.backfill()
    with served_in_thread(url) as base:
        yield base


def _ad_risk_line(registry: Registry) -> None:
    """Three versions of one line, each promoted over the last."""
    for auroc in (0.78, 0.86, 0.81):
        metadata = {**logistic_regression(), "evaluation_metrics": {"auroc": auroc}}
        model = registry.register_model(
            ModelRegistration(
                title="MCI-to-AD conversion risk (L2 logistic regression)",
                line="ad-risk",
                metadata=metadata,
                **REAL_PIN,
            )
        )
        registry.promote(model.id, actor="agent-eval")


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[str]:
    """The site's realistic data only, no hostile text: what the README's screenshots show."""
    url = copy_migrated(migrated_sqlite, tmp_path_factory.mktemp("real") / "real.db")
    with SchemaAdmin.open(url) as admin:
        admin.load_legacy()
    with Registry.open(url) as registry:
        registry.backfill()
        _ad_risk_line(registry)
        _real_data(registry)
    with served_in_thread(url) as base:
        yield base


def _real_data(registry: Registry) -> None:
    """A line of 14 versions with unrounded metrics, and an external base model fine-tuned."""
    for number in range(1, 15):
        auroc = 0.7 + number * 0.00613 + 0.000001234567891
        metadata = {
            **logistic_regression(),
            "evaluation_metrics": {"auroc": auroc, "brier": 0.2 - number * 0.0031},
        }
        model = registry.register_model(
            ModelRegistration(
                title="Conversion risk from longitudinal MRI and plasma biomarkers (L2, 5-fold)",
                line="conversion-risk-longitudinal",
                metadata=metadata,
                **REAL_PIN,
            )
        )
        if number in {9, 12}:
            registry.promote(model.id, actor="agent-eval")
        elif number == 4:
            registry.reject(model.id, actor="agent-eval", notes="calibration drifted on ADNI-3")
    sea_ad = "https://portal.brain-map.org/explore/seattle-alzheimers-disease"
    data = {
        "training_data": [{"url": sea_ad, "description": "SEA-AD MTG snRNA-seq donors"}],
        "evaluation_dataset": {"url": sea_ad, "description": "held-out donors"},
    }
    hub = {k: v for k, v in external_fine_tune().items() if k != "base_model_id"}
    base = registry.register_model(
        ModelRegistration(
            title="celltype-bert-ad (Hugging Face)",
            line="celltype-bert-ad",
            metadata={**hub, **data},
        )
    )
    registry.register_model(
        ModelRegistration(
            title="celltype-bert-ad fine-tuned on SEA-AD middle temporal gyrus donors",
            line="celltype-bert-ad-finetune",
            metadata={**external_fine_tune(base_model_id=base.id), **data},
        )
    )


@pytest.fixture
def guarded_page(page: Any) -> Iterator[Any]:
    """A page that fails the test on a dialog or on any request that leaves localhost."""
    left: list[str] = []
    dialogs: list[str] = []

    def route(request_route: Any) -> None:
        host = urlparse(request_route.request.url).hostname
        if host not in {"127.0.0.1", "localhost"}:
            left.append(request_route.request.url)
            request_route.abort()
        else:
            request_route.continue_()

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.route("**/*", route)
    page.on("dialog", on_dialog)
    yield page
    assert left == [], f"requests left localhost: {left}"
    assert dialogs == [], f"a dialog opened: {dialogs}"


def test_filtering_updates_the_url_and_back_restores_it(guarded_page: Any, site: str) -> None:
    page = guarded_page
    page.goto(site + "/versions")
    everything = page.locator("table.models tbody tr").count()
    page.select_option("select[name=promotion_state]", "candidate")
    page.click("button[type=submit]")
    page.wait_for_url("**promotion_state=candidate**")
    candidates = page.locator("table.models tbody tr").count()
    assert 0 < candidates < everything
    page.go_back()
    page.wait_for_url(site + "/versions")
    assert page.locator("table.models tbody tr").count() == everything
    page.go_forward()
    assert page.locator("select[name=promotion_state]").input_value() == "candidate"


def test_lineage_nodes_navigate(guarded_page: Any, site: str) -> None:
    page = guarded_page
    page.goto(site + "/models/ad-risk@2")
    assert page.locator("svg.lineage a.node-link").count() == 3
    first = page.locator("svg.lineage a.node-link").first
    target = first.get_attribute("data-id")
    first.click()
    page.wait_for_url(f"**/models/{target}")
    assert "ad-risk@1" in page.locator("p.subtitle").inner_text()


def test_the_leaderboard_is_ranked_with_the_gate_drawn(guarded_page: Any, site: str) -> None:
    page = guarded_page
    page.goto(site + "/leaderboards?benchmark=adni-conversion-v1&metric=auroc")
    values = [float(v) for v in page.locator("tr.entry td:nth-child(2)").all_inner_texts()]
    assert values == sorted(values, reverse=True)
    assert values[0] == 0.86
    rows = page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.className)")
    assert "threshold" in rows


def test_an_override_stands_out_in_history(guarded_page: Any, site: str) -> None:
    page = guarded_page
    page.goto(site + "/history?overrides=1")
    override = page.locator("tr.override").first
    assert "gate overridden" in override.inner_text()
    colour = override.locator("td").first.evaluate("cell => getComputedStyle(cell).backgroundColor")
    assert colour not in {"rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"}


def test_hostile_text_is_inert(guarded_page: Any, site: str) -> None:
    page = guarded_page
    page.goto(site + "/")
    page.get_by_text(HOSTILE).first.click()
    assert page.locator("h1").inner_text() == HOSTILE
    assert page.locator("img").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    page.goto(site + "/review")
    page.locator("details summary").first.click()
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.locator("img").count() == 0


def test_no_page_scrolls_sideways_even_with_unbroken_stored_text(
    guarded_page: Any, site: str
) -> None:
    # A wide table scrolls inside its own box, and a 500-character word wraps;
    # the page around them (header, filters, the table's heading) keeps the
    # window's width, on a laptop and on a phone. Each page is loaded once and
    # laid out again at every width, as a window being resized is.
    page = guarded_page
    for path in WIDE_PAGES:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(site + path)  # returns once the page and its stylesheets have loaded
        if path == "/docs":  # Swagger UI draws the reference after loading it
            page.locator(".opblock").first.wait_for()
        for width in (1280, 1024, 390):
            page.set_viewport_size({"width": width, "height": 900})
            wide = page.evaluate("document.scrollingElement.scrollWidth")
            assert wide <= page.evaluate("innerWidth"), f"{path} at {width} px"


def test_the_lineage_is_a_readable_list_on_a_narrow_screen(guarded_page: Any, site: str) -> None:
    page = guarded_page
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(site + "/models/celltype-bert-ad-finetune@1")
    assert not page.locator("svg.lineage").is_visible()
    listed = page.locator(".lineage-list")
    assert listed.is_visible()
    assert "fine-tuned from" in listed.inner_text()
    link = listed.locator("a", has_text="celltype-bert-ad (Hugging Face)")
    size = link.evaluate("a => parseFloat(getComputedStyle(a).fontSize)")
    assert size >= 13
    page.set_viewport_size({"width": 800, "height": 900})  # a tablet: still a list
    assert listed.is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator("svg.lineage").is_visible()
    assert not listed.is_visible()
    # Where it is shown, the graph is drawn at no less than 85% of its size.
    drawn = page.locator("svg.lineage").bounding_box()
    assert drawn is not None
    natural = float(page.locator("svg.lineage").get_attribute("width") or 0)
    assert drawn["width"] >= 0.85 * natural


def test_the_trend_fits_its_card_on_a_phone(guarded_page: Any, site: str) -> None:
    page = guarded_page
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(site + "/models/conversion-risk-longitudinal@14")
    chart = page.locator("svg.trend").bounding_box()
    card = page.locator("section.panel", has=page.locator("svg.trend")).bounding_box()
    assert chart is not None
    assert card is not None
    assert card["x"] <= chart["x"]
    assert chart["x"] + chart["width"] <= card["x"] + card["width"]


def test_the_api_reference_runs_from_local_files_and_sends_the_token(
    guarded_page: Any, site: str
) -> None:
    # Swagger UI under the site's Content-Security-Policy (no inline script), with
    # every request kept on this server; Authorize makes "Try it out" send the token.
    page = guarded_page
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    sent: list[str | None] = []
    page.on(
        "request",
        lambda r: sent.append(r.headers.get("authorization")) if "/api/v1/version" in r.url else 0,
    )
    page.goto(site + "/docs")
    page.locator(".opblock").first.wait_for()
    page.click("button.authorize")
    page.locator(".modal-ux input").first.fill(TOKENS["site"])
    page.locator(".modal-ux .auth-btn-wrapper button.authorize").click()
    page.locator(".modal-ux button.btn-done").click()
    operation = page.locator(".opblock", has=page.locator("[data-path='/api/v1/version']"))
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("200")
    assert sent == [f"Bearer {TOKENS['site']}"]
    assert refused == []


@pytest.mark.skipif(not SCREENSHOTS, reason="ATLAS_REGISTRY_SCREENSHOTS names no folder")
def test_readme_screenshots(guarded_page: Any, real_site: str) -> None:
    page = guarded_page
    folder = Path(str(SCREENSHOTS))
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.goto(real_site + "/models/ad-risk@2")
    page.screenshot(path=str(folder / "model-page.png"))
    page.set_viewport_size({"width": 1280, "height": 500})
    page.goto(real_site + "/leaderboards?benchmark=adni-conversion-v1&metric=auroc")
    page.screenshot(path=str(folder / "leaderboard.png"))
