"""Colour by any label field, and the legend's hover, isolate, hide and "captions grey", on real
builds: the demo world (five fields) and a manifest dataset whose "tag" field has 79 values.
What is drawn is read from the canvas's pixels, the legend and the panels masked out."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from builder import config
from builder.pipeline import build
from builder.render.preview_server import serve_site
from explorer_helpers import assert_clean, open_explorer
from support import NO_ANALYSES, write_tagged_dataset

pytestmark = pytest.mark.browser

SIZE = 300
DEMO_FIELDS = ["shape", "colour", "size", "background", "position"]
BACKGROUND = "#0d1017"
CAPTION_GREY = (154, 160, 170)  # palette.js CAPTION_GREY


def _serve(root, cfg):
    build(cfg, root / "site", progress=False, log=lambda m: None)
    data = next((root / "site" / "data").glob("*/manifest.json")).parent
    return serve_site(root / "site", prefix="/repo/"), data


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("legend-demo")
    server, data = _serve(root, config.load(None, dataset__size=SIZE, cache_dir=str(root / "cache"), **NO_ANALYSES))
    with server as url:
        yield {"url": url, "items": json.loads((data / "items.json").read_text())}


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    root = tmp_path_factory.mktemp("legend-tagged")
    manifest = write_tagged_dataset(root / "ds", n=240, tags=79)
    server, _ = _serve(root, config.load(None, dataset__kind="manifest", dataset__path=str(manifest),
                                         cache_dir=str(root / "cache"), embed__workers=0, **NO_ANALYSES))
    with server as url:
        yield {"url": url}


def pixels(page) -> np.ndarray:
    """The map as drawn (H x W x 3), legend, status and card painted over in the background colour."""
    png = page.locator("#view").screenshot(mask=[page.locator(s) for s in ("#legend", "#status", "#card")],
                                           mask_color=BACKGROUND, animations="disabled")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def near(img: np.ndarray, rgb, tol: int = 10) -> int:
    """How many pixels are within `tol` (per channel) of `rgb`."""
    return int((np.abs(img - np.array(rgb)).max(axis=2) <= tol).sum())


def rows(page) -> list[dict]:
    """The legend's rows: value, name, count and swatch colour."""
    return page.evaluate("""() => [...document.querySelectorAll('#legend .legend-row')].map((li) => ({
      value: Number(li.dataset.value), name: li.querySelector('.name').textContent,
      count: Number(li.querySelector('.count').textContent.replace(/,/g, '')),
      rgb: getComputedStyle(li.querySelector('.swatch')).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)}))""")


def colour_by(page, label: str) -> None:
    page.select_option("#color-by", label=label)
    page.wait_for_function(f"document.querySelector('#legend .legend-field').textContent === {json.dumps(label)}")
    page.wait_for_timeout(300)  # the frame after the colours changed


def settle(page) -> None:
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


# JS: image points drawn on top at their own centre (pick there finds them), with that position.
ON_TOP = """(n) => {
  const a = window.__atlas, out = [];
  for (let i = 0; i < n && out.length < 12; i++) {
    const q = a.projectPoint(i);
    if (q.onCanvas && a.pick(q.x, q.y) === i) out.push({i, x: q.x, y: q.y});
  }
  return out;
}"""


def test_each_demo_field_colours_the_points_by_its_values(page, demo):
    url, labels = demo["url"], demo["items"]["labels"]
    open_explorer(page, url)
    options = page.locator("#color-by option").all_inner_texts()
    assert options == ["modality", "cluster", *DEMO_FIELDS]
    box = page.locator("#view").bounding_box()
    seen = {}
    for field in DEMO_FIELDS:
        colour_by(page, field)
        assert page.locator("#legend .legend-title h2").inner_text() == f"{field} · {len({l[field] for l in labels})} values"
        legend = rows(page)
        assert {r["name"] for r in legend} == {l[field] for l in labels}
        assert sum(r["count"] for r in legend) == 3 * SIZE  # every image and caption
        assert len({tuple(r["rgb"]) for r in legend}) == len(legend)  # a colour each
        colour_of = {r["name"]: r["rgb"] for r in legend}
        img = pixels(page)
        points = page.evaluate(ON_TOP, SIZE)
        assert len(points) >= 8
        for p in points:  # the centre of an image's disc is its value's colour
            got = img[round(p["y"] - box["y"]), round(p["x"] - box["x"])]
            assert np.abs(got - colour_of[labels[p["i"]][field]]).max() <= 8, (field, p, got)
        seen[field] = [tuple(img[round(p["y"] - box["y"]), round(p["x"] - box["x"])]) for p in points[:8]]
    assert len({tuple(v) for v in seen.values()}) == len(DEMO_FIELDS)  # each field draws them differently
    assert_clean(page, url)


