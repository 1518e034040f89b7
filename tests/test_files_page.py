"""A version's files on its page: listed, escaped, a mismatch shown as failed.

The HTML is asserted in-process on both databases; a real Chromium checks the
section at a desk's width and a phone's, where a 64-character digest and a
long URI must wrap, not widen the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import ModelRegistration, Registry
from tests import test_browser as shared
from tests.conftest import copy_migrated
from tests.payloads import logistic_regression
from tests.server_helpers import served_in_thread
from tests.test_api import Service, svc  # noqa: F401

browser_type_launch_args = shared.browser_type_launch_args
guarded_page = shared.guarded_page

HOSTILE = "s3://lab/<script>alert(1)</script>/w.bin"
RED = "rgb(180, 35, 24)"


def _with_files(registry: Registry, folder: Path) -> str:
    good, bad = folder / "good.bin", folder / "bad.bin"
    good.write_bytes(b"weights")
    bad.write_bytes(b"tampered")
    digest = hashlib.sha256(b"weights").hexdigest()
    long_name = "shard-" + "0" * 150 + ".safetensors"
    registration = ModelRegistration(
        title="AD risk",
        line="page-files",
        metadata=logistic_regression(),
        code_repo_url="https://github.com/lab/ad-risk",
        code_commit_sha="3f1c2a9",
        files=[
            {"uri": good.as_uri(), "sha256": digest, "size_bytes": 7, "role": "weights"},
            {"uri": bad.as_uri(), "sha256": digest, "size_bytes": 7, "role": "config"},
            {"uri": HOSTILE, "sha256": digest, "size_bytes": 7},
            {"uri": f"s3://lab/ad-risk/{long_name}", "sha256": digest, "size_bytes": 7},
        ],
    )
    model_id = registry.register_model(registration).id
    registry.verify_files([model_id], actor="nightly")
    return model_id


def test_the_model_page_lists_files_with_their_checks(
    svc: Service,  # noqa: F811
    tmp_path: Path,
) -> None:
    model_id = _with_files(svc.registry, tmp_path)
    html = svc.client.get(f"/models/{model_id}").text
    section = html[html.index('id="files"') : html.index("</section>", html.index('id="files"'))]
    assert "Files · 4" in section
    assert section.count('class="badge file-passed"') == 1
    assert section.count('class="badge file-mismatch"') == 1
    assert "does not match" in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "<script>alert" not in html
    assert f"/api/v1/models/{model_id}/files" in section


def test_a_version_without_files_says_how_to_list_them(svc: Service) -> None:  # noqa: F811
    model_id = svc.register()["id"]
    html = svc.client.get(f"/models/{model_id}").text
    assert "No files listed" in html


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[tuple[str, str]]:
    folder: Path = tmp_path_factory.mktemp("files-page")
    url = copy_migrated(migrated_sqlite, folder / "site.db")
    with Registry.open(url) as registry:
        model_id = _with_files(registry, folder)
    with served_in_thread(url) as base:
        yield base, model_id


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("width", [1280, 390])
def test_files_fit_a_desk_and_a_phone(
    guarded_page: Any, site: tuple[str, str], width: int, tmp_path: Path
) -> None:
    base, model_id = site
    guarded_page.set_viewport_size({"width": width, "height": 900})
    guarded_page.goto(f"{base}/models/{model_id}#files")
    mismatch = guarded_page.locator("#files .badge.file-mismatch")
    assert mismatch.inner_text() == "does not match"
    assert mismatch.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    assert guarded_page.evaluate("document.documentElement.scrollWidth") <= width
    guarded_page.locator("#files").screenshot(path=str(tmp_path / f"files-{width}.png"))
