"""The pages in-process on both backends: structure, state in the URL, hostile text inert."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from atlas_registry import ModelRegistration, Registry, SchemaAdmin, short_id_of
from atlas_registry.api import create_app
from tests.payloads import logistic_regression
from tests.test_backfill import add_legacy

PIN = {"code_repo_url": "https://github.com/lab/ad-risk", "code_commit_sha": "3f1c2a9"}
HOSTILE = "<img src=x onerror=alert(1)>"
# A row of the list of every version: its tick box to compare by, then its link.
VERSION_ROW = r'<tr>\s*<td><label class="tick">.*?</label><a href="/models/([^"]+)"'


@pytest.fixture
def site(migrated_url: str) -> Iterator[tuple[Registry, TestClient]]:
    with SchemaAdmin.open(migrated_url) as admin:
        admin.load_legacy()
    registry = Registry.open(migrated_url)
    registry.backfill()
    client = TestClient(create_app(registry), base_url="http://127.0.0.1")
    yield registry, client
    client.close()
    registry.close()


def _register(registry: Registry, **fields: Any) -> str:
    registration = ModelRegistration(
        metadata=logistic_regression(), **{"title": "AD risk", **PIN, **fields}
    )
    return registry.register_model(registration).id


def test_the_models_page_filters_by_the_query_string(site: tuple[Registry, TestClient]) -> None:
    _, client = site
    page = client.get("/", params={"promotion_state": "candidate"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    rows = re.findall(VERSION_ROW, page.text)
    assert len(rows) == 2  # the two biophysical ODEs stay candidates
    assert '<option value="candidate" selected>' in page.text
    assert 'href="/api/v1/models?promotion_state=candidate"' in page.text
    assert ">pin not checked</a>" in client.get("/").text  # pinned, never checked
    # A link from a mail carries its own parameters: the page's JSON link keeps to the API's.
    tracked = client.get("/", params={"external": "yes", "latest_only": "1", "utm_source": "m"})
    json_link = re.search(r'<a class="json" href="([^"]+)"', tracked.text)
    assert json_link is not None
    api_url = json_link.group(1).replace("&amp;", "&")
    assert api_url == "/api/v1/models?latest_only=1&is_external=true"
    assert client.get(api_url).status_code == 200


def test_a_filter_typed_with_spaces_around_it_means_the_word(
    site: tuple[Registry, TestClient],
) -> None:
    registry, client = site
    model = _register(registry, trained_by="agent-7")
    page = client.get("/", params={"trained_by": " agent-7 "}).text
    assert re.findall(VERSION_ROW, page) == [model]
    assert 'href="/api/v1/models?trained_by=agent-7"' in page  # its JSON twin agrees


def test_the_model_page_shows_every_panel(site: tuple[Registry, TestClient]) -> None:
    registry, client = site
    first = _register(registry, line="web-line")
    second = _register(registry, line="web-line")
    registry.promote(first, actor="eval")
    registry.promote(second, actor="eval")
    registry.rollback("web-line", actor="oncall", notes="bad calibration", override=False)
    page = client.get("/models/web-line@1").text
    for expected in (
        "Reproducibility",
        "Metrics",
        "Lineage",
        "Versions of this line",
        "Promotion timeline",
        "Metadata",
    ):
        assert expected in page
    assert '<svg class="lineage"' in page
    assert f'href="/models/{second}"' in page
    assert '<svg class="trend"' in page
    assert "bad calibration" in page
    assert 'href="https://github.com/lab/ad-risk/commit/3f1c2a9"' in page
    legacy = client.get("/models/ad-risk-prediction-model").text
    assert "Backfill provenance" in legacy
    assert "Legacy text SHA-256" in legacy


def test_hostile_text_is_escaped_and_never_a_link(site: tuple[Registry, TestClient]) -> None:
    registry, client = site
    model = _register(registry, title=HOSTILE, description="javascript:alert(1)")
    add_legacy(
        registry.database, "legacy-hostile", {"model_type": HOSTILE, "repo": "javascript:alert(1)"}
    )
    registry.backfill()
    for path in (f"/models/{model}", "/", "/review", f"/compare?ids={model}", "/history"):
        html = client.get(path).text
        assert "<img src=x" not in html, path
        assert 'href="javascript:' not in html, path
    assert "&lt;img src=x onerror=alert(1)&gt;" in client.get(f"/models/{model}").text


def test_bidirectional_overrides_are_shown_not_obeyed(site: tuple[Registry, TestClient]) -> None:
    """A right-to-left override would make "report\u202egnp.exe" read as "reportexe.png"."""
    registry, client = site
    spoof = "report\u202egnp.exe \u2066isolated\u2069 \x1b[2J"
    hebrew = "\u05de\u05d5\u05d3\u05dc \u200f(RLM shown)"
    model = _register(
        registry, title=spoof, description=hebrew, code_repo_url="https://x.example/\u202erepo"
    )
    pages = [client.get(path).text for path in (f"/models/{model}", "/", f"/compare?ids={model}")]
    for html in pages:
        for character in ("\u202e", "\u2066", "\u2069", "\x1b"):
            assert character not in html
        assert "report\\u202egnp.exe \\u2066isolated\\u2069 \\x1b[2J" in html
    assert "\u05de\u05d5\u05d3\u05dc \\u200f(RLM shown)" in pages[0]  # an invisible mark
    assert "v1 · report\\u202egnp.exe \\u206…</text>" in pages[0]  # cut to its box as shown
    assert 'href="https://x.example/' not in pages[0]  # a URL that reorders itself is no link
    assert registry.get_model(model).title == spoof  # stored as registered


def test_compare_highlights_the_best_and_shows_only_differences(
    site: tuple[Registry, TestClient],
) -> None:
    registry, client = site
    metadata = {**logistic_regression(), "evaluation_metrics": {"auroc": 0.91, "brier": 0.162}}
    better = registry.register_model(ModelRegistration(title="better", metadata=metadata, **PIN)).id
    worse = _register(registry)
    page = client.get("/compare", params={"ids": f"{better},{worse}"}).text
    assert '<td class="best">0.91</td>' in page
    assert f'href="/api/v1/models/{better}"' in page
    assert "<th>Framework</th>" in page
    only = client.get("/compare", params={"ids": f"{better},{worse}", "diff": "1"}).text
    assert "<th>Framework</th>" not in only
    assert "<th>auroc</th>" in only


def test_compare_reads_ids_as_typed_and_says_what_it_left_out(
    site: tuple[Registry, TestClient],
) -> None:
    registry, client = site
    ids = [_register(registry) for _ in range(8)]
    typed = ", ".join([ids[0], ids[0], *ids[1:]])  # spaces after commas, one named twice
    page = client.get("/compare", params={"ids": typed}).text
    assert page.count('<a class="json" href="/api/v1/models/') == 6
    assert "Showing the first 6 of the 8 models named" in page
    two = client.get("/compare", params={"ids": f"{ids[0]} , {ids[1]}"}).text
    assert two.count('<a class="json" href="/api/v1/models/') == 2
    assert "Showing the first" not in two


def test_overrides_only_finds_an_override_older_than_the_last_50_events(
    site: tuple[Registry, TestClient],
) -> None:
    registry, client = site
    unpinned = _register(registry, line="early", code_repo_url=None, code_commit_sha=None)
    registry.promote(unpinned, actor="a", notes="pilot", override=True)  # past the pin gate
    for _ in range(26):  # 51 plain transitions after it: a promotion and a supersession each
        registry.promote(_register(registry, line="busy"), actor="eval")
    page = client.get("/history", params={"overrides": "1"}).text
    assert '<div class="notes">pilot</div>' in page
    assert page.count('<tr class="">') == 0  # nothing but overrides
    assert 'href="/api/v1/events?overrides_only=true"' in page
    api = client.get("/api/v1/events", params={"overrides_only": "true"}).json()["items"]
    assert api[0]["notes"] == "pilot"
    assert all(event["override"] for event in api)


def test_leaderboard_draws_the_gate(site: tuple[Registry, TestClient]) -> None:
    registry, client = site
    low = {**logistic_regression(), "evaluation_metrics": {"auroc": 0.6}}
    registry.register_model(ModelRegistration(title="low", metadata=low))
    page = client.get(
        "/leaderboards", params={"benchmark": "adni-conversion-v1", "metric": "auroc"}
    ).text
    order = re.findall(r'<tr class="(entry|threshold)">', page)
    assert order == ["entry", "threshold", "entry"]
    assert "gate: auroc ≥ 0.75" in page
    json_link = re.search(r'<a class="json" href="([^"]+)"', page)
    assert json_link is not None
    assert json_link.group(1) == "/api/v1/leaderboards/adni-conversion-v1?metric=auroc"
    assert client.get(json_link.group(1)).status_code == 200
    unknown = client.get("/leaderboards", params={"benchmark": "<b>adni-v9</b>"}).text
    assert "No model is registered against benchmark &lt;b&gt;adni-v9&lt;/b&gt;" in unknown
    assert "against a benchmark yet" not in unknown


def test_history_marks_overrides_and_errors_say_what_to_do(
    site: tuple[Registry, TestClient],
) -> None:
    _, client = site
    page = client.get("/history").text
    assert 'class="override"' in page
    assert "gate overridden" in page
    missing = client.get("/models/no-such-model-here")
    assert missing.status_code == 404
    assert "list of models" in missing.text
    assert "Content-Security-Policy" in missing.headers


def test_a_resolved_review_item_shows_who_resolved_it_not_how_to(
    site: tuple[Registry, TestClient],
) -> None:
    registry, client = site
    [item] = registry.list_reviews()  # an ambiguous code pin: the model is registered
    open_page = client.get("/review").text
    assert f"review resolve {item.artifact_id} --notes" in open_page
    assert "--set field=value" not in open_page  # that is for a model not registered yet
    registry.resolve_review(item.artifact_id, [], actor="curator", notes="<b>kept</b> as it is")
    page = client.get("/review", params={"status": "resolved"}).text
    assert "Resolved by curator at " in page
    assert ": &lt;b&gt;kept&lt;/b&gt; as it is" in page
    assert "review resolve" not in page  # no advice to resolve what is resolved
    assert "blocks registration" not in page


def test_a_legacy_row_the_registry_cannot_serve_says_to_correct_the_row(
    site: tuple[Registry, TestClient],
) -> None:
    """No ``--set`` changes a catalog row's id: the page must not advise one."""
    registry, client = site
    add_legacy(registry.database, "model id with spaces", logistic_regression())
    registry.backfill()
    [item] = [i for i in registry.list_reviews() if i.artifact_id == "model id with spaces"]
    assert item.blocking
    assert item.row_to_correct
    assert [r["field"] for r in item.reasons] == ["artifact_id"]
    assert "it is the catalog row's id; correct it in the catalog" in item.reasons[0]["reason"]
    page = client.get("/review").text
    section = page[page.index("model id with spaces") :]
    section = section[: section.index("</section>")]
    assert "correct the catalog row as the reasons say" in section
    assert "--set field=value" not in section


