"""Figures on pages: metrics rounded for reading, exact in JSON; a trend chart fit for a slide."""

from __future__ import annotations

import itertools
import math
import re

import pytest
from markupsafe import Markup

from atlas_registry.web.graph import GateLine, trend_svg
from atlas_registry.web.numbers import shown_number
from tests.payloads import logistic_regression
from tests.test_api import Service, svc  # noqa: F401  (the fixture)

EXACT = 0.791689547867472
# Where the exact value is meant to be: the metadata document (JSON) and a point's tooltip.
EXACT_PLACES = re.compile(r"<pre>.*?</pre>|<title>.*?</title>", re.DOTALL)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (EXACT, "0.7917"),
        (0.86, "0.86"),
        (1.0, "1"),
        (0.99996, "1.0000"),  # rounded up: the zeros say so, it is not a perfect 1
        (12.3456, "12.35"),
        (0.00012345, "0.0001234"),
        (123456789.0, "1.235e+08"),
        (1e-9, "1e-09"),
        (-0.0423456, "-0.04235"),
        (0.0, "0"),
        # A float's own noise is not rounding: 0.3 - 0.02 reads like its neighbours.
        (0.3 - 0.02, "0.28"),
        (0.1 + 0.2, "0.3"),
        (0.7000000000000001, "0.7"),
        (0.28001, "0.2800"),  # rounded at the fourth digit: the zeros say so
        (math.inf, "inf"),
        (math.nan, "nan"),
    ],
)
def test_a_number_is_shown_to_four_significant_digits(value: float, shown: str) -> None:
    assert shown_number(value) == shown


def _metric_model(svc: Service, value: float, line: str = "figures") -> str:  # noqa: F811
    metadata = {**logistic_regression(), "evaluation_metrics": {"auroc": value, "brier": 0.1}}
    body = svc.register(metadata=metadata, line=line)
    return str(body["id"])


def test_every_page_that_shows_a_metric_rounds_it_and_json_keeps_it(
    svc: Service,  # noqa: F811
) -> None:
    first = _metric_model(svc, EXACT)
    _metric_model(svc, 0.8123456789012345)
    assert svc.post(f"/api/v1/models/{first}/promote", {}, "promote").is_success
    model = svc.client.get(f"/api/v1/models/{first}").json()
    assert model["eval_metrics"]["auroc"] == EXACT
    pages = [
        f"/models/{first}",
        "/",  # a line's row: its promoted version's metric
        "/versions",
        f"/compare?ids={first},figures@2",
        "/leaderboards?benchmark=adni-conversion-v1&metric=auroc",
    ]
    for path in pages:
        answer = svc.client.get(path)
        assert answer.status_code == 200, path
        shown = EXACT_PLACES.sub("", answer.text)
        assert "0.7917" in shown, path
        assert "0.79168" not in shown, path
    board = svc.client.get("/api/v1/leaderboards/adni-conversion-v1?metric=auroc").json()
    assert EXACT in [entry["value"] for entry in board["items"]]


def test_the_model_pages_trend_has_axes_versions_values_and_the_gate(
    svc: Service,  # noqa: F811
) -> None:
    for value in (0.78, EXACT, 0.8123456789012345):
        _metric_model(svc, value)
    html = svc.client.get("/models/figures@3").text
    chart = html[html.index('<svg class="trend"') :]
    chart = chart[: chart.index("</svg>")]
    assert ">version</text>" in chart
    assert ">auroc</text>" in chart  # the value axis's title
    assert re.findall(r">v\d+<", chart) == [">v1<", ">v2<", ">v3<"]
    assert ">0.7917</text>" in chart
    assert f"<title>v2: {EXACT!r}</title>" in chart  # exact on hover
    assert "gate: auroc ≥ 0.75" in chart
    assert 'class="gate"' in chart


