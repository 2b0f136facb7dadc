"""Ask the model, in Chromium, on a demo-world site built by the pipeline with the browser-model
stage: browser embeddings against torch, "a red star" on the ground truth, the query box and
panel, the prompt lab, an uploaded image, the fallback without the stage, and no request
outside the site. Uses the documented API (window.atlas)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from builder import config
from builder.datasets.demo import render_item
from builder.models.demo import create_demo_model
from builder.pipeline import build
from builder.render.preview_server import serve_site
from explorer_helpers import assert_clean, atlas_api, open_explorer, red_stars_in_top_images

pytestmark = pytest.mark.browser

SIZE = 1000  # about 15 red stars: enough for a top 10


@pytest.fixture(scope="module")
def ask_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("ask-site")
    cache = os.environ.get("ATLAS_TEST_CACHE") or str(root / "cache")
    cfg = config.load(None, dataset__size=SIZE, cache_dir=cache, neurons__enabled=False, saliency__enabled=False,
                      topology__enabled=False, robustness__enabled=False)
    build(cfg, root / "site", progress=False, log=lambda m: None)
    data = root / "site" / "data" / "demo"
    manifest = json.loads((data / "manifest.json").read_text())
    assert manifest.get("browser_model"), "the browser-model stage wrote nothing"
    blob = (data / "captions.txt").read_bytes()
    offsets = np.fromfile(data / "caption_offsets.bin", dtype="<u4")
    captions = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]
    items = json.loads((data / "items.json").read_text())
    with serve_site(root / "site", prefix="/repo/") as url:
        yield {"url": url, "root": root / "site", "manifest": manifest, "captions": captions, "items": items}


@pytest.fixture(scope="module")
def no_model_url(ask_site, tmp_path_factory):
    """The same site as built with the stage off: no browser_model in the manifest."""
    root = tmp_path_factory.mktemp("no-model") / "site"
    shutil.copytree(ask_site["root"], root, ignore=shutil.ignore_patterns("model"))
    path = root / "data" / "demo" / "manifest.json"
    m = json.loads(path.read_text())
    m.pop("browser_model")
    path.write_text(json.dumps(m))
    with serve_site(root, prefix="/repo/") as url:
        yield url


_api = atlas_api


def test_browser_embeddings_match_torch_for_200_captions(page, ask_site):
    open_explorer(page, ask_site["url"])
    texts = list(dict.fromkeys(ask_site["captions"]))[:200]
    assert len(texts) == 200
    got = np.array(_api(page, "Promise.all(arg.map(async (t) => Array.from(await window.atlas.embedText(t))))", texts))
    model, _, tok = create_demo_model(weights=True)
    with torch.no_grad():
        want = torch.nn.functional.normalize(model.encode_text(tok(texts)).float(), dim=-1).numpy()
    cos = (got * want).sum(1) / np.linalg.norm(got, axis=1)
    dtype = ask_site["manifest"]["browser_model"]["text"]["dtype"]
    print(f"text tower {dtype}: browser vs torch cosine min {cos.min():.5f} mean {cos.mean():.5f} over {len(texts)}")
    assert cos.min() >= (0.99 if dtype == "int8" else 0.999)
    assert_clean(page, ask_site["url"])


def test_a_red_star_returns_red_stars(page, ask_site):
    open_explorer(page, ask_site["url"])
    hits, red_stars = red_stars_in_top_images(page, ask_site["items"]["labels"])
    print(f"'a red star': {red_stars} of its top 10 images are red stars")
    assert red_stars >= 9
    assert all(a["score"] >= b["score"] for a, b in zip(hits, hits[1:]))
    assert_clean(page, ask_site["url"])


def test_the_query_box_lists_shades_marks_and_flies(page, ask_site):
    open_explorer(page, ask_site["url"])
    assert page.get_attribute("#ask-toggle", "aria-pressed") == "true"
    page.fill("#search-input", "a blue circle")
    page.press("#search-input", "Enter")
    page.wait_for_selector("#ask .ask-images li", timeout=60000)
    assert "MB" in page.inner_text("#ask .ask-progress span")  # the progress line counted bytes
    state = page.evaluate("""() => { const s = __atlas.state; return {xyz: s.ask.xyz, top: s.ask.top.length,
        shaded: __atlas.scene.shaded, target: Array.from(__atlas.camera.flight ? __atlas.camera.flight.to.target : __atlas.camera.target)}; }""")
    assert state["shaded"] and state["top"] == 10 and len(state["xyz"]) == 3
    assert np.allclose(state["target"], state["xyz"], atol=1e-4)  # the camera flies to the marker
    assert "weighted" in page.inner_text("#ask .ask-note")
    assert "never leaves" in page.inner_text("#ask .ask-privacy")
    first = int(page.get_attribute("#ask .ask-images li >> nth=0", "data-point"))
    page.click("#ask .ask-images li >> nth=0")
    page.wait_for_function("(p) => __atlas.state.selected === p", arg=first)
    page.uncheck("#ask .ask-shade input")
    assert not page.evaluate("__atlas.scene.shaded")
    assert_clean(page, ask_site["url"])


def test_zero_shot_and_prompt_lab_for_a_selected_image(page, ask_site):
    open_explorer(page, ask_site["url"])
    labels = ask_site["items"]["labels"]
    i = next(k for k, lab in enumerate(labels) if lab["colour"] == "green" and lab["shape"] == "square")
    page.fill("#search-input", "a green square")
    page.press("#search-input", "Enter")
    page.wait_for_selector("#ask .ask-images li", timeout=60000)
    page.evaluate("(i) => window.atlas.select(i)", i)
    page.wait_for_selector("#ask .ask-lab:not([hidden]) textarea")
    page.fill("#ask .lab-prompts", "a green square\na red circle\na blue star")
    page.click("#ask .ask-lab button")
    page.wait_for_selector("#ask .lab-table tbody tr >> nth=2")
    rows = page.locator("#ask .lab-table tbody tr").all_inner_texts()
    shares = [float(r.split("\t")[-1].rstrip("%")) for r in rows]
    assert shares.index(max(shares)) == 0 and abs(sum(shares) - 100) < 0.5
    zs = _api(page, "window.atlas.zeroShot(arg)", i)
    best = {r["field"]: r["rows"][0]["name"] for r in zs}
    assert best["colour"] == "green"
    if ask_site["manifest"]["browser_model"].get("dense") and i in ask_site["manifest"]["browser_model"]["dense"]["images"]:
        assert page.locator("#ask .lab-maps canvas").count() == 3
    assert_clean(page, ask_site["url"])


def test_an_uploaded_image_is_placed_among_its_neighbours(page, ask_site, tmp_path):
    if not ask_site["manifest"]["browser_model"].get("image"):
        pytest.skip("this build exported no image tower")
    img, meta = render_item(7, 123456, 160, word="")
    path = tmp_path / "mine.png"
    img.save(path)
    open_explorer(page, ask_site["url"])
    page.evaluate("window.atlas.loadModel()")
    page.evaluate("() => { __atlas.store.set({askOpen: true}); }")
    page.set_input_files("#ask .ask-file", str(path))
    page.wait_for_function("() => __atlas.state.ask && __atlas.state.ask.source === 'upload' && __atlas.state.ask.status === 'ready'",
                           timeout=60000)
    top = page.evaluate("__atlas.state.ask.images.map((h) => h.index)")
    labels = ask_site["items"]["labels"]
    same = sum(labels[k]["colour"] == meta["labels"]["colour"] for k in top[:10])
    print(f"uploaded {meta['labels']['colour']} {meta['labels']['shape']}: {same} of 10 neighbours share its colour")
    assert same >= 7
    assert page.evaluate("__atlas.state.ask.xyz.length") == 3
    assert_clean(page, ask_site["url"])


def test_without_the_stage_the_box_is_word_search_with_a_notice(page, no_model_url):
    open_explorer(page, no_model_url)
    assert page.is_hidden("#ask-toggle")
    assert "word search only" in page.inner_text("#ask-notice")
    page.fill("#search-input", "star")
    page.wait_for_function("() => __atlas.state.matches && __atlas.state.matches.length > 0")
    err = page.evaluate("window.atlas.embedText('x').then(() => '', (e) => e.message)")
    assert "word search only" in err
    assert not any("/model/" in u or "ask-worker" in u for u in page.requests)
    assert_clean(page, no_model_url)


def test_no_request_leaves_the_site(page, ask_site):
    open_explorer(page, ask_site["url"])
    _api(page, "window.atlas.query('a yellow heart', 5)")
    origin = ask_site["url"].split("/repo/")[0]
    assert any(".wasm?v=" in u for u in page.requests) and any("text.onnx" in u for u in page.requests)  # versioned
    outside = [u for u in page.requests if not (u.startswith(origin) or u.startswith("data:") or u.startswith("blob:"))]
    assert not outside, outside
    assert all(u.startswith("http://127.0.0.1") for u in page.requests if u.startswith("http"))


def test_uploaded_images_embed_like_torch(page, ask_site):
    """JS preprocessing + the exported image tower against open_clip's transform + torch, on
    images of several sizes and modes (PNG RGB, grey, RGBA, palette; a JPEG)."""
    import base64
    import io

    from PIL import Image

    if not ask_site["manifest"]["browser_model"].get("image"):
        pytest.skip("this build exported no image tower")
    model, preprocess, _ = create_demo_model(weights=True)
    cases = []
    for k, (w, h, mode, fmt) in enumerate([(128, 128, "RGB", "PNG"), (200, 120, "RGB", "PNG"), (90, 210, "L", "PNG"),
                                           (150, 150, "RGBA", "PNG"), (77, 64, "P", "PNG"), (300, 240, "RGB", "JPEG"),
                                           (48, 40, "RGB", "PNG")]):
        img = render_item(3, 1000 + k, 128, word="")[0].resize((w, h), Image.BILINEAR).convert(mode)
        buf = io.BytesIO()
        img.save(buf, format=fmt, quality=95)
        data = buf.getvalue()
        cases.append((f"{w}x{h} {mode} {fmt}", data, Image.open(io.BytesIO(data)).convert("RGB")))
    open_explorer(page, ask_site["url"])
    got = np.array(page.evaluate("""async (cases) => { await window.atlas.ready; const out = [];
        for (const b64 of cases) { const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          out.push(Array.from(await window.atlas.embedImage(new Blob([bytes])))); }
        return out; }""", [base64.b64encode(d).decode() for _, d, _ in cases]))
    with torch.no_grad():
        want = torch.nn.functional.normalize(model.encode_image(torch.stack([preprocess(im) for _, _, im in cases])).float(),
                                             dim=-1).numpy()
    cos = (got * want).sum(1) / np.linalg.norm(got, axis=1)
    dtype = ask_site["manifest"]["browser_model"]["image"]["dtype"]
    print("image tower", dtype, {name: round(float(c), 5) for (name, _, _), c in zip(cases, cos)})
    assert cos.min() >= (0.99 if dtype == "int8" else 0.999)
    assert_clean(page, ask_site["url"])


@pytest.mark.parametrize("size", [(1280, 800), (390, 844), (900, 700)])
def test_the_ask_panel_and_the_legend_do_not_overlap(page, ask_site, size):
    """With the Ask panel open after a query, the legend is still there to read and use: the two
    boxes do not intersect (wide: the legend sits beside the panel; narrow: they split the height)."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_explorer(page, ask_site["url"])
    before = page.evaluate("() => document.getElementById('legend').getBoundingClientRect().toJSON()")
    page.fill("#search-input", "a purple heart")
    page.press("#search-input", "Enter")
    page.wait_for_selector("#ask .ask-images li", timeout=60000)
    page.wait_for_timeout(300)
    box = page.evaluate("""() => { const r = (id) => document.getElementById(id).getBoundingClientRect().toJSON();
        return {ask: r('ask'), legend: r('legend'), w: innerWidth, h: innerHeight,
                select: document.querySelector('#legend select') && document.querySelector('#legend select').getBoundingClientRect().toJSON()}; }""")
    a, g = box["ask"], box["legend"]
    apart = a["right"] <= g["left"] or g["right"] <= a["left"] or a["bottom"] <= g["top"] or g["bottom"] <= a["top"]
    assert apart, box
    assert a["height"] > 200 and g["height"] >= 40 and g["width"] > 150, box  # neither squeezed away
    for r in (a, g):
        assert r["left"] >= 0 and r["top"] >= 0 and r["right"] <= box["w"] and r["bottom"] <= box["h"], box
    assert before["height"] > 0
    if box["select"]:  # the legend's colour-by control can still be clicked, not covered by the panel
        cx, cy = box["select"]["left"] + box["select"]["width"] / 2, box["select"]["top"] + box["select"]["height"] / 2
        assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('#legend') !== null", [cx, cy])
    if os.environ.get("ATLAS_SHOTS"):  # a folder to look at the layout in
        Path(os.environ["ATLAS_SHOTS"]).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(os.environ["ATLAS_SHOTS"]) / f"ask-legend-{size[0]}x{size[1]}.png"))
    page.evaluate("() => __atlas.store.set({askOpen: false})")  # closed: the legend goes back
    page.wait_for_timeout(100)
    after = page.evaluate("() => document.getElementById('legend').getBoundingClientRect().toJSON()")
    assert abs(after["left"] - before["left"]) < 1
    assert_clean(page, ask_site["url"])
