"""The neuron gallery page in a real browser: the pages and data of a tiny random ViT over a
tiny colour dataset (markup in a caption and a label), served under /repo/."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from support import neuron_context

MLP1 = "visual.transformer.resblocks.1.mlp.gelu"


@pytest.mark.browser
def test_browser_gallery_and_unit_panel(tmp_path, tiny_vit, browser):
    """The gallery shows images, a click opens the unit panel with exemplars and captions as text,
    under a sub-path (like GitHub Pages), with no request outside the origin and no dialog."""
    from builder.analyses.neurons import analysis
    from support import write_docs
    from builder.render.preview_server import serve_site
    from builder.render.site import page_assets

    ctx = neuron_context(tmp_path, tiny_vit, {"layers": [MLP1], "units": "0:3", "steps": 2, "top_k": 9,
                                              "captions": 9})
    out = analysis.run(ctx)
    site = tmp_path / "site"
    write_docs(site, tmp_path / "no-content", {"index.md": "# Home\n", **out.pages, **page_assets(out.bundled)}, "t")
    for rel, data in out.files.items():
        (site / "data" / "tiny" / "neurons" / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / "data" / "tiny" / "neurons" / rel).write_bytes(data)
    requests, dialogs, errors = [], [], []
    with serve_site(site, prefix="/repo/") as base:
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "neurons/index.html", wait_until="networkidle")
        cells = page.locator(".neuron-cell img")
        assert cells.count() == 3
        page.wait_for_function("[...document.querySelectorAll('.neuron-cell img')].every(i => i.complete && i.naturalWidth > 0)")
        page.locator(".neuron-cell").nth(1).click()
        panel = page.locator("dialog.neuron-panel[open]")
        panel.wait_for()
        assert "unit 1" in panel.locator("h2").inner_text()
        assert panel.locator(".neuron-exemplar").count() == 9
        assert panel.locator(".neuron-captions li").count() >= 1
        texts = panel.locator(".neuron-caption").all_inner_texts() + panel.locator(".neuron-labels").all_inner_texts()
        assert any("<img src=x" in t for t in texts) and any("<b>red</b>" in t for t in texts)
        assert panel.locator("img").count() == 1  # only the optimised image: no injected markup
        assert page.evaluate("location.hash") == "#unit=" + quote(MLP1 + ":1", safe="")
        panel.locator("button", has_text="next").click()  # stepping keeps the address on the unit shown
        page.locator("dialog.neuron-panel[open] h2", has_text="unit 2").wait_for()
        page.wait_for_timeout(400)  # the theme's scroll tracking and the close handler had their chance
        assert page.evaluate("location.hash") == "#unit=" + quote(MLP1 + ":2", safe="")
        panel.locator("button", has_text="previous").click()
        page.locator("dialog.neuron-panel[open] h2", has_text="unit 1").wait_for()
        page.wait_for_timeout(400)
        assert page.evaluate("location.hash") == "#unit=" + quote(MLP1 + ":1", safe="")
        page.keyboard.press("Escape")
        assert page.locator("dialog.neuron-panel[open]").count() == 0
        page.goto(base + "neurons/index.html#unit=" + MLP1 + ":2", wait_until="networkidle")
        page.locator("dialog.neuron-panel[open] h2", has_text="unit 2").wait_for()
        # closed, and another unit's address followed before the close event came (its order
        # against hashchange varies: here the close handler runs first, at once): that unit opens
        page.evaluate("(h) => { const d = document.querySelector('dialog.neuron-panel'); d.close(); location.hash = h;"
                      " d.dispatchEvent(new Event('close')); }", "#unit=" + MLP1 + ":0")
        page.locator("dialog.neuron-panel[open] h2", has_text="unit 0").wait_for(timeout=5_000)
        assert page.evaluate("location.hash") == "#unit=" + MLP1 + ":0"
        page.close()
    origin = base.split("/repo/")[0]
    assert requests and all(u.startswith(origin + "/repo/") for u in requests), [
        u for u in requests if not u.startswith(origin + "/repo/")]
    assert dialogs == [] and errors == []
