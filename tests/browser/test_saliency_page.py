"""The saliency page in a real browser: a site with the saliency pages and data of a tiny random
model on a tiny shapes dataset (hostile captions and words included), served under /repo/.
Checks that the heatmap is drawn over the image, the prompt bars show, logits and the softmax
temperature are shown and agree with the cosines, controls work, a phone-wide screen keeps the
prompts readable, dataset text stays text, and no request leaves the origin."""

from __future__ import annotations

import math

import pytest

from builder.analyses.saliency import analysis
from support import write_docs
from builder.render.preview_server import serve_site
from builder.render.site import page_assets

from support import HOSTILE, VIT, analysis_data, make_ctx

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def saliency_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("saliency-site")
    ctx = make_ctx(tmp, VIT, 32, images=12, word_images=4)
    out = analysis.run(ctx)
    site = tmp / "site"
    write_docs(site, tmp / "no-content", {"index.md": "# Home\n", **out.pages, **page_assets(out.bundled)}, "Saliency test")
    for rel, data in analysis_data("saliency", out).items():
        path = site / "data" / "shapes" / "saliency" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    with serve_site(site, prefix="/repo/") as url:
        yield url


def _pixels(page, selector: str) -> list[int]:
    return page.evaluate(
        """sel => { const c = document.querySelector(sel);
                    return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }""",
        selector)


def _open(page, url):
    page.goto(url + "saliency/index.html")
    page.wait_for_selector(".sal-row:not(.sal-head)", timeout=15_000)
    page.wait_for_function("document.querySelector('.sal-canvas').getAttribute('data-drawn') === '1'")
    page.wait_for_function("Array.from(document.querySelectorAll('.sal-thumb img')).every(i => i.complete && i.naturalWidth > 0)")
    _wait_painted(page)


def _wait_painted(page):
    """Wait until the main canvas shows the current image under its map: draw() paints at once
    (data-drawn) and paints again in the image's load event, which comes in the same task in
    which the image becomes complete."""
    page.wait_for_function("""() => { const s = window.atlasSaliency, img = s.image(s.state.image);
        return s.viewCanvas.getAttribute('data-drawn') === '1' && img.complete && img.naturalWidth > 0; }""")


def test_heatmap_and_prompt_bars(page, saliency_url):
    _open(page, saliency_url)
    app = page.evaluate("({n: window.atlasSaliency.data.images.length, k: window.atlasSaliency.data.images[0].prompts.length})")
    assert app["n"] == 12
    assert page.locator(".sal-thumb").count() == 12
    assert page.locator(".sal-row:not(.sal-head)").count() == app["k"]
    widths = page.eval_on_selector_all(".sal-fill", "els => els.map(e => parseFloat(e.style.width))")
    assert len(widths) == 2 * app["k"] and any(w > 0 for w in widths)
    # the heatmap: the canvas at opacity 0.6 differs from the plain image (opacity 0), and is not flat
    heat = _pixels(page, ".sal-canvas")
    page.evaluate("window.atlasSaliency.state.opacity = 0; window.atlasSaliency.redraw()")
    plain = _pixels(page, ".sal-canvas")
    diff = sum(abs(a - b) for a, b in zip(heat, plain)) / len(heat)
    assert diff > 5, diff
    assert len(set(tuple(heat[i : i + 3]) for i in range(0, len(heat), 4 * 97))) > 10
    # choosing another prompt redraws another map and marks the row
    page.evaluate("window.atlasSaliency.state.opacity = 1; window.atlasSaliency.redraw()")
    first = _pixels(page, ".sal-canvas")
    rows = page.locator(".sal-row:not(.sal-head)")
    rows.nth(1).click()
    assert rows.nth(1).get_attribute("aria-pressed") == "true"
    assert _pixels(page, ".sal-canvas") != first
    # prefix comparison and the typographic gallery
    assert page.locator(".sal-prefixes .sal-fig").count() == 3
    assert page.locator("#saliency-typographic .sal-typo").count() >= 1
    assert page.locator("#saliency-typographic canvas").count() == 2 * page.locator(".sal-typo").count()
    assert not page.errors, page.errors
    origin = saliency_url.split("/repo/")[0]
    assert all(u.startswith(origin + "/") for u in page.requests), [u for u in page.requests if not u.startswith(origin)]
    assert any(u.endswith("/repo/data/shapes/saliency/maps.bin") for u in page.requests)


