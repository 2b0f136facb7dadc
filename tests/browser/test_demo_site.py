"""The real thing: a demo-world site built by the pipeline (demo model, real UMAP, real local
views), served under /repo/ and driven in Chromium. Hover, click, search and the docs pages."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from builder import config
from builder.datasets import collect
from builder.io.images import load_rgb, thumbnail
from builder.pipeline import build
from builder.render.preview_server import serve_site
from explorer_helpers import assert_clean, find_pickable, open_explorer

pytestmark = pytest.mark.browser

SIZE = 300
BACKGROUND = (13, 16, 23)


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-site")
    cfg = config.load(None, dataset__size=SIZE, cache_dir=str(root / "cache"), neurons__enabled=False,
                      topology__enabled=False, robustness__enabled=False)  # saliency: on by default
    build(cfg, root / "site", progress=False, log=lambda m: None)
    records = collect(cfg, root / "cache").records
    data = root / "site" / "data" / "demo"
    blob = (data / "captions.txt").read_bytes()
    offsets = np.fromfile(data / "caption_offsets.bin", dtype="<u4")
    captions = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]
    with serve_site(root / "site", prefix="/repo/") as url:
        yield {"url": url, "captions": captions, "root": root / "site", "records": records,
               "items": json.loads((data / "items.json").read_text())}


def test_a_warm_rebuild_with_saliency_and_the_browser_model_loads_no_model(demo_site, tmp_path):
    cfg = config.load(None, dataset__size=SIZE, cache_dir=str(demo_site["root"].parent / "cache"), neurons__enabled=False,
                      topology__enabled=False, robustness__enabled=False)
    report = build(cfg, tmp_path / "again", progress=False, log=lambda m: None)
    stages = {s["name"]: s for s in report["stages"]}
    assert stages["saliency"]["cached"] and stages["browser-model"]["cached"]
    assert stages["model"].get("note") == "not loaded: every stage that needs it came from the cache", stages["model"]


def test_demo_map_is_drawn_and_hover_shows_the_caption(page, demo_site):
    url = demo_site["url"]
    open_explorer(page, url)
    assert page.evaluate("window.__atlas.pointCount") == SIZE * 3
    png = page.locator("#view").screenshot()
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    assert (np.abs(img - np.array(BACKGROUND)).max(axis=2) > 24).mean() > 0.005
    hit = find_pickable(page, range(SIZE + 10, SIZE * 3))
    page.mouse.move(hit["x"], hit["y"])
    page.locator("#card").wait_for(state="visible")
    assert demo_site["captions"][hit["i"] - SIZE] in page.locator("#card").inner_text()
    assert_clean(page, url)


def test_demo_click_opens_k_neighbours_and_search_finds_a_caption(page, demo_site):
    url = demo_site["url"]
    open_explorer(page, url)
    hit = find_pickable(page, range(0, SIZE))
    page.mouse.click(hit["x"], hit["y"])
    page.wait_for_function(f"window.__atlas.state.local && window.__atlas.state.local.point === {hit['i']}",
                           timeout=10_000)
    assert page.locator("#local .nb").count() == 30
    assert "explain" in page.locator("#local .evr").inner_text()
    target = demo_site["captions"][5]
    page.fill("#search-input", target)
    page.locator("#search-results li").first.wait_for(state="visible")
    assert target.lower() in page.locator("#search-results").inner_text().lower()
    assert_clean(page, url)


def _has_word(text: str, word: str) -> bool:
    """`word` as a whole word of `text`, case-insensitively (letters and digits make words)."""
    return re.search(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", text, re.IGNORECASE) is not None


def test_demo_search_matches_whole_words_and_names_the_kinds(page, demo_site):
    url = demo_site["url"]
    open_explorer(page, url)
    caps, items = demo_site["captions"], demo_site["items"]
    page.fill("#search-input", "red")
    page.wait_for_function("window.__atlas.state.query === 'red' && window.__atlas.state.matches")
    matches = page.evaluate("window.__atlas.state.matches")
    want_caps = [SIZE + c for c, t in enumerate(caps) if _has_word(t, "red")]
    want_labels = [i for i, lab in enumerate(items["labels"]) if any(_has_word(v, "red") for v in lab.values())]
    substring_only = [c for c, t in enumerate(caps) if "red" in t.lower() and not _has_word(t, "red")]
    assert substring_only, "the demo world should have captions like 'checkered' to tell the two apart"
    assert [m["p"] for m in matches if m["kind"] == "caption"] == want_caps
    assert [m["p"] for m in matches if m["kind"] == "label"] == want_labels and want_labels
    assert {m["kind"] for m in matches} == {"caption", "label"}
    count = page.locator("#search-count").inner_text()
    assert count == f"{len(want_caps)} captions · {len(want_labels)} images by label"
    # the list tags each result with its kind and marks only the whole word
    first = page.locator("#search-results li.hit").first
    first.wait_for(state="visible")
    marks = page.locator("#search-results mark").all_inner_texts()
    assert marks and all(m.lower() == "red" for m in marks)
    shown = page.locator("#search-results li.hit")
    assert shown.first.get_attribute("data-kind") == "label"  # images first: they are fewer
    assert shown.first.locator(".hit-kind").inner_text().lower() == "label"
    assert shown.count() == min(100, len(matches))
    # an id finds its image
    page.fill("#search-input", items["ids"][7])
    page.wait_for_function(f"window.__atlas.state.query === {json.dumps(items['ids'][7])} && window.__atlas.state.matches")
    assert page.evaluate("window.__atlas.state.matches") == [{"p": 7, "kind": "id"}]
    assert page.locator("#search-count").inner_text() == "1 id"
    assert_clean(page, url)


def test_demo_hover_card_shows_id_and_file_name(page, demo_site):
    url = demo_site["url"]
    items = demo_site["items"]
    # file names are relative to the dataset root: never a path of the building machine
    assert all(f == f"images/{i}.png" for i, f in zip(items["ids"], items["files"]))
    open_explorer(page, url)
    hit = find_pickable(page, range(0, SIZE))
    page.mouse.move(hit["x"], hit["y"])
    card = page.locator("#card .card-item")
    card.wait_for(state="visible")
    i = hit["i"]
    assert card.inner_text() == f"id {items['ids'][i]} · file {items['files'][i]}"
    page.mouse.click(hit["x"], hit["y"])
    page.locator("#local .focus-item").wait_for(state="visible")
    assert page.locator("#local .focus-item").inner_text() == f"id {items['ids'][i]} · file {items['files'][i]}"
    assert_clean(page, url)


def test_hover_card_names_the_value_of_the_field_the_map_is_coloured_by(page, demo_site):
    url = demo_site["url"]
    labels = demo_site["items"]["labels"]
    open_explorer(page, url, "#f=background")
    page.wait_for_function("document.querySelector('#legend .legend-field').textContent === 'background'")
    hit = find_pickable(page, range(0, SIZE))
    page.mouse.move(hit["x"], hit["y"])
    tag = page.locator("#card .cat")
    tag.wait_for(state="visible")
    assert tag.inner_text() == labels[hit["i"]]["background"]
    page.select_option("#color-by", "modality")  # back to the default field's value
    page.mouse.move(0, 0)
    page.mouse.move(hit["x"], hit["y"])
    page.wait_for_function(f"document.querySelector('#card .cat').textContent === {json.dumps(labels[hit['i']]['shape'])}")
    assert_clean(page, url)


@pytest.mark.parametrize("path", ["index.html", "explorer.html", "reading.html", "method.html", "dataset.html",
                                  "metrics.html", "build-report.html"])
def test_docs_pages_render_with_content(page, demo_site, path):
    url = demo_site["url"]
    page.goto(url + path)
    body = page.locator("article").inner_text()
    assert len(body) > 200, body
    assert_clean(page, url)


def test_demo_saliency_page_points_at_the_objects(page, demo_site):
    """The saliency page of the real demo build: every thumbnail, prompt bars, and for the first
    images the brightest drawn heatmap pixel of the object's own prompt lies in its box (checks
    the whole chain: maps, buffers, JS upsampling and orientation)."""
    url = demo_site["url"]
    page.goto(url + "saliency/index.html")
    page.wait_for_selector(".sal-row:not(.sal-head)", timeout=15_000)
    n = page.evaluate("window.atlasSaliency.data.images.length")
    assert n == 48 and page.locator(".sal-thumb").count() == 48
    assert page.locator(".sal-typo").count() >= 1
    page.evaluate("window.atlasSaliency.state.opacity = 1")
    inside = 0
    for i in range(12):
        page.locator(".sal-thumb").nth(i).click()
        page.wait_for_function("document.querySelector('.sal-canvas').getAttribute('data-drawn') === '1'")
        peak = page.evaluate("""() => {
            const c = document.querySelector('.sal-canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let best = -1, at = 0;  // viridis is brightest (yellow) at the top: red + green
            for (let p = 0; p < d.length; p += 4) { const s = d[p] + d[p + 1]; if (s > best) { best = s; at = p / 4; } }
            const app = window.atlasSaliency, box = app.data.images[app.state.image].box;
            return {x: (at % c.width + 0.5) / c.width, y: (Math.floor(at / c.width) + 0.5) / c.height, box};
        }""")
        x0, y0, x1, y1 = peak["box"]
        inside += (x0 - 0.05 <= peak["x"] <= x1 + 0.05) and (y0 - 0.05 <= peak["y"] <= y1 + 0.05)
    assert inside >= 10, inside
    widths = page.eval_on_selector_all(".sal-fill", "els => els.map(e => parseFloat(e.style.width))")
    assert widths and any(w > 0 for w in widths)
    assert_clean(page, url)


def test_every_thumbnail_shows_its_own_image(page, demo_site):
    """300 images fill 10 of the 32 rows of the only atlas page (a partial last page): every
    thumbnail the explorer draws is the image's own (it was a stretched strip of the page)."""
    open_explorer(page, demo_site["url"])
    px, cols = 32, 30
    page.evaluate("""async ([n, px, cols]) => {
        const grid = document.createElement('div');
        grid.id = 'thumb-grid';
        Object.assign(grid.style, {position: 'fixed', left: '0', top: '0', zIndex: 999, display: 'grid',
                                   gridTemplateColumns: `repeat(${cols}, ${px}px)`, background: '#000'});
        for (let i = 0; i < n; i++) grid.appendChild(window.__atlas.thumbs.make(i, px, 'probe'));
        document.body.appendChild(grid);
        const url = getComputedStyle(grid.firstChild).backgroundImage.slice(5, -2);
        const img = new Image(); img.src = url; await img.decode();  // the page is decoded before the shot
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    }""", [SIZE, px, cols])
    shot = np.asarray(Image.open(io.BytesIO(page.locator("#thumb-grid").screenshot())).convert("RGB"), np.float32)
    records = demo_site["records"]
    assert len(records) == SIZE
    own, other = [], []
    for i, rec in enumerate(records):
        r, c = divmod(i, cols)
        shown = shot[r * px:(r + 1) * px, c * px:(c + 1) * px]
        want = np.asarray(Image.fromarray(thumbnail(load_rgb(rec.image), 64)).resize((px, px), Image.BILINEAR),
                          np.float32)
        own.append(np.abs(shown - want).mean())
        if i + 1 < SIZE:  # the next image's own thumbnail: what a shifted or stretched cell resembles
            nxt = np.asarray(Image.fromarray(thumbnail(load_rgb(records[i + 1].image), 64)).resize(
                (px, px), Image.BILINEAR), np.float32)
            other.append(np.abs(shown - nxt).mean())
    own, other = np.array(own), np.array(other)
    # WebP and the browser's scaling leave a few levels of difference (median about 3 of 255)
    assert np.median(own) < 6 and own.max() < 24, f"image {int(own.argmax())}: {own.max():.1f} from its own"
    assert (own[:-1] < other).mean() > 0.98  # each is nearer its own image than the next image


# JS: select points in turn until one has neighbours at exactly the same local_xy (the demo's
# repeated captions embed alike); returns that point and how many share each spot.
FIND_COINCIDENT = """async (n) => {
  const a = window.__atlas;
  for (let p = 0; p < n; p++) {
    await a.select(p, { fly: false });
    const l = a.state.local;
    if (!l || !l.local_xy) continue;
    const spots = new Map();
    for (let j = 0; j < l.neighbours.length; j++) {
      const key = l.local_xy[2 * j] + ',' + l.local_xy[2 * j + 1];
      spots.set(key, (spots.get(key) || 0) + 1);
    }
    if ([...spots.values()].some((c) => c > 1)) return { p, sizes: [...spots.values()], k: l.neighbours.length };
  }
  return null;
}"""


def test_demo_local_view_shows_coincident_neighbours_with_a_count(page, demo_site):
    url = demo_site["url"]
    open_explorer(page, url)
    found = page.evaluate(FIND_COINCIDENT, SIZE * 3)
    assert found is not None, "the demo world should have neighbours on the same spot"
    k, sizes = found["k"], found["sizes"]
    markers = page.locator("#local .plot .pt-image, #local .plot .pt-caption")
    counts = [int(c) for c in markers.evaluate_all("els => els.map((e) => e.dataset.count)")]
    assert sum(counts) == k and len(counts) <= len(sizes) < k  # every neighbour drawn, each spot once
    assert max(counts) >= max(sizes) > 1
    groups = page.locator("#local .plot .pt-group")
    assert groups.count() == sum(c > 1 for c in counts)
    first = groups.first
    n = int(first.get_attribute("data-count"))
    assert first.locator(".pt-count").inner_text() == f"×{n}"
    assert len([line for line in first.get_attribute("title").split("\n")[1:] if line]) == n  # the tooltip names each
    assert page.locator("#local .nb").count() == k  # and so does the list
    assert_clean(page, url)