def test_pages_read_the_review_items_of_the_models_they_show(
    site: tuple[Registry, TestClient],
) -> None:
    """The models page marks a model with an open review; neither page reads the whole queue."""
    registry, client = site
    [item] = registry.list_reviews()  # the legacy model whose code pin is ambiguous
    for number in range(3):  # more open items, of models no page below shows
        add_legacy(registry.database, f"legacy-unshown-{number}", {"framework": "pytorch"})
    registry.backfill()
    assert len(registry.list_reviews()) == 4
    assert [i.artifact_id for i in registry.list_reviews(artifact_ids=[item.artifact_id])] == [
        item.artifact_id
    ]
    asked: list[Any] = []
    listed = registry.list_reviews

    def recording(status: str | None = "open", *, artifact_ids: Any = None) -> Any:
        asked.append(artifact_ids)
        return listed(status, artifact_ids=artifact_ids)

    registry.list_reviews = recording  # type: ignore[method-assign]
    models_page = client.get("/").text
    row = models_page[models_page.index(item.artifact_id) :]
    assert "open review" in row[: row.index("</tr>")]
    model_page = client.get(f"/models/{item.artifact_id}").text
    assert f"{item.reasons[0]['field']}: " in model_page  # its open item is shown
    assert len(asked) == 2
    assert all(ids is not None and len(ids) <= 50 for ids in asked)


