"""Lasso and box selection in the explorer (issue #18): a lasso drawn with the mouse selects
exactly the points whose screen position (the explorer's own projection) lies inside it; the
box tool adds (Shift), subtracts (Alt) and clears (Esc); touch selects through the tool
button; the panel counts the selection; CSV and JSON exports have the right rows; the URL
keeps a small selection and says when one is too large."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from builder.render.preview_server import serve_site
from conftest import _make_site
from explorer_helpers import assert_clean, open_explorer_patiently as open_explorer

SCREEN_ALL = """() => { const a = window.__atlas, out = [];
  for (let i = 0; i < a.pointCount; i++) { const q = a.projectPoint(i); out.push(q.visible ? [q.x, q.y] : [NaN, NaN]); }
  return out; }"""
SELECTION = "() => window.__atlas.state.selection ? Array.from(window.__atlas.state.selection) : []"


def _inside(xy: np.ndarray, poly: list) -> np.ndarray:
    """Even-odd point-in-polygon in numpy (written apart from the explorer's JS)."""
    x, y = xy[:, 0], xy[:, 1]
    inside = np.zeros(len(xy), bool)
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1]):
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = (x2 - x1) * (y - y1) / (y2 - y1) + x1
        inside ^= crosses & (x < xc)
    return inside & np.isfinite(x)


def _edge_distance(xy: np.ndarray, poly: list) -> np.ndarray:
    """Each point's distance (px) to the nearest polygon edge."""
    best = np.full(len(xy), np.inf)
    for a, b in zip(poly, poly[1:] + poly[:1]):
        a, b = np.array(a, float), np.array(b, float)
        t = np.clip(((xy - a) @ (b - a)) / max(np.dot(b - a, b - a), 1e-9), 0, 1)
        best = np.minimum(best, np.linalg.norm(xy - (a + t[:, None] * (b - a)), axis=1))
    return best


def _drag(page, poly, keys=()):
    for k in keys:
        page.keyboard.down(k)
    page.mouse.move(*poly[0])
    page.mouse.down()
    for p in poly[1:] + poly[:1]:
        page.mouse.move(*p, steps=8)
    page.mouse.up()
    for k in reversed(keys):
        page.keyboard.up(k)


def _drag_box(page, box, keys=()):
    """Drag from the box's first corner to the opposite one."""
    for k in keys:
        page.keyboard.down(k)
    page.mouse.move(*box[0])
    page.mouse.down()
    page.mouse.move(*box[2], steps=8)
    page.mouse.up()
    for k in reversed(keys):
        page.keyboard.up(k)


def _canvas(page):
    return page.evaluate("(() => { const r = document.getElementById('view').getBoundingClientRect(); "
                         "return [r.left, r.top, r.width, r.height]; })()")


def _expected(page, poly) -> tuple[set, set]:
    """Points inside `poly` (page px), and the ambiguous ones within half a pixel of an edge."""
    xy = np.array(page.evaluate(SCREEN_ALL), float)
    inside = _inside(xy, poly)
    near = np.isfinite(xy[:, 0]) & (_edge_distance(np.nan_to_num(xy, nan=-1e6), poly) < 0.5)
    return set(np.flatnonzero(inside).tolist()), set(np.flatnonzero(near).tolist())


def _box(cx, cy, w, h):
    return [(cx - w / 2, cy - h / 2), (cx + w / 2, cy - h / 2), (cx + w / 2, cy + h / 2), (cx - w / 2, cy + h / 2)]


def test_shift_drag_lasso_selects_exactly_the_points_inside(page, base_url, site):
    open_explorer(page, base_url)
    left, top, w, h = _canvas(page)
    cx, cy = left + w / 2, top + h / 2
    # a concave lasso (a U): its notch's points must stay out
    poly = [(cx - 220, cy - 160), (cx - 90, cy - 160), (cx - 90, cy + 40), (cx + 60, cy + 40), (cx + 60, cy - 160),
            (cx + 200, cy - 160), (cx + 200, cy + 180), (cx - 220, cy + 180)]
    expected, ambiguous = _expected(page, poly)
    assert len(expected) > 50
    notch = _box(cx - 15, cy - 60, 140, 190)
    in_notch, _ = _expected(page, notch)
    assert in_notch and not (in_notch & expected)
    _drag(page, poly, keys=("Shift",))
    got = set(page.evaluate(SELECTION))
    assert got - ambiguous == expected - ambiguous
    # the selection is drawn: the rest dimmed, and the panel counts it
    panel = page.locator("#selection")
    assert panel.is_visible()
    n_img = sum(1 for p in got if p < site["counts"]["I"])
    assert f"{len(got):,} points · {n_img:,} images · {len(got) - n_img:,} captions" in panel.inner_text()
    assert "The link in the address bar keeps this selection." in panel.inner_text()
    assert panel.locator(".sel-thumb").count() > 0
    assert "nearest captions" in panel.inner_text().lower()
    page.wait_for_function("!document.querySelector('#selection').innerText.includes('finding them')")
    assert page.locator(".sel-near li").count() > 0
    assert "precomputed nearest neighbours" in panel.inner_text()  # the synthetic site has no index
    assert_clean(page, base_url)