def test_a_79_value_field_lists_every_value_and_says_which_are_grey(page, tagged):
    url = tagged["url"]
    open_explorer(page, url)
    assert page.locator("#color-by option").all_inner_texts() == ["modality", "cluster", "tag", "group"]
    colour_by(page, "tag")
    legend = rows(page)
    assert [r["name"] for r in legend[:3]] == ["tag-00", "tag-01", "tag-02"]  # 4 images each, the rest 3
    assert sorted(r["name"] for r in legend) == [f"tag-{t:02d}" for t in range(79)]
    assert page.locator("#legend .legend-title h2").inner_text() == "tag · 79 values"
    assert page.locator("#legend .legend-note").inner_text() == (
        "79 values: top 19 coloured, the rest grey — isolate one to see it")
    assert len({tuple(r["rgb"]) for r in legend[:19]}) == 19 and len({tuple(r["rgb"]) for r in legend[19:]}) == 1
    assert page.locator("#legend .more").count() == 0
    scroll = page.evaluate("(() => { const l = document.querySelector('.legend-rows'); return [l.scrollHeight, l.clientHeight]; })()")
    assert scroll[0] > scroll[1]  # the list scrolls ...
    last = page.locator("#legend .legend-row").last
    last.scroll_into_view_if_needed()
    assert last.is_visible() and last.locator(".name").inner_text() == legend[-1]["name"]  # ... to the last value
    # isolating a grey value draws it in the one colour no other value has
    last.locator(".legend-value").click()
    page.wait_for_function(f"window.__atlas.state.isolated === {legend[-1]['value']}")
    settle(page)
    spare = [0x78, 0x78, 0xff]  # palette.js QUALITATIVE[19]
    assert near(pixels(page), spare, 6) > 20
    assert page.locator("#legend .legend-row.is-isolated .swatch").evaluate("n => getComputedStyle(n).backgroundColor") == "rgb(120, 120, 255)"
    colour_by(page, "group")  # images without a group: "(none)"
    assert [r["name"] for r in rows(page)][-1] == "(none)"
    assert page.locator("#legend .legend-note").is_hidden()
    assert_clean(page, url)


def test_hover_highlights_click_isolates_eye_hides(page, demo):
    url = demo["url"]
    open_explorer(page, url, "#f=shape")
    page.wait_for_function("document.querySelector('#legend .legend-field').textContent === 'shape'")
    settle(page)
    a, b, c = rows(page)[:3]
    base = pixels(page)
    base_a, base_b = near(base, a["rgb"]), near(base, b["rgb"])
    assert base_a > 150 and base_b > 150

    row = lambda r: page.locator(f"#legend .legend-row[data-value='{r['value']}']")
    row(b).hover()  # only b bright (and larger), a dimmed
    page.wait_for_function(f"window.__atlas.state.legendHover === {b['value']}")
    settle(page)
    hovered = pixels(page)
    assert near(hovered, a["rgb"]) < base_a * 0.05 and near(hovered, b["rgb"]) > base_b
    page.mouse.move(1250, 740)
    page.wait_for_function("window.__atlas.state.legendHover === -1")
    settle(page)
    assert abs(near(pixels(page), a["rgb"]) - base_a) <= base_a * 0.1

    row(b).locator(".legend-value").click()  # isolate b: stays after the pointer leaves
    page.mouse.move(1250, 740)
    page.wait_for_function(f"window.__atlas.state.isolated === {b['value']} && window.__atlas.state.legendHover === -1")
    settle(page)
    isolated = pixels(page)
    assert near(isolated, a["rgb"]) < base_a * 0.05 and near(isolated, b["rgb"]) > base_b
    assert row(b).locator(".legend-value").get_attribute("aria-pressed") == "true"
    assert f"i={b['name']}" in page.evaluate("location.hash")
    page.locator("#legend .show-all").click()
    page.wait_for_function("window.__atlas.state.isolated === -1")
    assert page.locator("#legend .show-all").is_hidden() and "i=" not in page.evaluate("location.hash")

    row(a).locator(".legend-eye").click()  # hide a: its points are neither drawn nor picked
    page.mouse.move(1250, 740)
    page.wait_for_function(f"window.__atlas.state.hidden.includes({a['value']})")
    settle(page)
    hidden = pixels(page)
    assert near(hidden, a["rgb"]) < base_a * 0.01 and abs(near(hidden, b["rgb"]) - base_b) <= base_b * 0.15
    assert row(a).locator(".legend-eye").get_attribute("aria-label") == f"show {a['name']}"
    labels = demo["items"]["labels"]
    picked = page.evaluate("""(n) => { const a = window.__atlas, got = [];
      for (let i = 0; i < n; i++) { const q = a.projectPoint(i); if (q.onCanvas) got.push(a.pick(q.x, q.y)); }
      return got; }""", SIZE)
    assert picked and not any(0 <= p < SIZE and labels[p]["shape"] == a["name"] for p in picked)
    row(a).locator(".legend-eye").click()
    page.wait_for_function("window.__atlas.state.hidden.length === 0")

    # keyboard: rows are buttons; focus highlights, Enter isolates
    row(c).locator(".legend-value").focus()
    page.wait_for_function(f"window.__atlas.state.legendHover === {c['value']}")
    page.keyboard.press("Enter")
    page.wait_for_function(f"window.__atlas.state.isolated === {c['value']}")
    page.keyboard.press("Tab")  # to c's eye button
    page.keyboard.press("Enter")
    page.wait_for_function(f"window.__atlas.state.hidden.includes({c['value']}) && window.__atlas.state.isolated === -1")
    assert_clean(page, url)