def test_a_long_review_queue_is_shown_and_served_a_page_at_a_time(
    site: tuple[Registry, TestClient],
) -> None:
    """A large legacy catalog holds an item per held model: no page holds them all."""
    registry, client = site
    for number in range(60):
        add_legacy(registry.database, f"legacy-held-{number:02d}", {"framework": "pytorch"})
    registry.backfill()
    every = [item.artifact_id for item in registry.list_reviews()]
    assert len(every) == 61
    first = client.get("/review").text
    assert first.count('class="panel review-item"') == 50
    next_url = re.search(r'<a class="next" href="([^"]+)"', first)
    assert next_url is not None
    second = client.get(next_url.group(1).replace("&amp;", "&")).text
    assert second.count('class="panel review-item"') == 11
    assert 'class="next"' not in second
    served, token = [], None
    while True:
        params = {"page_size": 25, **({"page_token": token} if token else {})}
        response = client.get("/api/v1/review-queue", params=params)
        served += [item["artifact_id"] for item in response.json()["items"]]
        token = response.json()["next_page_token"]
        assert ("Link" in response.headers) == (token is not None)
        if token is None:
            break
    assert served == every
    open_token = client.get("/api/v1/review-queue", params={"page_size": 1}).json()[
        "next_page_token"
    ]
    elsewhere = client.get(
        "/api/v1/review-queue", params={"status": "resolved", "page_token": open_token}
    )
    assert elsewhere.status_code == 400  # a token is for the view it was made for


