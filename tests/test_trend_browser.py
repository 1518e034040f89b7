"""The metric trend in a real Chromium, at a desk and on a phone: no text clipped or crossed.

Seen at 390 px: the newest value's label cut at the chart's right edge, the
gate's label crossed by the line or over a value's, the value axis's title over
its ticks once values reach 100000, and 0.28 printed "0.2800" beside 0.29 and
0.27. Each chart here is measured as drawn, whatever the data's shape: tiny,
large, negative, many versions, a gate among the values.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from atlas_registry import ModelRegistration, Registry
from tests import test_browser as shared
from tests.conftest import copy_migrated
from tests.payloads import biophysical_ode, logistic_regression
from tests.server_helpers import served_in_thread

browser_type_launch_args = shared.browser_type_launch_args
guarded_page = shared.guarded_page

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PIN = {"code_repo_url": "https://github.com/lab/models", "code_commit_sha": "3f1c2a9"}
# line -> (payload, metric, benchmark, values by version)
SHAPES: dict[str, tuple[Any, str, str | None, list[float]]] = {
    "fast-asr": (logistic_regression, "wer", None, [0.3 - 0.01, 0.3 - 0.02, 0.3 - 0.03]),
    "kinetics": (biophysical_ode, "rmse", "amyloid-kinetics-v1", [0.11, 0.095, 0.105, 0.098]),
    "big-errors": (logistic_regression, "wer", None, [100000.0, 52000.0, 61000.0]),
    "tiny-loss": (logistic_regression, "log_loss", None, [1.2e-6, 1.5e-6, 1.1e-6]),
    "signed": (logistic_regression, "r2", None, [-0.42, -0.05, 0.12, -0.3]),
    "near-gate": (
        logistic_regression,
        "auroc",
        "adni-conversion-v1",
        [0.74 + (n % 3) / 100 + n / 400 for n in range(12)],
    ),
    "steep": (logistic_regression, "auroc", "adni-conversion-v1", [0.6, 0.95, 0.6, 0.95, 0.76]),
}

# Every text of each trend as drawn: inside the chart, apart from every other text,
# and crossed by neither the values' line nor the gate's.
MEASURE = """svg => {
  const box = r => ({l: r.left + 1, r: r.right - 1, t: r.top + 1, b: r.bottom - 1});
  const frame = svg.getBoundingClientRect();
  const texts = [...svg.querySelectorAll('text')].map(
    t => [t.textContent, box(t.getBoundingClientRect())]);
  const matrix = svg.getScreenCTM();
  const at = (x, y) => { const p = new DOMPoint(x, y).matrixTransform(matrix); return [p.x, p.y]; };
  const segments = [];
  const line = svg.querySelector('polyline').points;
  for (let i = 1; i < line.numberOfItems; i++) {
    const a = line.getItem(i - 1), b = line.getItem(i);
    segments.push(['line', ...at(a.x, a.y), ...at(b.x, b.y)]);
  }
  for (const g of svg.querySelectorAll('line.gate:not(.key)')) {
    const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map(k => g[k].baseVal.value);
    segments.push(['gate', ...at(x1, y1), ...at(x2, y2)]);
  }
  const crosses = (b, x1, y1, x2, y2) => {
    for (let k = 0; k <= 200; k++) {
      const x = x1 + (x2 - x1) * k / 200, y = y1 + (y2 - y1) * k / 200;
      if (x > b.l && x < b.r && y > b.t && y < b.b) return true;
    }
    return false;
  };
  const problems = [];
  texts.forEach(([text, b], i) => {
    if (b.l < frame.left || b.r > frame.right || b.t < frame.top || b.b > frame.bottom)
      problems.push(`"${text}" runs off the chart`);
    texts.slice(i + 1).forEach(([other, c]) => {
      if (b.l < c.r && c.l < b.r && b.t < c.b && c.t < b.b)
        problems.push(`"${text}" overlaps "${other}"`);
    });
    for (const [kind, ...s] of segments) {
      if (kind === 'gate' && /^-?[0-9.e+-]+$/.test(text)) continue;  // a value may cross it
      if (crosses(b, ...s)) problems.push(`the ${kind} crosses "${text}"`);
    }
  });
  return problems;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[str]:
    url = copy_migrated(migrated_sqlite, tmp_path_factory.mktemp("trends") / "site.db")
    with Registry.open(url) as registry:
        for line, (payload, metric, benchmark, values) in SHAPES.items():
            for value in values:
                metadata = {**payload(), "evaluation_metrics": {metric: value}}
                metadata.pop("benchmark_id", None)
                if benchmark:
                    metadata["benchmark_id"] = benchmark
                registry.register_model(
                    ModelRegistration(title=line, line=line, metadata=metadata, **PIN)
                )
    with served_in_thread(url) as base:
        yield base


@pytest.mark.parametrize("width", [1280, 390])
def test_no_text_of_a_trend_is_clipped_crossed_or_covered(
    guarded_page: Any, site: str, width: int, tmp_path: Path
) -> None:
    page = guarded_page
    page.set_viewport_size({"width": width, "height": 900})
    problems = {}
    for line, (_, _, _, values) in SHAPES.items():
        page.goto(f"{site}/models/{line}@{len(values)}")
        chart = page.locator("svg.trend")
        problems[line] = chart.evaluate(MEASURE)
        assert chart.locator("text.value").all_text_contents(), line  # printed where there is room
    assert problems == {line: [] for line in SHAPES}
    page.goto(f"{site}/models/fast-asr@3")
    assert page.locator("svg.trend text.value").all_text_contents() == ["0.29", "0.28", "0.27"]


def test_the_newest_value_is_always_labelled(guarded_page: Any, site: str) -> None:
    page = guarded_page
    page.set_viewport_size({"width": 390, "height": 900})
    for line, (_, _, _, values) in SHAPES.items():
        page.goto(f"{site}/models/{line}@{len(values)}")
        labels = page.locator("svg.trend text.value")
        newest = page.locator("svg.trend circle").last.bounding_box()
        nearest = min(
            (abs(b["x"] + b["width"] / 2 - newest["x"]), b["y"])
            for b in (labels.nth(i).bounding_box() for i in range(labels.count()))
        )
        assert nearest[0] < 40, line  # a label stands beside the newest dot
