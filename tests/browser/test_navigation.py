"""Finding one's way in the explorer (issue #12, items 6 and 7), in Chromium against the
2,000-point synthetic site: the local view opens at its top, the hover card closes on click, a
restored search does not cover the panel, the PCA axes are labelled, the camera is in the URL,
the view resets (button and key), Enter opens the hovered point, the first-visit hint."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from explorer_helpers import assert_clean, find_pickable, open_explorer

pytestmark = pytest.mark.browser

DEFAULT = {"theta": 0.6, "phi": 0.35, "distance": 2.5, "target": [0, 0, 0]}  # gl/camera.js DEFAULT_VIEW
# JS: the camera has come to rest and the hash holds it (to its rounding)
CAMERA_IN_URL = """() => {
  const c = window.__atlas.camera, m = /[#&]v=([^&]*)/.exec(location.hash);
  if (c.flight || !m) return false;
  const n = m[1].split(',').map(Number), turn = 2 * Math.PI;
  const dt = Math.abs(((c.theta % turn) + turn) % turn - n[0]);
  return Math.min(dt, turn - dt) < 1e-4 && Math.abs(c.phi - n[1]) < 1e-4 && Math.abs(c.distance - n[2]) < 1e-4
    && c.target.every((t, i) => Math.abs(t - n[3 + i]) < 1e-4);
}"""
VIEW = "(() => { const c = window.__atlas.camera; return {theta: c.theta, phi: c.phi, distance: c.distance, target: c.target, offset: c.offset}; })()"


def _wait_local(page, point: int) -> None:
    page.wait_for_function(f"window.__atlas.state.local && window.__atlas.state.local.point === {point}", timeout=10_000)


def _pct(x: float) -> str:  # ui/local-view.js pct
    return f"{100 * x:.{1 if x < 0.1 else 0}f}%"


def _same_angle(a: float, b: float, tol: float = 1e-4) -> bool:
    d = (a - b) % (2 * math.pi)
    return min(d, 2 * math.pi - d) < tol


def _drag_and_zoom(page) -> None:
    box = page.locator("#view").bounding_box()
    cx, cy = box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.6
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 140, cy + 50, steps=8)
    page.mouse.up()
    page.mouse.wheel(0, -300)
    page.wait_for_function("window.__atlas.camera.distance < 2.4")
    page.mouse.move(2, 2)  # off the map: no hover ring, no card


def _shot(page) -> np.ndarray:
    page.evaluate("document.activeElement && document.activeElement.blur()")  # no focus ring
    return np.asarray(Image.open(io.BytesIO(page.locator("#view").screenshot())).convert("RGB"), dtype=np.int16)


def test_local_view_opens_a_new_point_at_its_top(page, base_url, site):
    open_explorer(page, base_url)
    first = site["counts"]["I"] + 3
    page.evaluate(f"window.__atlas.select({first})")
    _wait_local(page, first)
    panel = page.locator("#local")
    panel.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    assert panel.evaluate("el => el.scrollTop") > 200
    last = page.locator("#local .nb").last
    second = int(last.get_attribute("data-point"))
    last.click()
    _wait_local(page, second)
    assert panel.evaluate("el => el.scrollTop") == 0
    assert page.locator("#local .focus").is_visible()
    assert_clean(page, base_url)


def test_clicking_a_point_closes_its_hover_card(page, base_url, site):
    open_explorer(page, base_url)
    hit = find_pickable(page, range(60, 600))
    page.mouse.move(hit["x"], hit["y"])
    card = page.locator("#card")
    card.wait_for(state="visible")
    page.mouse.click(hit["x"], hit["y"])
    card.wait_for(state="hidden")
    _wait_local(page, hit["i"])
    page.mouse.move(hit["x"] + 1, hit["y"])  # still over the clicked point: the card stays closed
    page.wait_for_timeout(100)
    assert card.is_hidden()
    assert_clean(page, base_url)


def test_a_restored_search_leaves_the_panel_uncovered(page, base_url, site):
    point = site["search"]["point"]
    open_explorer(page, base_url, f"#q=red&p={point}")
    _wait_local(page, point)
    page.wait_for_function("window.__atlas.state.matches && window.__atlas.state.matches.length > 10")
    results = page.locator("#search-results")
    assert results.is_hidden()
    assert page.locator("#search-count").inner_text().endswith("images by label")  # the search is on
    page.locator("#search-input").focus()
    results.wait_for(state="visible")
    page.locator("#view").focus()
    results.wait_for(state="hidden")
    assert_clean(page, base_url)


def test_pca_axes_are_labelled_with_their_share_of_the_variance(page, base_url, site):
    open_explorer(page, base_url)
    point = 25
    page.evaluate(f"window.__atlas.select({point})")
    _wait_local(page, point)
    e1, e2 = page.evaluate("Array.from(window.__atlas.state.local.local_evr)")
    assert page.locator("#local .axis-label-x").inner_text() == f"PC1 · {_pct(e1)}"
    assert page.locator("#local .axis-label-y").inner_text() == f"PC2 · {_pct(e2)}"
    plot = page.locator("#local .plot").bounding_box()
    for sel in ("#local .axis-label-x", "#local .axis-label-y"):  # inside the plot, not clipped
        b = page.locator(sel).bounding_box()
        assert plot["x"] <= b["x"] and b["x"] + b["width"] <= plot["x"] + plot["width"] + 0.5
        assert plot["y"] <= b["y"] and b["y"] + b["height"] <= plot["y"] + plot["height"] + 0.5
    assert_clean(page, base_url)


def test_the_camera_is_in_the_url_and_a_link_restores_the_same_view(page, base_url, site):
    open_explorer(page, base_url)
    entries = page.evaluate("history.length")
    _drag_and_zoom(page)
    page.wait_for_function(CAMERA_IN_URL, timeout=5_000)
    assert page.evaluate("history.length") == entries  # moving the map adds no history entry
    view, url, before = page.evaluate(VIEW), page.url, _shot(page)
    assert not _same_angle(view["theta"], DEFAULT["theta"]) and view["distance"] < 2.4
    other = page.context.new_page()
    open_explorer(other, base_url, "#" + url.split("#", 1)[1], text=False)
    restored = other.evaluate(VIEW)
    assert _same_angle(restored["theta"], view["theta"]) and abs(restored["phi"] - view["phi"]) < 1e-4
    assert abs(restored["distance"] - view["distance"]) < 1e-4 * view["distance"]
    assert np.allclose(restored["target"], view["target"], atol=1e-4) and restored["offset"] == [0, 0]
    after = _shot(other)
    differ = (np.abs(after - before).max(axis=2) > 24).mean()
    drawn = (np.abs(before - np.array([13, 16, 23])).max(axis=2) > 24).mean()
    print(f"camera link: {differ:.4%} of the pixels differ, {drawn:.1%} drawn, v={url.split('v=')[1]}")
    assert drawn > 0.01 and differ < 0.002, f"{differ:.3%} of the pixels differ ({drawn:.1%} drawn)"
    other.close()
    assert_clean(page, base_url)


def test_reset_view_by_button_and_by_key(page, base_url, site):
    open_explorer(page, base_url)
    for how in ("button", "key"):
        _drag_and_zoom(page)
        page.wait_for_function(CAMERA_IN_URL, timeout=5_000)
        if how == "button":
            page.locator("#reset-view").click()
        else:
            page.locator("#view").focus()
            page.keyboard.press("r")
        page.wait_for_function("!window.__atlas.camera.flight && !location.hash.includes('v=')", timeout=5_000)
        view = page.evaluate(VIEW)
        assert _same_angle(view["theta"], DEFAULT["theta"], 1e-9), how
        assert abs(view["phi"] - DEFAULT["phi"]) < 1e-9 and abs(view["distance"] - DEFAULT["distance"]) < 1e-9
        assert view["target"] == DEFAULT["target"] and view["offset"] == [0, 0]
    assert page.locator("#reset-view").is_visible()
    assert_clean(page, base_url)


def test_enter_on_the_focused_map_opens_the_hovered_point(page, base_url, site):
    open_explorer(page, base_url)
    page.evaluate("window.__atlas.hint.dismiss()")
    hit = find_pickable(page, range(site["counts"]["I"] + 40, site["counts"]["I"] + 600))
    page.mouse.move(hit["x"], hit["y"])
    page.wait_for_function(f"window.__atlas.state.hover === {hit['i']}")
    page.locator("#view").focus()
    page.keyboard.press("Enter")
    _wait_local(page, hit["i"])
    assert f"p={hit['i']}" in page.url
    assert_clean(page, base_url)


def test_the_first_visit_hint_shows_until_dismissed(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    open_explorer(page, base_url, text=False)
    hint = page.locator("#hint")
    assert hint.is_visible() and "rotates" in hint.inner_text()
    page.reload()
    page.wait_for_function("window.__atlas && window.__atlas.firstFrameMs")
    assert hint.is_visible()  # not dismissed yet: still there
    hint.get_by_role("button", name="Got it").click()
    assert hint.is_hidden()
    page.reload()
    page.wait_for_function("window.__atlas && window.__atlas.firstFrameMs")
    assert hint.is_hidden() and page.evaluate("window.__atlas.hint.shown") is False
    context.close()
    # a new visitor; moving the map counts as having seen it
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    open_explorer(page, base_url, text=False)
    assert page.locator("#hint").is_visible()
    _drag_and_zoom(page)
    assert page.locator("#hint").is_hidden()
    page.reload()
    page.wait_for_function("window.__atlas && window.__atlas.firstFrameMs")
    assert page.locator("#hint").is_hidden()
    context.close()


def test_on_a_phone_the_hint_leaves_the_map_tools_free_and_a_tool_dismisses_it(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    open_explorer(page, base_url, text=False)
    hint = page.locator("#hint").bounding_box()
    assert hint is not None
    buttons = page.locator("#map-tools button:visible")
    assert buttons.count() >= 4
    for k in range(buttons.count()):
        b = buttons.nth(k).bounding_box()
        covered = b["x"] < hint["x"] + hint["width"] and hint["x"] < b["x"] + b["width"] and \
            b["y"] < hint["y"] + hint["height"] and hint["y"] < b["y"] + b["height"]
        assert not covered, (buttons.nth(k).inner_text(), b, hint)
    assert hint["x"] >= 0 and hint["x"] + hint["width"] <= 390
    page.locator("#tool-box").tap()  # a tap on it reaches it (nothing lies over it) and dismisses the hint
    assert page.locator("#hint").is_hidden()
    assert page.locator("#tool-box").get_attribute("aria-pressed") == "true"
    context.close()