def test_a_metric_the_chosen_benchmark_does_not_report_falls_back_to_its_primary(
    site: tuple[Registry, TestClient],
) -> None:
    """The form sends the metric of the benchmark shown before: the page still lands."""
    registry, client = site
    other = {
        **logistic_regression(),
        "evaluation_metrics": {"rmse": 0.4, "mae": 0.3},
        "benchmark_id": "sites-regression-v2",
    }
    registry.register_model(ModelRegistration(title="regressor", metadata=other, **PIN))
    page = client.get(
        "/leaderboards", params={"benchmark": "sites-regression-v2", "metric": "auroc"}
    )
    assert page.status_code == 200
    # Its first metric in name order: the benchmark has no gate naming one.
    assert "No model of sites-regression-v2 reports auroc: ranked by mae" in page.text
    assert '<option value="mae" selected>' in page.text
    assert page.text.count('<tr class="entry">') == 1
    json_link = re.search(r'<a class="json" href="([^"]+)"', page.text)
    assert json_link is not None
    assert json_link.group(1) == "/api/v1/leaderboards/sites-regression-v2?metric=mae"
    # The gate's metric is the primary one, when the benchmark's models report it.
    gated = client.get("/leaderboards", params={"benchmark": "adni-conversion-v1", "metric": "mae"})
    assert gated.status_code == 200
    assert "ranked by auroc, its primary metric" in gated.text
    asked = client.get(
        "/leaderboards", params={"benchmark": "adni-conversion-v1", "metric": "auroc"}
    )
    assert "its primary metric" not in asked.text


def test_pages_name_versions_line_at_n(site: tuple[Registry, TestClient]) -> None:
    """Titles repeat across versions; ``line@N`` does not. Outside a line, the short id."""
    registry, client = site
    first = _register(registry, line="named-line")
    second = _register(registry, line="named-line")
    lone = _register(registry, title="lone model")
    registry.promote(first, actor="eval")
    registry.promote(second, actor="eval")
    registry.rollback("named-line", actor="oncall", notes="second one drifted")
    registry.promote(lone, actor="eval")
    history = client.get("/history").text
    assert f'<a href="/models/{second}">named-line@2</a>' in history
    assert f'<a href="/models/{lone}">{short_id_of(lone)}</a>' in history
    board = client.get("/leaderboards", params={"benchmark": "adni-conversion-v1"}).text
    assert f'<a href="/models/{first}">named-line@1</a>' in board
    compare = client.get("/compare", params={"ids": f"named-line@1,{lone}"}).text
    assert f'<a href="/models/{first}">named-line@1</a>' in compare
    model = client.get("/models/named-line@2").text
    timeline = model[model.index("Promotion timeline") :]
    timeline = timeline[: timeline.index("</ol>")]
    # The whole line's timeline: the rollback shows the version put back too.
    assert re.findall(r"(named-line@\d)</(?:a|strong)> <strong>(\w+) → (\w+)", timeline) == [
        ("named-line@1", "candidate", "promoted"),
        ("named-line@1", "promoted", "superseded"),
        ("named-line@2", "candidate", "promoted"),
        ("named-line@2", "promoted", "superseded"),
        ("named-line@1", "superseded", "promoted"),
    ]
    assert 'href="/history?line=named-line"' in model


