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


@pytest.mark.browser
def test_browser_unit_panel_shows_its_index_across_layers_and_marks_weak_names(tmp_path, tiny_vit, browser):
    """A unit's panel lists the same unit index in every MLP layer shown, early to late, and a
    step opens that layer's unit; names under the chance bar read "(weak)", the others do not."""
    from builder.analyses.neurons import analysis
    from builder.render.preview_server import serve_site
    from builder.render.site import page_assets
    from support import write_docs

    mlps = [f"visual.transformer.resblocks.{b}.mlp.gelu" for b in range(3)]
    ctx = neuron_context(tmp_path, tiny_vit, {"layers": [RES1, *mlps], "units": "0:4", "steps": 2, "top_k": 3,
                                              "concept_min_count": 1})
    out = analysis.run(ctx)
    index = json.loads(out.files["index.json"])
    assert 0 < index["name_weak_below"] <= 1
    site = tmp_path / "site"
    write_docs(site, tmp_path / "no-content", {"index.md": "# Home\n", **out.pages, **page_assets(out.bundled)}, "t")
    for rel, data in out.files.items():
        (site / "data" / "tiny" / "neurons" / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / "data" / "tiny" / "neurons" / rel).write_bytes(data)
    entry = {layer["name"]: {e["unit"]: e for e in layer["units"]} for layer in index["layers"]}
    errors = []
    with serve_site(site, prefix="/repo/") as base:
        page = browser.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + f"neurons/index.html#unit={mlps[1]}:2", wait_until="networkidle")
        panel = page.locator("dialog.neuron-panel[open]")
        panel.locator("h2", has_text="unit 2").wait_for()
        steps = panel.locator(".neuron-progression .neuron-step")
        assert steps.count() == 3  # the residual stream is another kind
        titles = [steps.nth(i).get_attribute("title") for i in range(3)]
        assert titles == [f"{m} unit 2" for m in mlps]
        assert [steps.nth(i).is_disabled() for i in range(3)] == [False, True, False]
        for i, m in enumerate(mlps):  # each step shows that layer's own picture and best name
            src = steps.nth(i).locator("img").get_attribute("src")
            assert src.endswith(entry[m][2]["image"])
            best = entry[m][2]["names"][0]
            assert steps.nth(i).locator(".neuron-step-name").inner_text() == best["concept"] + (" (weak)" if best["weak"] else "")
        names = entry[mlps[1]][2]["names"]
        shown = panel.locator(".neuron-names .neuron-name").all_inner_texts()
        assert shown == [n["concept"] + (" (weak)" if n["weak"] else "") for n in names]
        steps.nth(2).click()
        panel.locator("h2", has_text=f"{mlps[2]} · unit 2").wait_for()
        assert panel.locator(".neuron-progression .neuron-step").nth(2).is_disabled()
        page.close()
    assert errors == []
    weak = [n["weak"] for layer in index["layers"] for e in layer["units"] for n in e["names"]]
    print(f"{sum(weak)} of {len(weak)} names weak (bar {index['name_weak_below']})")
