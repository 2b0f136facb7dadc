"""The neuron overview in a real browser: filter by concept (the layer progression), sort, and a
unit's link opens its panel with its names. A tiny random ViT over a tiny colour dataset."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from support import neuron_context

MLP1 = "visual.transformer.resblocks.1.mlp.gelu"
RES1 = "visual.transformer.resblocks.1"


@pytest.mark.browser
def test_browser_overview_filter_sort_and_unit_link(tmp_path, tiny_vit, browser):
    from builder.analyses.neurons import analysis
    from builder.render.preview_server import serve_site
    from builder.render.site import page_assets
    from support import write_docs

    ctx = neuron_context(tmp_path, tiny_vit, {"layers": [RES1, MLP1], "units": "0:8", "steps": 2, "top_k": 3,
                                              "concept_min_count": 1})
    out = analysis.run(ctx)
    index = json.loads(out.files["index.json"])
    site = tmp_path / "site"
    write_docs(site, tmp_path / "no-content", {"index.md": "# Home\n", **out.pages, **page_assets(out.bundled)}, "t")
    for rel, data in out.files.items():
        (site / "data" / "tiny" / "neurons" / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / "data" / "tiny" / "neurons" / rel).write_bytes(data)
    mlp = next(layer for layer in index["layers"] if layer["name"] == MLP1)
    concept = mlp["units"][0]["names"][0]["concept"]
    named = {layer["name"]: sorted(e["unit"] for e in layer["units"]
                                   if any(concept.lower() in n["concept"].lower() for n in e["names"]))
             for layer in index["layers"]}
    errors = []
    with serve_site(site, prefix="/repo/") as base:
        page = browser.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "neurons/index.html", wait_until="networkidle")
        assert page.locator(".neuron-cell").count() == 16
        assert page.locator(".neuron-cell img[loading=lazy]").count() == 16
        page.fill(".neuron-filter", concept)
        for name, units in named.items():
            shown = page.locator(f'section[data-layer="{name}"] .neuron-cell-label').all_inner_texts()
            assert sorted(int(u) for u in shown) == units, (name, concept)
        assert page.locator(".neuron-cell").count() == sum(len(u) for u in named.values()) < 16
        assert all(concept.lower() in t.lower() for t in page.locator(".neuron-cell-name").all_inner_texts())
        page.fill(".neuron-filter", "")
        page.select_option(".neuron-sort", "activation")
        shown = [int(u) for u in page.locator(f'section[data-layer="{MLP1}"] .neuron-cell-label').all_inner_texts()]
        acts = {e["unit"]: e["activation"] for e in mlp["units"]}
        assert shown == sorted(acts, key=lambda u: (-acts[u], u))
        page.locator(f'section[data-layer="{MLP1}"] .neuron-cell').first.click()
        panel = page.locator("dialog.neuron-panel[open]")
        panel.wait_for()
        assert f"unit {shown[0]}" in panel.locator("h2").inner_text()
        assert panel.locator(".neuron-names li").count() == len(mlp["units"][0]["names"]) == 3
        link = panel.locator("a.neuron-permalink").evaluate("a => a.href")  # absolute, as a reader copies it
        assert f"#unit={MLP1}:{shown[0]}" in urllib.parse.unquote(link)
        fresh = browser.new_page()
        fresh.goto(link, wait_until="networkidle")
        fresh.locator("dialog.neuron-panel[open] h2", has_text=f"unit {shown[0]}").wait_for()
        fresh.close()
        page.close()
    assert errors == []
