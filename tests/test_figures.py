"""The figure functions on known inputs: legible on a 390 px phone whatever the data (many
categories, long names), axis titles on every axis, bars from zero, one scale per panel, and
labels from the dataset escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from builder.render import figure_charts as charts
from builder.render import figure_grids as grids
from builder.render.figures import MAX_WIDTH, PHONE_WIDTH, nice_ticks, wrap
from figure_checks import NS, svg_problems, zero_line_y


def _root(data: bytes):
    return ET.fromstring(data)


def _width(data: bytes) -> float:
    return float(_root(data).get("viewBox").split()[2])


def _ytick_values(data: bytes) -> list[list[float]]:
    """The y tick labels of each panel, in drawing order, split where the values start again."""
    panels, last = [], None
    for g in _root(data).iter(NS + "g"):
        if g.get("class") == "ytick":
            v = float(g.find(NS + "text").text)
            if last is None or v <= last:
                panels.append([])
            panels[-1].append(v)
            last = v
    return panels


def test_bars_start_at_zero_even_when_every_value_is_near_one():
    svg = charts.bar_chart(["reference", "squash", "crop-88"], [1.0, 0.999, 0.90], "Similarity", "mean cosine",
                           "variant")
    assert svg_problems(svg) == []
    root = _root(svg)
    zero = zero_line_y(root)
    bars = [r for r in root.iter(NS + "rect") if r.get("class") == "bar"]
    assert len(bars) == 3 and zero is not None
    bottoms = [float(r.get("y")) + float(r.get("height")) for r in bars]
    assert bottoms == pytest.approx([zero] * 3, abs=0.11)
    heights = [float(r.get("height")) for r in bars]
    assert heights[2] / heights[0] == pytest.approx(0.90, abs=0.01)  # a bar's length is its value


def test_negative_bars_hang_from_zero():
    svg = charts.bar_chart(["a", "b"], [0.5, -0.25], "Signed", "value", "name")
    assert svg_problems(svg) == []
    root = _root(svg)
    zero = zero_line_y(root)
    a, b = [r for r in root.iter(NS + "rect") if r.get("class") == "bar"]
    assert float(a.get("y")) + float(a.get("height")) == pytest.approx(zero, abs=0.11)
    assert float(b.get("y")) == pytest.approx(zero, abs=0.11) and float(b.get("height")) > 0


def test_the_checker_finds_a_bar_that_does_not_start_at_zero():
    svg = charts.bar_chart(["a"], [1.0], "t", "value", "name").decode()
    bad = re.sub(r'(<rect class="bar" x="[^"]+" y=")([^"]+)(" width="[^"]+" height=")([^"]+)"',
                 lambda m: f'{m[1]}{m[2]}{m[3]}{float(m[4]) / 2:g}"', svg)
    assert any("does not start at the zero line" in p for p in svg_problems(bad.encode()))


def test_panels_keep_each_series_on_its_own_scale():
    small = [{"name": f"c{i}", "x": [0, 1, 2], "y": [0, 1 + i * 0.5, 2 + i]} for i in range(3)]
    big = [{"name": "pooled", "x": [0, 1, 2], "y": [0, 20, 40]}]
    svg = charts.line_panels([{"ylabel": "distance", "series": small}, {"ylabel": "distance", "series": big}],
                             "Two scales", "sigma (pixels)")
    assert svg_problems(svg) == []
    first, second = _ytick_values(svg)
    assert max(first) <= 5 and max(second) >= 40  # the small series are not squashed under the big one
    assert len(_root(svg).findall(f".//{NS}text[@class='ylabel']")) == 2


def test_line_chart_text_is_legible_on_a_phone_and_titles_wrap():
    title = "A long title that would not fit on one line of a figure that is narrow enough for a phone"
    svg = charts.line_chart([{"name": "mean", "x": [1, 10, 100], "y": [1, 0.8, 0.5]}], title,
                            "pixels changed (log scale)", "cosine similarity", xlog=True)
    assert svg_problems(svg) == []
    assert _width(svg) <= MAX_WIDTH
    titles = [t.text for t in _root(svg).iter(NS + "text") if t.get("class") == "title"]
    assert len(titles) >= 2 and " ".join(titles) == title
    assert [g.find(NS + "text").text for g in _root(svg).iter(NS + "g") if g.get("class") == "xtick"] == \
        ["1", "2", "5", "10", "20", "50", "100"]


@pytest.mark.parametrize("n", [3, 8, 30])
def test_heatmap_stays_phone_wide_for_any_number_of_categories(n):
    names = [f"shape {i}" for i in range(n)] if n <= 8 else \
        [f"shape {i}" for i in range(n - 1)] + ["a category with a very long name"]
    m = np.arange(n * n, dtype=float).reshape(n, n) / 4
    svg = charts.heatmap(m, names, names, "Distances", xlabel="category", ylabel="category", unit="distance")
    assert svg_problems(svg) == [] and _width(svg) <= MAX_WIDTH
    cells = [r for r in _root(svg).iter(NS + "rect") if r.find(NS + "title") is not None]
    assert len(cells) == n * n  # every value stays in a tooltip
    printed = [t.text for t in _root(svg).iter(NS + "text") if re.fullmatch(r"[0-9.]+", t.text or "")]
    assert (len(printed) >= n * n) == (n <= 8)  # printed in the cells only while they fit
    if n > 8:
        assert "a category with…" in svg.decode()  # long names are cut, the whole name in the tooltips


def test_grids_are_two_panels_a_row_and_label_their_axes():
    rng = np.random.default_rng(0)
    panels = [{"title": f"group {k}", "h0": [[0, float(d)] for d in rng.random(10)],
               "h1": [[float(b), float(b) + 0.2] for b in rng.random(5)], "h0_infinite": 1} for k in range(7)]
    for svg in (grids.diagram_grid(panels, "Diagrams"), grids.barcode_grid(panels, title="Barcodes"),
                grids.scatter_grid([{"title": "a", "xy": rng.random((20, 2)).tolist(), "group": [0, 1] * 10}] * 3,
                                   ["red", "blue"], "Scatter", "PC 1 (distance)", "PC 2 (distance)")):
        assert svg_problems(svg) == [] and _width(svg) <= MAX_WIDTH
        assert all(t.text for t in _root(svg).iter(NS + "text") if t.get("class") == "xlabel")
    diag = _root(grids.diagram_grid(panels, "Diagrams"))
    assert sum(t.get("class") == "xlabel" for t in diag.iter(NS + "text")) == 7
    assert sum(t.get("class") == "ylabel" for t in diag.iter(NS + "text")) == 4  # first column of 4 rows


def test_the_checker_finds_small_text_and_missing_axis_titles():
    svg = charts.line_chart([{"name": "a", "x": [0, 1], "y": [0, 1]}], "t", "x (unit)", "y (unit)").decode()
    wide = re.sub(r'viewBox="0 0 (\S+) ', lambda m: f'viewBox="0 0 {float(m[1]) * 2:g} ', svg, count=1)
    assert any("px on a phone" in p for p in svg_problems(wide.encode()))
    unlabelled = svg.replace('class="ylabel"', 'class="other"')
    assert svg_problems(unlabelled.encode()) == ["figure: no ylabel"]
    assert PHONE_WIDTH * 12 / MAX_WIDTH >= 10


def test_dataset_labels_are_escaped():
    svg = charts.heatmap([[1.0, 2.0], [3.0, 4.0]], ["<script>x</script>", "b"], ["c", "d&e"], "t <b>",
                         xlabel="x", ylabel="y").decode()
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "d&amp;e" in svg and "<b>" not in svg


def test_helpers():
    assert wrap("one two three four", 50, 10) == ["one two", "three", "four"]
    assert nice_ticks(0, 1, 4) == [0, 0.25, 0.5, 0.75, 1.0]