def test_the_history_page_shows_a_lines_whole_history(site: tuple[Registry, TestClient]) -> None:
    """The line's every event from the log, newest first: the rollback moves both versions."""
    registry, client = site
    first = _register(registry, line="whole-line")
    second = _register(registry, line="whole-line")
    registry.promote(first, actor="eval")
    registry.promote(second, actor="eval")
    registry.rollback("whole-line", actor="oncall", notes="second one drifted")
    registry.set_tags(second, {"stage": "<b>x</b>"}, actor="<i>eval</i>")
    _register(registry, line="elsewhere")
    registry.promote("elsewhere", actor="eval")
    for line in ("whole-line", "whole-line@2", second):
        page = client.get("/history", params={"line": line})
        assert page.status_code == 200
        assert "<h1>History of line whole-line</h1>" in page.text
        shown = re.findall(
            r'>(whole-line@\d)</a>.*?<code>([a-z_.]+)</code></td><td class="what">([^<]*)',
            page.text,
        )
        assert shown == [
            ("whole-line@2", "tags.changed", "tags changed: set stage"),
            ("whole-line@1", "model.rolled_back", "superseded → promoted"),
            ("whole-line@2", "model.superseded", "promoted → superseded"),
            ("whole-line@2", "model.promoted", "candidate → promoted"),
            ("whole-line@1", "model.superseded", "promoted → superseded"),
            ("whole-line@1", "model.promoted", "candidate → promoted"),
            ("whole-line@2", "model.registered", "registered as version 2"),
            ("whole-line@1", "line.named", "line named whole-line"),
            ("whole-line@1", "model.registered", "registered as version 1"),
        ]
        assert '<td class="actor">&lt;i&gt;eval&lt;/i&gt;</td>' in page.text
        root = registry.get_model(first).id
        assert f'href="/api/v1/events?after=0&amp;line={root}"' in page.text
        assert "elsewhere" not in page.text.split("<tbody>")[1]
        assert "<i>eval</i>" not in page.text
    assert client.get("/api/v1/lines/whole-line/history").status_code == 200
    missing = client.get("/history", params={"line": "whole-l"})
    assert missing.status_code == 404
    assert "similar names: whole-line" in missing.text


def test_pages_speak_to_people(site: tuple[Registry, TestClient]) -> None:
    """Labels, not column names; unknown times in words; review items by title and what to do."""
    registry, client = site
    model = _register(registry, training_started_at=None, training_completed_at=None)
    page = client.get(f"/models/{model}").text
    assert "?" not in re.sub(r"<[^>]+>", "", page.split("<dt>Training</dt>")[1].split("</dd>")[0])
    assert "<dt>Training</dt><dd>not recorded" in page
    assert "<dt>Code commit</dt>" in page
    compare = client.get("/compare", params={"ids": model}).text
    for column in ("code_commit_sha", "training_completed_at", "promotion_state"):
        assert f"<th>{column}</th>" not in compare
    assert "<th>Code commit</th>" in compare
    assert "<th>Training completed</th><td>not recorded</td>" in compare
    [item] = registry.list_reviews()
    held = registry.get_model(item.artifact_id)
    review = client.get("/review").text
    heading = re.search(r'<section class="panel review-item"><h2>(.*?)</h2>', review)
    assert heading is not None
    assert f">{held.title}</a>" in heading.group(1)
    assert "POST /api/v1" not in review
    assert "What to do:" in review
    assert f'href="/api/v1/review-queue/{item.artifact_id}"' in review


def test_every_field_a_page_names_has_a_label(site: tuple[Registry, TestClient]) -> None:
    from dataclasses import fields

    from atlas_registry import ModelRecord
    from atlas_registry.web.labels import FIELD_LABELS

    assert {f.name for f in fields(ModelRecord)} <= set(FIELD_LABELS)


def _line_rows(html: str) -> list[str]:
    table = html.split('<table class="models lines">')[1].split("</table>")[0]
    return re.findall(r'<a class="line" href="/models/([^"]+)"', table)


def _outside_rows(html: str) -> list[str]:
    table = html.split('<table class="models outside">')[1].split("</table>")[0]
    return re.findall(r'</label><a href="/models/([^"]+)"', table)


