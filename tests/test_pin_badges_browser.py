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
from urllib.parse import urlparse

import pytest

from atlas_registry import ModelRegistration, Registry, RepositoryLocations, SchemaAdmin
from tests.git_repos import BASE_TIME, RepoBuilder
from tests.payloads import logistic_regression
from tests.server_helpers import served
from tests.test_browser import CHROMIUM, browser_type_launch_args  # noqa: F401 (a fixture)

assert CHROMIUM is not None  # test_browser skips the module when chromium is missing
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
RED = "rgb(180, 35, 24)"
GREEN = "rgb(214, 242, 223)"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A server over a model whose pin verified and one whose commit was force-pushed away."""
    folder: Path = tmp_path_factory.mktemp("pin-badges")
    build = RepoBuilder(folder / "mirrors" / "github.com" / "lab" / "ad-risk.git")
    released = build.commit({"train.py": "v1\n"}, "release", at=BASE_TIME)
    gone = build.commit({"train.py": "v2\n"}, "wip", at=BASE_TIME + 60, branch="wip")
    build.force_branch("wip", released)
    url = f"sqlite:///{folder / 'site.db'}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
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
    with served(url) as base:
        yield base, ids


@pytest.fixture
def local_page(page: Any) -> Iterator[Any]:
    """A page that may reach only the local server."""
    left: list[str] = []

    def route(request_route: Any) -> None:
        if urlparse(request_route.request.url).hostname not in {"127.0.0.1", "localhost"}:
            left.append(request_route.request.url)
            request_route.abort()
        else:
            request_route.continue_()

    page.route("**/*", route)
    yield page
    assert left == []


@pytest.mark.parametrize("width", [1280, 390])
def test_a_failed_pin_is_red_and_one_click_from_its_detail(
    local_page: Any, site: tuple[str, dict[str, str]], width: int
) -> None:
    base, ids = site
    local_page.set_viewport_size({"width": width, "height": 900})
    local_page.goto(base + "/")
    failed = local_page.locator(f'a.badge[href="/models/{ids["failed"]}#pin"]')
    verified = local_page.locator(f'a.badge[href="/models/{ids["verified"]}#pin"]')
    assert failed.inner_text() == "pin failed"
    assert verified.inner_text() == "pin verified"
    assert failed.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    assert verified.evaluate("e => getComputedStyle(e).backgroundColor") == GREEN
    failed.click()
    local_page.wait_for_url(f"**/models/{ids['failed']}#pin")
    detail = local_page.locator("dt#pin + dd").inner_text()
    assert "pin failed" in detail
    assert "exists only as an unreachable object" in detail