def test_captions_grey_and_an_isolated_value_with_its_captions(page, demo):
    url = demo["url"]
    open_explorer(page, url, "#f=colour")
    page.wait_for_function("document.querySelector('#legend .legend-field').textContent === 'colour'")
    settle(page)
    legend = rows(page)
    base = pixels(page)
    assert near(base, CAPTION_GREY, 4) < 50
    page.locator("#captions-grey").check()
    page.wait_for_function("window.__atlas.state.captionsGrey")
    settle(page)
    grey = pixels(page)
    grey_px = near(grey, CAPTION_GREY, 4)
    assert grey_px > 300  # captions: grey rings
    for r in legend:  # images keep their colours; the captions' rings no longer add to them
        assert 0 < near(grey, r["rgb"]) < near(base, r["rgb"]), r
    assert "g=1" in page.evaluate("location.hash")
    first = legend[0]
    page.locator(f"#legend .legend-row[data-value='{first['value']}'] .legend-value").click()
    page.mouse.move(1250, 740)
    page.wait_for_function(f"window.__atlas.state.isolated === {first['value']} && window.__atlas.state.legendHover === -1")
    settle(page)
    iso = pixels(page)
    # that value's images in colour and its captions in grey; everything else dimmed
    assert near(iso, first["rgb"]) > 50 and 30 < near(iso, CAPTION_GREY, 4) < grey_px * 0.5
    assert all(near(iso, r["rgb"]) < 10 for r in legend[1:])
    assert page.evaluate(f"window.__atlas.colorOfPoint({SIZE + 1})") == "#9aa0aa"  # a caption, in the local view too
    assert_clean(page, url)


def test_the_url_restores_field_grey_and_isolated_value(page, demo):
    url = demo["url"]
    open_explorer(page, url, "#f=background&g=1&i=striped")
    page.wait_for_function("window.__atlas.state.isolated >= 0")
    assert page.locator("#color-by").input_value() == "label_3"
    assert page.locator("#legend .legend-field").inner_text() == "background"
    assert page.locator("#captions-grey").is_checked()
    assert page.locator("#legend .legend-row.is-isolated .name").inner_text() == "striped"
    colour_by(page, "size")
    assert re.search(r"[#&]f=size(&|$)", page.evaluate("location.hash")) and "i=" not in page.evaluate("location.hash")
    page.reload()
    page.wait_for_function("window.__atlas && window.__atlas.state.colorBy === 'label_2'")
    assert page.locator("#legend .legend-field").inner_text() == "size"
    assert page.locator("#captions-grey").is_checked()  # captions stay grey from field to field
    page.goto(url + "explorer/#c=category")  # links from before fields: the default field
    page.reload()
    page.wait_for_function("window.__atlas && window.__atlas.state.colorBy === 'label_0'")
    assert page.locator("#legend .legend-field").inner_text() == "shape"
    assert_clean(page, url)