def test_the_home_page_lists_one_row_per_line(site: tuple[Registry, TestClient]) -> None:
    """Like a registered-models list: newest and promoted version, its metric, state."""
    registry, client = site
    first = _register(registry, line="row-line")
    second = _register(registry, line="row-line")
    third = _register(registry, line="row-line")
    registry.promote(first, actor="eval")
    registry.promote(second, actor="eval")
    registry.reject(third, actor="eval", notes="leaked labels")
    lone = _register(registry, title="lone model")
    html = client.get("/").text
    assert _line_rows(html).count("row-line") == 1
    row = html[html.index('href="/models/row-line"') :]
    row = row[: row.index("</tr>")]
    assert f'<a href="/models/{third}">row-line@3</a> <span class="badge state-rejected">' in row
    assert f'<a href="/models/{second}">row-line@2</a>' in row  # promoted
    assert "auroc 0.83" in row  # the promoted version's primary metric
    assert 'href="/versions?line=row-line">3 versions</a>' in row  # versions one click away
    assert 'href="/history?line=row-line"' in row
    assert f'value="{third}" form="compare"' in row
    assert f'value="{second}" form="compare"' in row
    assert lone in _outside_rows(html)  # outside any named line, still listed
    assert first not in _outside_rows(html)
    assert 'href="/api/v1/lines"' in html


def test_ticked_rows_are_compared_without_javascript(site: tuple[Registry, TestClient]) -> None:
    """The tick boxes belong to a plain GET form: ids=a&ids=b, as a browser sends them."""
    registry, client = site
    first, second = _register(registry, line="ticked"), _register(registry, line="ticked")
    html = client.get("/").text
    assert '<form id="compare" method="get" action="/compare">' in html
    compare = client.get(f"/compare?ids={first}&ids={second}").text
    assert compare.count('<a class="json" href="/api/v1/models/') == 2
    assert f'<a href="/models/{second}">ticked@2</a>' in compare


def test_the_home_page_searches_line_names_and_titles(site: tuple[Registry, TestClient]) -> None:
    registry, client = site
    _register(registry, line="vision-encoder", title="Retina Scan 100%")
    _register(registry, line="speech-model", title="Whisper Tuned")
    lone = _register(registry, title="Retina outlier")
    for search, lines in (
        ("vision", ["vision-encoder"]),  # a line's name
        ("RETINA", ["vision-encoder"]),  # a title, in either case
        ("100%", ["vision-encoder"]),  # % is a character, not a wildcard
        ("_", []),
        ("whisper", ["speech-model"]),
        ("\x00", []),
    ):
        html = client.get("/", params={"search": search}).text
        assert _line_rows(html) == lines, search
        assert f'href="/api/v1/lines?{urlencode({"search": search})}"' in html
        api = client.get("/api/v1/lines", params={"search": search}).json()["items"]
        assert [line["name"] for line in api] == lines, search
    html = client.get("/", params={"search": "retina"}).text
    assert _outside_rows(html) == [lone]
    assert _outside_rows(client.get("/", params={"search": "whisper"}).text) == []
    hostile = client.get("/", params={"search": HOSTILE}).text
    assert "<img src=x" not in hostile


def test_the_home_pages_lists_are_paged_and_survive_back(
    site: tuple[Registry, TestClient],
) -> None:
    """Each list pages by keyset in the query string; a token is for its own search."""
    registry, client = site
    for number in range(53):
        _register(registry, line=f"paged-{number:02d}")
    first = client.get("/", params={"search": "paged"}).text
    assert len(_line_rows(first)) == 50
    next_url = re.search(r'<a class="next" href="([^"]+)">More lines', first)
    assert next_url is not None
    url = next_url.group(1).replace("&amp;", "&")
    assert "search=paged" in url
    second = client.get(url).text
    assert _line_rows(second) == ["paged-50", "paged-51", "paged-52"]
    assert client.get(url).text == second  # the same address, the same page
    token = re.search(r"page_token=([^&]+)", url)
    assert token is not None
    other = client.get("/", params={"search": "other", "page_token": token.group(1)})
    assert other.status_code == 400
    assert "made for other filters" in other.text


def test_a_link_to_the_old_list_of_versions_still_lands(site: tuple[Registry, TestClient]) -> None:
    _, client = site
    moved = client.get("/", params={"promotion_state": "candidate"}, follow_redirects=False)
    assert moved.status_code == 307
    assert moved.headers["location"] == "/versions?promotion_state=candidate"