def test_dataset_text_stays_text(page, saliency_url):
    _open(page, saliency_url)
    hostile = page.evaluate("window.atlasSaliency.data.images.findIndex(im => im.word.includes('<img'))")
    assert hostile >= 0
    page.locator(".sal-thumb").nth(hostile).click()
    assert "<img src=x onerror=alert(1)>" in page.locator(".sal-caption").inner_text()
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], a[href^=\"http://evil\"]').length") == 0
    assert any(HOSTILE in t for t in page.locator(".sal-prompt").all_inner_texts())
    assert not page.errors, page.errors


def test_controls_switch_method_and_scale(page, saliency_url):
    _open(page, saliency_url)
    before = _pixels(page, ".sal-canvas")
    page.select_option(".sal-method", "tokens")
    tokens = _pixels(page, ".sal-canvas")
    assert tokens != before
    page.locator(".sal-check input").first.check()
    assert page.evaluate("window.atlasSaliency.state.shared") is True
    page.locator(".sal-check input").nth(1).check()  # the box outline
    assert _pixels(page, ".sal-canvas") != tokens
    page.locator(".sal-opacity").fill("0")
    assert page.evaluate("window.atlasSaliency.state.opacity") == 0
    assert not page.errors, page.errors


def _numbers(page, selector: str) -> list[float]:
    return [float(t.replace("%", "").strip()) for t in page.locator(selector).all_inner_texts()]


def test_logits_and_temperature_are_shown_and_agree(page, saliency_url):
    """Each row shows cosine, logit and softmax; the note shows the logit scale s and the
    temperature 1/s; the shown logits are s × the shown cosines and their softmax the shown shares."""
    _open(page, saliency_url)
    data = page.evaluate("({s: window.atlasSaliency.data.logit_scale, t: window.atlasSaliency.data.temperature})")
    s = data["s"]
    assert data["t"] == pytest.approx(1 / s, rel=1e-4)
    shown_s, shown_t = page.locator(".sal-scale-value").inner_text(), page.locator(".sal-temperature").inner_text()
    assert shown_s.startswith("s = ") and float(shown_s[4:]) == pytest.approx(s, abs=0.005)
    assert shown_t.startswith("1/s = ") and float(shown_t[6:]) == pytest.approx(1 / s, rel=2e-3)
    for n in (0, 3):
        page.locator(".sal-thumb").nth(n).click()
        k = page.evaluate("window.atlasSaliency.data.images[window.atlasSaliency.state.image].prompts.length")
        assert f"{k} prompts" in page.locator(".sal-scale").inner_text()
        cos = _numbers(page, ".sal-row:not(.sal-head) .sal-cos > span:last-child")
        logits = _numbers(page, ".sal-row:not(.sal-head) .sal-logit")
        shares = _numbers(page, ".sal-row:not(.sal-head) .sal-softmax > span:last-child")
        assert len(cos) == len(logits) == len(shares) == k
        for c, z in zip(cos, logits):
            assert z == pytest.approx(s * c, abs=0.005 + s * 0.0005 + 1e-9)  # both rounded as shown
        e = [math.exp(z - max(logits)) for z in logits]
        for share, p in zip(shares, e):
            assert share == pytest.approx(100 * p / sum(e), abs=0.05 + 100 * 0.005 * p / sum(e) + 1e-9)
    assert not page.errors, page.errors


def test_narrow_screen_keeps_prompts_readable(browser, saliency_url):
    """At 390 px the page does not scroll sideways and no prompt is laid out a letter a line."""
    from layout_checks import measure, problems

    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    try:
        pg.goto(saliency_url + "saliency/index.html")
        pg.wait_for_selector(".sal-row:not(.sal-head)", timeout=15_000)
        assert problems(measure(pg)) == []
        row = pg.locator(".sal-row:not(.sal-head)").first
        text = row.locator(".sal-prompt").bounding_box()
        assert text["width"] > 0.6 * row.bounding_box()["width"]  # the prompt has the row's width
        assert pg.locator(".sal-logit").first.is_visible()
    finally:
        context.close()
