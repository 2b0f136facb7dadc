"""The explorer embedded in its docs page (issue #12, item 8), in Chromium: a synthetic site with
the real docs pages (content/explorer.md and the page script), served under /repo/. The wheel
scrolls the page until the map is clicked; the page URL and "Open full screen" carry the frame's
view; a view in the page URL reaches the frame; "← Docs" leaves the frame; on a phone the help
button fits in the frame."""

from __future__ import annotations

import pytest

from builder.render.preview_server import serve_site
from explorer_helpers import assert_clean

pytestmark = pytest.mark.browser

FRAME = "iframe.atlas-explorer-frame"


@pytest.fixture(scope="module")
def docs_url(tmp_path_factory):
    from builder.render.docs import SITE_SCRIPTS
    from builder.render.pages import report_pages
    from builder.render.site import BundleError, page_assets
    from support import CONTENT, sample_report, write_docs
    from synthetic_site import make_synthetic_site

    root = tmp_path_factory.mktemp("embedded")
    try:
        make_synthetic_site(root, 600, k=10, seed=3)
    except BundleError as exc:
        pytest.skip(f"explorer not bundled: {exc}")
    generated = {**report_pages(sample_report()), **page_assets(SITE_SCRIPTS)}  # as a build does
    write_docs(root, CONTENT, generated, title="CLIP Atlas")
    with serve_site(root, prefix="/repo/") as url:
        yield url


def _open(page, url: str):
    """The docs explorer page; returns the frame once its explorer has drawn."""
    page.goto(url)
    frame = page.frame_locator(FRAME)
    frame.locator("#view").wait_for()
    handle = page.locator(FRAME).element_handle().content_frame()
    handle.wait_for_function("window.__atlas && (window.__atlas.firstFrameMs || window.__atlas.error)", timeout=30_000)
    assert handle.evaluate("window.__atlas.error") is None
    return handle


def test_the_wheel_scrolls_the_page_until_the_map_is_clicked(page, docs_url):
    frame = _open(page, docs_url + "explorer.html")
    box = page.locator(FRAME).bounding_box()
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5
    dist = frame.evaluate("window.__atlas.camera.distance")
    page.mouse.move(x, y)
    page.mouse.wheel(0, 120)
    page.wait_for_function("window.scrollY > 0", timeout=5_000)
    assert frame.evaluate("window.__atlas.camera.distance") == dist  # the map did not zoom
    assert frame.locator("#notice").is_visible()  # and says how to zoom it
    scrolled = page.evaluate("window.scrollY")
    box = page.locator(FRAME).bounding_box()
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5
    page.mouse.click(x, y)
    page.mouse.wheel(0, 300)
    frame.wait_for_function(f"window.__atlas.camera.distance > {dist}", timeout=5_000)
    page.wait_for_timeout(200)
    assert page.evaluate("window.scrollY") == scrolled  # now the wheel is the map's
    assert_clean(page, docs_url)


def test_the_page_url_and_full_screen_link_carry_the_frames_view(page, docs_url):
    frame = _open(page, docs_url + "explorer.html")
    link = page.locator("a.atlas-explorer-open")
    assert link.get_attribute("href") == "explorer/index.html"
    frame.evaluate("window.__atlas.select(17)")
    page.wait_for_function("location.hash.includes('p=17')", timeout=5_000)
    assert "p=17" in link.get_attribute("href")
    frame.evaluate("window.__atlas.camera.orbit(120, 30, 600); window.__atlas.renderer.invalidate()")
    page.wait_for_function("location.hash.includes('v=')", timeout=5_000)
    shared = page.url
    assert link.get_attribute("href") == "explorer/index.html#" + shared.split("#", 1)[1]
    link.click()
    page.wait_for_url("**/explorer/index.html#*")
    page.wait_for_function("window.__atlas && window.__atlas.state.local && window.__atlas.state.local.point === 17",
                           timeout=15_000)
    # the page's own URL, opened afresh, gives the frame the same view
    frame = _open(page, shared)
    frame.wait_for_function("window.__atlas.state.local && window.__atlas.state.local.point === 17", timeout=15_000)
    assert "p=17" in frame.evaluate("location.hash") and "v=" in frame.evaluate("location.hash")
    assert "v=" in page.locator("a.atlas-explorer-open").get_attribute("href")
    assert_clean(page, docs_url)


def test_docs_link_opens_in_the_top_window(page, docs_url):
    frame = _open(page, docs_url + "explorer.html")
    home = frame.locator("a.home")
    assert home.get_attribute("target") == "_top"
    home.click()
    page.wait_for_url(docs_url + "index.html")
    assert page.locator(FRAME).count() == 0  # the docs home, in the top window
    assert_clean(page, docs_url)


def test_on_a_phone_the_help_button_fits_in_the_frame(browser, docs_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    frame = _open(page, docs_url + "explorer.html")
    box = page.locator(FRAME).bounding_box()
    for sel in ("#help-button", "#reset-view", "#search-input"):
        b = frame.locator(sel).bounding_box()
        assert b["width"] > 20 and box["x"] <= b["x"] and b["x"] + b["width"] <= box["x"] + box["width"], sel
    frame.locator("#help-button").click()
    assert frame.locator("#help").is_visible()
    assert page.errors == []
    context.close()