def test_the_gate_line_is_drawn_within_the_chart_even_far_from_the_values() -> None:
    chart = str(trend_svg([(1, 0.91), (2, 0.93)], "auroc", GateLine(0.5, at_least=True)))
    gate_y = float(re.search(r'<line class="gate" [^>]*y1="([\d.]+)"', chart).group(1))  # type: ignore[union-attr]
    dots = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', chart)]
    assert all(gate_y > y for y in dots)  # at least 0.5: below both values
    assert 0 < gate_y < 230


def test_a_metric_name_in_the_chart_is_text() -> None:
    chart = trend_svg([(1, 0.1), (2, 0.2)], "<script>alert(1)</script>")
    assert isinstance(chart, Markup)
    assert "<script>" not in str(chart)
    assert "&lt;script&gt;" in str(chart)


def test_many_versions_keep_their_labels_apart() -> None:
    points = [(n, 0.7 + n / 100) for n in range(1, 41)]
    chart = str(trend_svg(points, "auroc"))
    labels = [int(n) for n in re.findall(r">v(\d+)<", chart)]
    assert labels[0] == 1
    assert labels[-1] == 40
    assert len(labels) <= 11
    assert all(b - a >= 4 for a, b in itertools.pairwise(labels))
    assert '<text class="value"' not in chart  # too many to print: tooltips keep them


def test_close_values_get_distinct_axis_labels() -> None:
    chart = str(trend_svg([(1, 0.8000001), (2, 0.8000003)], "auroc"))
    labels = re.findall(r'<text class="axis-tick" [^>]*text-anchor="end">([^<]+)</text>', chart)
    assert len(labels) >= 2
    assert len(set(labels)) == len(labels), labels


def test_a_long_metric_name_is_cut_in_the_chart_and_whole_in_its_label() -> None:
    name = "balanced_accuracy_on_the_held_out_longitudinal_follow_up_visits"
    chart = str(trend_svg([(1, 0.5), (2, 0.6)], name))
    assert f'aria-label="{name} by version"' in chart
    assert f">{name} by version<" not in chart


def _texts(chart: str) -> list[tuple[str, float, float, str]]:
    """Each text's class, x, y and words (the rotated axis title left out)."""
    return [
        (cls, float(x), float(y), words)
        for cls, x, y, words in re.findall(
            r'<text class="([\w -]+)" x="([-\d.]+)" y="([-\d.]+)"[^>]*>([^<]*)</text>', chart
        )
    ]


def test_the_gate_is_named_above_the_plot_where_no_line_crosses_its_words() -> None:
    chart = str(trend_svg([(1, 0.31), (2, 0.29), (3, 0.305)], "wer", GateLine(0.3, at_least=False)))
    plot_top = min(float(y) for y in re.findall(r'<line class="axis" [^>]*y1="([\d.]+)"', chart))
    [(_, _, key_y, words)] = [t for t in _texts(chart) if t[0] == "gate"]
    assert words == "gate: wer ≤ 0.3"
    assert key_y < plot_top - 8
    dots = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', chart)]
    assert all(y > plot_top for y in dots)


def test_the_newest_value_is_labelled_inside_the_chart_and_the_ticks_clear_the_title() -> None:
    chart = str(trend_svg([(1, 100000.0), (2, 52000.0), (3, 61000.0)], "wer"))
    values = {words for cls, _, _, words in _texts(chart) if cls == "value"}
    assert values == {"100000", "52000", "61000"}
    newest = re.search(
        r'<text class="value" x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)">61000<', chart
    )
    assert newest is not None
    x, anchor = float(newest.group(1)), newest.group(2)
    half = {"middle": 0.5, "end": 0.0, "start": 1.0}[anchor]
    assert x + half * 5 * 11 * 0.64 <= 400  # its last digit inside the 400-wide chart
    ticks = re.findall(
        r'<text class="axis-tick" x="([\d.]+)" y="[\d.]+" text-anchor="end">(\d+)<', chart
    )
    # Right-aligned tick labels start right of the rotated title's band (it ends near x=18).
    assert all(float(x) - len(words) * 12 * 0.6 >= 18 for x, words in ticks), ticks
