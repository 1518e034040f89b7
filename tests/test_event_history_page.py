"""The history page reads the event log: every kind of change, newest first, paged, escaped.

A person reading ``/history`` (or one line's history) sees each event as a
sentence with its version, type and actor, pages back 50 at a time, filters
by type, line, actor or overrides, and never sees stored text as markup. On
a phone each event is a card, and no page scrolls sideways.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_registry import ModelRegistration, Registry, SchemaAdmin
from atlas_registry.api import create_app
from tests.payloads import logistic_regression
from tests.server_helpers import served_in_thread

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def site(migrated_url: str) -> Iterator[tuple[Registry, TestClient]]:
    registry = Registry.open(migrated_url)
    client = TestClient(create_app(registry), base_url="http://127.0.0.1")
    yield registry, client
    client.close()
    registry.close()


def _register(registry: Registry, artifact_id: str, **fields: Any) -> str:
    registration = ModelRegistration(
        title="ad risk", metadata=logistic_regression(), artifact_id=artifact_id, **fields
    )
    return registry.register_model(registration).id


def _rows(html: str) -> list[tuple[str, str]]:
    """(type, what) of each event row, top to bottom."""
    found = re.findall(r'<code>([a-z_.]+)</code></td><td class="what">([^<]*)', html)
    return [(kind, what.strip()) for kind, what in found]


def _every_kind(registry: Registry, tmp_path: Path) -> None:
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"weights")
    registry.register_dataset(
        {
            "title": "held out",
            "uri": "https://data.example/ho",
            "license": "cc-by-4.0",
            "revision": "v1",
            "artifact_id": "dataset-ho",
        },
        actor="curator",
    )
    _register(registry, "m-1", line="ad-risk")
    registry.add_evaluation(
        "m-1", by="eval", benchmark_id="b", dataset_id="dataset-ho", metrics={"auroc": 0.8}
    )
    registry.set_alias("ad-risk", "champion", to_version=1, actor="ops")
    registry.set_tags("m-1", {"team": HOSTILE}, actor=HOSTILE)
    registry.edit_text("m-1", {"changelog": "fixed"}, actor="ana")
    digest = "0f6fe5a0b6d1f6b2f0a1a1d5b1c7d3f7e1a9b0c2d4e6f8a0b2c4d6e8f0a2b4c6"
    registry.add_file(
        "m-1", {"uri": weights.as_uri(), "sha256": digest, "size_bytes": 7}, actor="trainer"
    )
    registry.promote("m-1", actor="ops", notes=HOSTILE, override=True)


def test_every_kind_of_change_is_a_sentence_newest_first(
    site: tuple[Registry, TestClient], tmp_path: Path
) -> None:
    registry, client = site
    _every_kind(registry, tmp_path)
    html = client.get("/history").text
    rows = _rows(html)
    assert rows == [
        ("model.promoted", "candidate → promoted"),
        ("file.listed", f"file listed: {(tmp_path / 'weights.bin').as_uri()}"),
        ("text.edited", "edited: changelog"),
        ("tags.changed", "tags changed: set team"),
        ("alias.set", "alias @champion set to m-1"),
        ("evaluation.added", "evaluation added on b dataset dataset-ho"),
        ("line.named", "line named ad-risk"),
        ("model.registered", "registered as version 1"),
        ("dataset.registered", "dataset dataset-ho registered"),
    ]
    assert HOSTILE not in html  # the notes and the actor are text
    assert '<div class="notes">&lt;img src=x onerror=alert(1)&gt;</div>' in html
    assert '<td class="actor">&lt;img src=x onerror=alert(1)&gt;</td>' in html
    assert 'class="override"' in html
    assert "gate overridden" in html
    assert '<a href="/datasets/dataset-ho">dataset-ho</a>' in html
    assert '<a href="/models/m-1">ad-risk@1</a>' in html
    assert 'href="/api/v1/events?after=0"' in html
    only = client.get("/history", params={"type": "tags.changed"}).text
    assert _rows(only) == [("tags.changed", "tags changed: set team")]
    assert 'href="/api/v1/events?after=0&amp;types=tags.changed"' in only
    by_ana = client.get("/history", params={"actor": "ana"}).text
    assert _rows(by_ana) == [("text.edited", "edited: changelog")]
    assert 'class="json"' not in by_ana  # no JSON twin filters every type by actor
    unknown = client.get("/history", params={"type": "model.whatever"})
    assert unknown.status_code == 422
    assert "unknown event type" in unknown.text


def test_the_history_pages_back_fifty_at_a_time(site: tuple[Registry, TestClient]) -> None:
    registry, client = site
    for i in range(60):
        _register(registry, f"m-{i:02d}")
    first = client.get("/history").text
    assert len(_rows(first)) == 50
    assert '<a href="/models/m-59">' in first
    older = re.search(r'<a href="(/history\?before_id=\d+)">Older →</a>', first)
    assert older is not None
    second = client.get(older.group(1).replace("&amp;", "&")).text
    assert len(_rows(second)) == 10
    assert '<a href="/models/m-00">' in second
    assert "Older →" not in second
    assert '<a href="/history?">← Newest</a>' in second
    ids = [int(n) for n in re.findall(r"before_id=(\d+)", older.group(1))]
    assert ids == [registry.events_before(limit=50)[-1].id]


def test_a_lines_history_is_that_line_alone(site: tuple[Registry, TestClient]) -> None:
    registry, client = site
    _register(registry, "a-1", line="kept")
    _register(registry, "a-2", line="kept")
    _register(registry, "o-1", line="other")
    registry.promote("a-2", actor="eval", notes="n", override=True)
    for name in ("kept", "kept@1", "a-2"):
        html = client.get("/history", params={"line": name}).text
        assert _rows(html) == [
            ("model.promoted", "candidate → promoted"),
            ("model.registered", "registered as version 2"),
            ("line.named", "line named kept"),
            ("model.registered", "registered as version 1"),
        ]
    wrong = client.get("/history", params={"line": "nope"})
    assert wrong.status_code == 404


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Each event type (`model.registered`) on one line: a word, never broken in two.
ONE_LINE_TYPES = (
    "[...document.querySelectorAll('td.type code')]"
    ".every(code => code.getClientRects().length === 1)"
)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {"executable_path": CHROMIUM, "args": ["--no-sandbox", "--disable-gpu"]}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_the_history_reads_on_a_laptop_and_a_phone(page: Any, tmp_path: Path) -> None:
    """At 1280 px a table; at 390 px each event a card; never wider than the window."""
    url = f"sqlite:///{tmp_path / 'site.db'}"
    with SchemaAdmin.open(url, create=True) as admin:
        admin.migrate()
    with Registry.open(url) as registry:
        _every_kind(registry, tmp_path)
        long_id = "i" * 200
        _register(registry, long_id, line="long-words")
        registry.promote(long_id, actor="a" * 200, notes="n" * 2000, override=True)
    dialogs: list[str] = []

    def refuse(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    with served_in_thread(url) as base:
        for path in ("/history", "/history?line=long-words", "/history?line=ad-risk"):
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(base + path)
            assert page.locator("table.history thead").is_visible()
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                wide = page.evaluate("document.scrollingElement.scrollWidth")
                assert wide <= page.evaluate("innerWidth"), f"{path} at {width} px"
                assert page.evaluate(ONE_LINE_TYPES), f"an event type broke at {width} px"
            assert not page.locator("table.history thead").is_visible()  # cards on a phone
            first = page.locator("table.history tbody tr").first
            assert first.locator("td.what").is_visible()
            box = first.bounding_box()
            assert box is not None
            assert box["width"] <= 390
        assert page.locator("img").count() == 0
    assert dialogs == []