def test_box_tool_adds_subtracts_and_clears(page, base_url, site):
    open_explorer(page, base_url)
    left, top, w, h = _canvas(page)
    cx, cy = left + w / 2, top + h / 2
    page.click("#tool-box")
    assert page.get_attribute("#tool-box", "aria-pressed") == "true"
    a, b, c = _box(cx - 120, cy, 200, 260), _box(cx + 120, cy, 200, 260), _box(cx, cy, 120, 400)
    (ea, amb_a), (eb, amb_b), (ec, amb_c) = (_expected(page, p) for p in (a, b, c))
    amb = amb_a | amb_b | amb_c
    _drag_box(page, a)
    assert set(page.evaluate(SELECTION)) - amb == ea - amb
    _drag_box(page, b, keys=("Shift",))
    assert set(page.evaluate(SELECTION)) - amb == (ea | eb) - amb
    _drag_box(page, c, keys=("Alt",))
    assert set(page.evaluate(SELECTION)) - amb == (ea | eb) - ec - amb
    assert page.is_enabled("#clear-selection")
    page.keyboard.press("Escape")
    assert page.evaluate(SELECTION) == []
    assert page.locator("#selection").is_hidden() and not page.is_enabled("#clear-selection")
    assert "s=" not in page.evaluate("location.hash")
    # with a tool chosen a plain drag selects, and the camera stays where it was
    view = page.evaluate("JSON.stringify(window.__atlas.camera.getView())")
    _drag_box(page, a)
    assert page.evaluate("JSON.stringify(window.__atlas.camera.getView())") == view
    page.click("#clear-selection")
    assert page.evaluate(SELECTION) == []
    # without a tool a plain drag orbits again
    page.click("#tool-box")
    _drag_box(page, a)
    assert page.evaluate(SELECTION) == [] and page.evaluate("JSON.stringify(window.__atlas.camera.getView())") != view


def test_a_box_drawn_from_a_hovered_point_closes_its_hover_card(page, base_url, site):
    open_explorer(page, base_url)
    left, top, w, h = _canvas(page)
    xy = np.array(page.evaluate(SCREEN_ALL), float)
    ok = np.isfinite(xy[:, 0]) & (np.abs(xy[:, 0] - w / 2) < w / 4) & (np.abs(xy[:, 1] - h / 2) < h / 4)
    p = int(np.flatnonzero(ok)[0])
    x, y = left + xy[p, 0], top + xy[p, 1]
    page.click("#tool-box")
    page.mouse.move(x - 3, y - 3)
    page.mouse.move(x, y, steps=3)
    page.wait_for_function("window.__atlas.state.hover >= 0")
    page.locator("#card").wait_for(state="visible")
    page.mouse.down()
    page.mouse.move(x + 120, y + 90, steps=8)
    assert page.locator("#card").is_hidden()  # the card of the point the box began on is gone
    page.mouse.up()
    assert page.evaluate(SELECTION), "the box selected nothing"
    assert page.locator("#card").is_hidden() and page.evaluate("window.__atlas.state.hover") == -1


