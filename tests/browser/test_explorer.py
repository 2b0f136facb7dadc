"""The explorer in a real browser (Chromium + SwiftShader) against a 2,000-point synthetic site
served under /repo/. Each test also checks: no console errors, no request off the origin."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from builder.render.preview_server import serve_site
from explorer_helpers import assert_clean, find_pickable, open_explorer

pytestmark = pytest.mark.browser

BACKGROUND = (13, 16, 23)  # --bg / palette.BACKGROUND


def _selected(page) -> int:
    return page.evaluate("window.__atlas.state.selected")


def _wait_local(page, point: int) -> None:
    page.wait_for_function(f"window.__atlas.state.local && window.__atlas.state.local.point === {point}", timeout=10_000)


def test_points_are_drawn(page, base_url, site):
    open_explorer(page, base_url, text=False)
    assert page.evaluate("window.__atlas.pointCount") == site["counts"]["N"]
    png = page.locator("#view").screenshot()
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    drawn = (np.abs(img - np.array(BACKGROUND)).max(axis=2) > 24).mean()
    assert drawn > 0.01, f"only {drawn:.2%} of the pixels differ from the background"
    assert_clean(page, base_url)


def test_hover_caption_point_shows_its_text_and_image(page, base_url, site):
    open_explorer(page, base_url)
    n_img = site["counts"]["I"]
    hit = find_pickable(page, range(n_img + 30, n_img + 400))
    page.mouse.move(hit["x"], hit["y"])
    card = page.locator("#card")
    card.wait_for(state="visible")
    text = site["captions"][hit["i"] - n_img]
    assert text in card.inner_text()
    assert page.evaluate("window.__atlas.state.hover") == hit["i"]
    assert card.locator(".thumb").count() == 1  # the image's thumbnail
    page.mouse.move(2, 2)
    card.wait_for(state="hidden")
    assert_clean(page, base_url)


def test_hover_image_lists_its_captions(page, base_url, site):
    open_explorer(page, base_url)
    hit = find_pickable(page, range(40, 400))
    page.mouse.move(hit["x"], hit["y"])
    page.locator("#card").wait_for(state="visible")
    caps = [c for c, img in enumerate(site["caption_image"]) if img == hit["i"]]
    body = page.locator("#card").inner_text()
    assert caps and all(site["captions"][c] in body for c in caps)
    timings = page.evaluate("window.__atlas.timings.hover")
    assert len(timings) >= 1
    assert_clean(page, base_url)


def test_click_opens_local_view_neighbour_moves_and_back_returns(page, base_url, site):
    open_explorer(page, base_url)
    hit = find_pickable(page, range(50, 500))
    page.mouse.click(hit["x"], hit["y"])
    _wait_local(page, hit["i"])
    k = site["counts"]["K"]
    assert page.locator("#local .nb").count() == k
    assert page.locator("#local .plot .pt-image, #local .plot .pt-caption").count() == k
    assert f"p={hit['i']}" in page.url
    assert "explain" in page.locator("#local .evr").inner_text()
    first = int(page.locator("#local .nb").first.get_attribute("data-point"))
    page.locator("#local .nb").first.click()
    _wait_local(page, first)
    assert f"p={first}" in page.url
    page.go_back()
    _wait_local(page, hit["i"])
    assert _selected(page) == hit["i"]
    page.go_back()
    page.wait_for_function("window.__atlas.state.selected === -1")
    assert page.locator("#local").is_hidden()
    page.go_forward()
    _wait_local(page, hit["i"])
    assert_clean(page, base_url)


def test_url_restores_a_view(page, base_url, site):
    point = site["counts"]["I"] + 7
    open_explorer(page, base_url, f"#d={site['dataset']}&p={point}&c=category")
    _wait_local(page, point)
    assert page.locator("#color-by").input_value() == "category"
    assert site["captions"][7] in page.locator("#local .focus-text").inner_text()
    # the camera flew to the point: it sits in the middle of the canvas left free by the panel
    page.wait_for_function("!window.__atlas.camera.flight", timeout=5_000)
    q = page.evaluate(f"window.__atlas.projectPoint({point})")
    box = page.locator("#view").bounding_box()
    shift = page.evaluate("window.__atlas.camera.offset[0]")
    assert shift < 0
    assert abs(q["x"] - (box["x"] + box["width"] / 2 + shift)) < 2 and abs(q["y"] - (box["y"] + box["height"] / 2)) < 2
    assert q["x"] < page.locator("#local").bounding_box()["x"]
    assert_clean(page, base_url)


def test_search_lights_up_matches_and_selecting_one_selects_the_point(page, base_url, site):
    open_explorer(page, base_url)
    page.fill("#search-input", site["search"]["query"])
    results = page.locator("#search-results li")
    results.first.wait_for(state="visible")
    assert results.count() == 1
    assert page.locator("#search-count").inner_text() == "1 caption"
    assert page.evaluate("window.__atlas.state.matches") == [{"p": site["search"]["point"], "kind": "caption"}]
    results.first.click()
    page.wait_for_function(f"window.__atlas.state.selected === {site['search']['point']}")
    _wait_local(page, site["search"]["point"])
    assert "q=unicorn" in page.url
    # a broader query: images by label, then captions, each holding every word as a word
    page.fill("#search-input", "red circle")
    page.wait_for_function("window.__atlas.state.query === 'red circle' && window.__atlas.state.matches")
    matches = page.evaluate("window.__atlas.state.matches")
    n_img, labels = site["counts"]["I"], site["items"]["labels"]
    images = [{"p": i, "kind": "label"} for i, lab in enumerate(labels) if (lab["colour"], lab["shape"]) == ("red", "circle")]
    words = lambda t: set(re.findall(r"[^\W_]+", t.lower()))  # noqa: E731
    captions = [{"p": n_img + c, "kind": "caption"} for c, t in enumerate(site["captions"]) if {"red", "circle"} <= words(t)]
    assert matches == images + captions and len(images) > 10 and len(captions) > 10
    assert page.locator("#search-count").inner_text() == f"{len(captions):,} captions · {len(images):,} images by label"
    assert_clean(page, base_url)


def test_search_finds_an_image_by_id_or_file_name_and_hover_shows_both(page, base_url, site):
    open_explorer(page, base_url)
    ids, files = site["items"]["ids"], site["items"]["files"]
    for query, kind, count in ((ids[42], "id", "1 id"), (files[42], "file", "1 file name")):
        page.fill("#search-input", query)
        page.wait_for_function(f"window.__atlas.state.query === {query!r} && window.__atlas.state.matches")
        assert page.evaluate("window.__atlas.state.matches") == [{"p": 42, "kind": kind}]
        assert page.locator("#search-count").inner_text() == count
        li = page.locator("#search-results li.hit")
        assert li.get_attribute("data-kind") == kind and query in li.inner_text()
    page.locator("#search-results li.hit").first.click()
    _wait_local(page, 42)
    assert page.locator("#local .focus-item").inner_text() == f"id {ids[42]} · file {files[42]}"
    open_explorer(page, base_url)  # a fresh view: no panel, no flight
    hit = find_pickable(page, range(site["counts"]["I"] + 30, site["counts"]["I"] + 400))
    page.mouse.move(hit["x"], hit["y"])
    item = page.locator("#card .card-item")
    item.wait_for(state="visible")
    img = site["caption_image"][hit["i"] - site["counts"]["I"]]
    assert item.inner_text() == f"id {ids[img]} · file {files[img]}"  # a caption shows its image's
    assert_clean(page, base_url)


# JS: load an <img src="x"> (the hostile captions' URL) and resolve with the event it ends in.
CANARY = """() => new Promise((resolve) => {
  const img = new Image();
  img.onerror = () => resolve("error");
  img.onload = () => resolve("load");
  img.src = "x";
})"""


def test_hostile_captions_are_text_and_run_nothing(page, base_url, site):
    open_explorer(page, base_url)
    for point, text in site["hostile"].items():
        page.evaluate(f"window.__atlas.select({point})")
        _wait_local(page, point)
        assert page.locator("#local .focus-text").inner_text() == text
    page.fill("#search-input", "xss")
    page.locator("#search-results li").first.wait_for(state="visible")
    listed = page.locator("#search-results").inner_text()
    assert '<img src=x onerror="window.__xss=1">' in listed
    assert "<script>window.__xss=2</script>" in listed
    # An injected <img src=x onerror=...> would fire once its request for "x" fails. A canary
    # image asks for the same URL after the results are listed: when its error event has come,
    # an injected one's would have come too. Its 404 is the one console error it may add.
    before = len(page.errors)
    assert page.evaluate(CANARY) == "error"
    assert page.evaluate("typeof window.__xss") == "undefined"
    canary = page.errors[before:]
    assert len(canary) == 1 and "404" in canary[0], canary
    del page.errors[before:]
    # (the lasso's own <svg> over the map, selection/lasso-input.js, is the page's, not a caption's)
    assert page.evaluate("document.querySelectorAll('img, iframe, svg:not(main.stage > svg#lasso), "
                         "a[href^=javascript], body script').length") == 0
    assert page.evaluate("document.querySelectorAll('svg').length") == 1
    assert_clean(page, base_url)


def test_unicode_caption_round_trips(page, base_url, site):
    uni = site["unicode"]
    open_explorer(page, base_url, f"#p={uni['point']}")
    _wait_local(page, uni["point"])
    assert page.locator("#local .focus-text").inner_text() == uni["text"]
    assert_clean(page, base_url)


def test_cluster_colours_load_on_demand_and_keys_move_the_camera(page, base_url, site):
    open_explorer(page, base_url)
    assert not any(u.endswith("/cluster.bin") for u in page.requests)
    page.select_option("#color-by", "cluster")
    page.wait_for_function("window.__atlas.state.colorBy === 'cluster'")
    assert any(u.endswith("/cluster.bin") for u in page.requests)
    assert "red circle · 1" in page.locator("#legend").inner_text()
    assert "c=cluster" in page.url
    theta = page.evaluate("window.__atlas.camera.theta")
    page.locator("#view").focus()
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("window.__atlas.camera.theta") != theta
    dist = page.evaluate("window.__atlas.camera.distance")
    page.keyboard.press("+")
    assert page.evaluate("window.__atlas.camera.distance") < dist
    box = page.locator("#view").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 400)
    page.wait_for_function(f"window.__atlas.camera.distance > {dist}")
    assert_clean(page, base_url)


def test_first_requests_are_the_global_view_only(page, base_url, site):
    """Before the first frame: index, manifest and 8 bytes per point; nothing per-point else."""
    open_explorer(page, base_url, text=False)
    names = [u.rsplit("/", 1)[-1] for u in page.requests]
    assert {"positions.bin", "modality.bin", "category.bin"} <= set(names)
    assert not any(n.startswith("shard-") for n in names)
    buffers = site["manifest"]["buffers"]
    payload = sum(buffers[b]["bytes"] for b in ("positions", "modality", "category"))
    assert payload / site["counts"]["N"] <= 8
    assert_clean(page, base_url)


def test_schema_mismatch_shows_a_clear_error(page, bad_schema_url):
    page.goto(bad_schema_url + "explorer/")
    err = page.locator("#error")
    err.wait_for(state="visible")
    text = err.inner_text()
    assert "schema version 999" in text and "reads version 1" in text
    assert page.evaluate("window.__atlas.error") is not None


def test_works_at_the_site_root_too(page, site):
    with serve_site(site["root"], prefix="/") as url:
        open_explorer(page, url)
        assert page.evaluate("window.__atlas.pointCount") == site["counts"]["N"]
        assert page.locator("a.home").get_attribute("href") == "../index.html"
        assert_clean(page, url)


def test_opened_from_a_file_it_says_how_to_serve_it(page, site):
    """file:// pages may not fetch their data; the explorer says in one sentence what to do."""
    page.goto((site["root"] / "explorer" / "index.html").as_uri())
    page.wait_for_function("window.__atlas && window.__atlas.error !== null", timeout=15_000)
    error = page.locator("#error")
    error.wait_for(state="visible")
    text = error.inner_text()
    assert "python -m builder serve" in text and "Failed to fetch" not in text
