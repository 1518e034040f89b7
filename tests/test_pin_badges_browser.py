"""Pin badges in a real Chromium, at a desk and on a phone: a failed pin reads as failed.

A failed pin once wore the same green "code-pinned" badge as a verified one.
Here a real repository is force-pushed so a model's pinned commit is gone;
the models list shows its badge red, and one click lands on the check's
detail on the model page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import ModelRegistration, Registry, RepositoryLocations
from tests import test_browser as shared
from tests.conftest import copy_migrated
from tests.git_repos import BASE_TIME, RepoBuilder
from tests.payloads import logistic_regression
from tests.server_helpers import served_in_thread

# The page tests' fixtures (test_browser skips every page test without chromium):
# Debian's chromium, and a page that fails on any request leaving localhost.
browser_type_launch_args = shared.browser_type_launch_args
guarded_page = shared.guarded_page

# A browser each: the fast lane (-m "not slow") leaves them out.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
RED = "rgb(180, 35, 24)"
GREEN = "rgb(214, 242, 223)"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    """A server over a model whose pin verified and one whose commit was force-pushed away."""
    folder: Path = tmp_path_factory.mktemp("pin-badges")
    build = RepoBuilder(folder / "mirrors" / "github.com" / "lab" / "ad-risk.git")
    released = build.commit({"train.py": "v1\n"}, "release", at=BASE_TIME)
    gone = build.commit({"train.py": "v2\n"}, "wip", at=BASE_TIME + 60, branch="wip")
    build.force_branch("wip", released)
    url = copy_migrated(migrated_sqlite, folder / "site.db")
    ids = {}
    with Registry.open(url) as registry:
        for name, sha in (("verified", released), ("failed", gone)):
            ids[name] = registry.register_model(
                ModelRegistration(
                    title=f"AD risk ({name})",
                    metadata=logistic_regression(),
                    code_repo_url="https://github.com/lab/ad-risk",
                    code_commit_sha=sha,
                    code_entrypoint="train.py",
                )
            ).id
        locations = RepositoryLocations(mirrors=folder / "mirrors")
        registry.verify_pins(list(ids.values()), locations=locations, actor="nightly-ci")
    with served_in_thread(url) as base:
        yield base, ids


@pytest.mark.parametrize("width", [1280, 390])
def test_a_failed_pin_is_red_and_one_click_from_its_detail(
    guarded_page: Any, site: tuple[str, dict[str, str]], width: int
) -> None:
    base, ids = site
    guarded_page.set_viewport_size({"width": width, "height": 900})
    guarded_page.goto(base + "/")
    failed = guarded_page.locator(f'a.badge[href="/models/{ids["failed"]}#pin"]')
    verified = guarded_page.locator(f'a.badge[href="/models/{ids["verified"]}#pin"]')
    assert failed.inner_text() == "pin failed"
    assert verified.inner_text() == "pin verified"
    assert failed.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    assert verified.evaluate("e => getComputedStyle(e).backgroundColor") == GREEN
    failed.click()
    guarded_page.wait_for_url(f"**/models/{ids['failed']}#pin")
    detail = guarded_page.locator("dt#pin + dd").inner_text()
    assert "pin failed" in detail
    assert "exists only as an unreachable object" in detail