def test_touch_selects_through_the_tool_button(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        open_explorer(page, base_url)
        page.evaluate("window.__atlas.hint && window.__atlas.hint.dismiss()")
        page.tap("#tool-box")
        left, top, w, h = _canvas(page)
        p0, p1 = (left + 60, top + 160), (left + w - 60, top + 420)
        expected, amb = _expected(page, [p0, (p1[0], p0[1]), p1, (p0[0], p1[1])])
        cdp = context.new_cdp_session(page)
        touch = lambda kind, pts: cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": pts})
        touch("touchStart", [{"x": p0[0], "y": p0[1]}])
        for t in np.linspace(0, 1, 10)[1:]:
            touch("touchMove", [{"x": p0[0] + t * (p1[0] - p0[0]), "y": p0[1] + t * (p1[1] - p0[1])}])
        touch("touchEnd", [])
        page.wait_for_function("window.__atlas.state.selection !== null")
        got = set(page.evaluate(SELECTION))
        assert expected and got - amb == expected - amb
        page.wait_for_selector("#selection:not([hidden])")
        # the sheet lies over the legend: opaque, so the legend's text does not show through its counts
        bg = page.evaluate("getComputedStyle(document.getElementById('selection')).backgroundColor")
        assert bg.startswith("rgb(") or bg.endswith(", 1)"), bg
    finally:
        context.close()


def _read_download(page, selector: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.click(selector)
    d = info.value
    return d.suggested_filename, open(d.path(), encoding="utf-8").read()


def test_export_csv_and_json_have_the_selected_rows(page, base_url, site):
    open_explorer(page, base_url)
    I = site["counts"]["I"]
    chosen = sorted({0, 5, I - 1, *site["hostile"], site["unicode"]["point"], I + 40})
    page.evaluate("(p) => window.__atlas.setSelection(p)", chosen)
    page.wait_for_selector("#selection:not([hidden])")
    pos = np.fromfile(site["root"] / "data" / site["dataset"] / "positions.bin", "<f2").astype(float).reshape(-1, 3)
    name, text = _read_download(page, '[data-export="csv"]')
    assert name == f"selection-{site['dataset']}-{len(chosen)}.csv"
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [int(r["point"]) for r in rows] == chosen
    items = site["items"]
    for r in rows:
        p = int(r["point"])
        image = p if p < I else int(site["caption_image"][p - I])
        assert r["kind"] == ("image" if p < I else "caption")
        assert (r["id"], r["file"]) == (items["ids"][image], items["files"][image])
        assert r["caption"] == ("" if p < I else site["captions"][p - I])  # hostile text arrives as text
        assert r["projection"] == "umap"
        assert np.allclose([float(r["x"]), float(r["y"]), float(r["z"])], pos[p], atol=1e-4)
        assert r["label:category"]  # the synthetic site's one field
    name, text = _read_download(page, '[data-export="json"]')
    data = json.loads(text)
    assert name.endswith(".json") and data["count"] == len(chosen) and data["dataset"] == site["dataset"]
    assert [r["point"] for r in data["rows"]] == chosen
    assert data["rows"][-1]["caption"] == site["captions"][chosen[-1] - I]
    assert page.evaluate("window.__xss") is None
    assert_clean(page, base_url)


def test_the_url_restores_a_selection(page, base_url, site):
    open_explorer(page, base_url)
    chosen = list(range(100, 160)) + [7, 1500, 1999]
    page.evaluate("(p) => window.__atlas.setSelection(p)", chosen)
    page.wait_for_function("location.hash.includes('s=')")
    url = page.url
    page.goto("about:blank")
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("window.__atlas && window.__atlas.state.selection")
    assert page.evaluate(SELECTION) == sorted(chosen)
    page.wait_for_selector("#selection:not([hidden])")
    assert "63 points" in page.locator("#selection").inner_text()
    # a selection that does not fit the dataset is left out, with a notice
    page.goto("about:blank")
    page.goto(url.split("#")[0] + "#s=____", wait_until="domcontentloaded")
    page.wait_for_function("window.__atlas && window.__atlas.state.status === 'ready'")
    page.wait_for_function("!document.getElementById('notice').hidden")
    assert page.evaluate(SELECTION) == []


@pytest.fixture(scope="module")
def big_url(tmp_path_factory):
    info = _make_site(tmp_path_factory.mktemp("bigsel"), 2600, k=8, seed=2, thumbs=False)
    with serve_site(info["root"], prefix="/repo/") as url:
        yield url


def test_a_selection_too_large_for_the_url_says_so(page, big_url):
    open_explorer(page, big_url)
    page.evaluate("window.__atlas.setSelection(Array.from({length: 2500}, (_, i) => i))")
    page.wait_for_selector("#selection:not([hidden])")
    assert "Too large to keep in the link (2,500 points; at most 2,000)" in page.locator("#selection").inner_text()
    assert "s=" not in page.evaluate("location.hash")
    page.evaluate("window.__atlas.setSelection(Array.from({length: 2000}, (_, i) => i * 1.3 | 0))")
    page.wait_for_function("location.hash.includes('s=')")
