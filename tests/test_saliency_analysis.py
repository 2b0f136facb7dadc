"""The saliency analysis end to end on a tiny shapes dataset and a tiny random open_clip model:
prompt sets, files that match index.json, escaping of hostile dataset text, the cache, config
validation, and the pages (built by MkDocs)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from builder import config as config_mod
from builder.analyses.saliency import analysis
from builder.analyses.saliency.prompts import prompt_set, select_images
from builder.config import ConfigError
from builder.datasets.manifest import collect_manifest
from builder.render.site import page_assets

from support import RESNET, VIT, make_ctx, write_shapes

pytestmark = pytest.mark.usefixtures("one_thread")

@pytest.mark.parametrize("vision,size", [(VIT, 32), (RESNET, 64)], ids=["vit", "resnet"])
def test_analysis_files_match_the_index(tmp_path, vision, size):
    ctx = make_ctx(tmp_path, vision, size)
    out = analysis.run(ctx)
    index = json.loads(out.files["index.json"])
    h, w = index["grid"]
    m = index["maps"]["shape"][0]
    assert out.buffers["maps"].shape == (m, h, w) == out.buffers["tokens"].shape
    assert out.buffers["maps"].dtype == np.uint8 and out.counts == {"M": m, "GH": h, "GW": w, "TH": h, "TW": w}
    assert len(index["maps"]["min"]) == m and len(index["tokens"]["max"]) == m
    assert len(index["images"]) == 6 and sum(bool(im["word"]) for im in index["images"]) == 3
    rows = sorted(p["map"] for im in index["images"] for p in im["prompts"])
    assert rows == list(range(m))
    for im in index["images"]:
        assert im["src"] in out.files and out.files[im["src"]][:4] == b"RIFF"
        assert abs(sum(p["p"] for p in im["prompts"]) - 1) < 1e-3
        assert im["prompts"][im["object_prompt"]]["role"] == "object"
        assert [p["prefix"] for p in im["prefixes"]] == ["a photo of ", "", "an image of "]
        texts = [im["prompts"][p["prompt"]]["text"] for p in im["prefixes"]]
        assert texts[1].startswith("a ") and texts[0] == "a photo of " + texts[1]
    assert {"saliency/index.md", "saliency/method.md"} <= set(out.pages)
    assert out.bundled == ("saliency/saliency.js", "saliency/saliency.css")  # the writer takes them from the bundle
    metrics = out.metrics
    assert metrics["maps"] == m and metrics["maps_per_second"] > 0
    pg = metrics["pointing_game"]
    assert pg["pairs"] == 8 and pg["accuracy"] * 8 == pytest.approx(round(pg["accuracy"] * 8))  # hits / 8 pairs
    assert pg["mean_box_area"] == round((21 / 48) ** 2, 4)  # write_shapes: every box is 21 px of 48
    assert len(metrics["deletion"]["curve_salient"]) == 5
    assert metrics["typographic"]["images"] >= 1
    # hostile dataset text never reaches the markdown pages
    for page in ("saliency/index.md", "saliency/method.md"):
        assert "<img" not in out.pages[page] and "evil.example" not in out.pages[page]
    # the cache returns the same bytes without recomputing
    again = analysis.run(ctx)
    assert again.cached and again.files == out.files and again.pages == out.pages and again.metrics == json.loads(json.dumps(metrics))


def test_prompt_sets(tmp_path):
    cfg = config_mod.from_dict({"saliency": {"prompts": ["something {colour}", "a {nosuchfield}"],
                                             "category_prompts": {"circle": ["a round thing"]}}}).saliency
    col = collect_manifest(write_shapes(tmp_path / "ds"), "shapes")
    values, _ = analysis.label_values(col)
    rng = np.random.default_rng(0)
    rec = col.records[3]  # blue? index 3: colour red, shape circle, no word
    s = prompt_set(rec, cfg, values, "shape", rng)
    texts = [t for t, _ in s.prompts]
    roles = dict((r, t) for t, r in s.prompts)
    c, sh = rec.labels["colour"], rec.labels["shape"]
    assert texts[s.object_prompt] == f"a photo of a {c} {sh}"
    assert roles["wrong-colour"].endswith(f" {sh}") and c not in roles["wrong-colour"]
    assert roles["wrong-shape"].startswith(f"a photo of a {c} ") and not roles["wrong-shape"].endswith(sh)
    assert f"something {c}" in texts and not any("nosuchfield" in t for t in texts)
    assert ("a round thing" in texts) == (sh == "circle")
    assert len(texts) == len(set(texts))
    # typographic pairs: a shape word replaces the shape, a colour word the colour
    from builder.records import Record
    r = Record("x", rec.image, ("cap",), {"colour": "red", "shape": "square"}, None, {"word": "circle"})
    t = prompt_set(r, cfg, values, "shape", rng).typographic
    assert t["kind"] == "shape"
    s2 = prompt_set(r, cfg, values, "shape", np.random.default_rng(0))
    assert s2.prompts[s2.typographic["word_prompt"]][0] == "a photo of a red circle"
    assert s2.prompts[s2.typographic["object_prompt"]][0] == "a photo of a red square"
    r = Record("x", rec.image, ("cap",), {"colour": "red", "shape": "square"}, None, {"word": "square"})
    assert prompt_set(r, cfg, values, "shape", rng).typographic is None  # the word names the object
    # the cap keeps object, prefixes and word
    small = config_mod.from_dict({"saliency": {"max_prompts": 4}}).saliency
    r = Record("x", rec.image, ("cap",), {"colour": "red", "shape": "square"}, None, {"word": "dog"})
    s3 = prompt_set(r, small, values, "shape", rng)
    assert len(s3.prompts) == 4 and s3.typographic and len(s3.prefixes) == 3


def test_select_images_mixes_word_and_plain(tmp_path):
    col = collect_manifest(write_shapes(tmp_path / "ds"), "shapes")
    pick = select_images(col.records, 6, 2, 0)
    assert len(pick) == 6 == len(set(pick)) and pick == sorted(pick)
    assert sum(bool(col.records[i].extra.get("word")) for i in pick) == 2
    assert select_images(col.records, 6, 2, 0) == pick
    assert len(select_images(col.records, 50, 2, 0)) == len(col.records)


@pytest.mark.parametrize("section,message", [
    ({"images": 0}, "saliency.images = 0 is not allowed; allowed: 1..1000"),
    ({"prefixes": []}, "saliency.prefixes = () is not allowed; allowed: a non-empty list of strings"),
    ({"prefixes": "a photo of"}, "saliency.prefixes must be a list"),
    ({"category_prompts": {"circle": "round"}}, "saliency.category_prompts.circle = 'round' is not allowed"),
    ({"image_px": 4}, "saliency.image_px = 4 is not allowed; allowed: 32..512"),
    ({"batch": 0}, "saliency.batch = 0 is not allowed; allowed: 1..1024"),
    ({"vit_blocks": -1}, "saliency.vit_blocks = -1 is not allowed"),
    ({"colour": 1}, "unknown field saliency.colour; allowed: batch, category_prompts"),
])
def test_config_errors_name_field_and_allowed_values(section, message):
    with pytest.raises(ConfigError) as exc:
        config_mod.from_dict({"saliency": section})
    assert message in str(exc.value)


def test_pages_build_with_mkdocs(tmp_path):
    """The generated pages go through the strict MkDocs build; the script and data links resolve."""
    from support import write_docs

    ctx = make_ctx(tmp_path, VIT, 32)
    out = analysis.run(ctx)
    site = tmp_path / "site"
    write_docs(site, tmp_path / "no-content", {"index.md": "# Home\n", **out.pages, **page_assets(out.bundled)}, "t")
    html = (site / "saliency" / "index.html").read_text(encoding="utf-8")
    assert '<script src="saliency.js"></script>' in html and 'data-index="../data/shapes/saliency/index.json"' in html
    assert (site / "saliency" / "saliency.js").is_file() and (site / "saliency" / "method.html").is_file()
    assert "<img src=x" not in html


def test_index_has_logits_logit_scale_and_temperature(tmp_path):
    """logit = s × cosine with the model's own logit scale s, the softmax is that of the logits
    (temperature 1/s); the method page's deletion figure is captioned and legible."""
    import math
    from types import SimpleNamespace

    import torch
    from figure_checks import page_figures, svg_problems, uncaptioned

    ctx = make_ctx(tmp_path, VIT, 32)
    with torch.no_grad():
        ctx.model.model.logit_scale.fill_(math.log(20.0))
    out = analysis.run(ctx)
    index = json.loads(out.files["index.json"])
    assert index["schema"] == 2
    assert index["logit_scale"] == pytest.approx(20.0, abs=1e-3)
    assert index["temperature"] == pytest.approx(1 / 20.0, abs=1e-6)
    for im in index["images"]:
        sims = np.array([p["sim"] for p in im["prompts"]])
        logits = np.array([p["logit"] for p in im["prompts"]])
        assert np.allclose(logits, 20.0 * sims, atol=2e-3)
        e = np.exp(logits - logits.max())
        assert np.allclose(e / e.sum(), [p["p"] for p in im["prompts"]], atol=2e-4)
        assert len(set(np.round(logits, 2))) > 1
    # CLIP clamps the scale at 100; a model without one gets 100
    assert analysis.logit_scale(SimpleNamespace(logit_scale=torch.tensor(math.log(500.0)))) == 100.0
    assert analysis.logit_scale(SimpleNamespace()) == 100.0
    method = out.pages["saliency/method.md"]
    assert uncaptioned(method) == [] and [src for _, src, _ in page_figures(method)] == ["deletion.svg"]
    assert svg_problems(out.pages["saliency/deletion.svg"]) == []


def test_prompt_set_without_labels_uses_captions(tmp_path):
    from builder.records import Record

    cfg = config_mod.from_dict({"saliency": {"image_prompts": {"x": ["a kite"]}}}).saliency
    r = Record("x", tmp_path / "x.png", ("a dog on a beach", "sand and sea", "third"), {}, None, {})
    s = prompt_set(r, cfg, {}, None, np.random.default_rng(0))
    assert [t for t, _ in s.prompts] == ["a dog on a beach", "sand and sea", "a kite"]
    assert s.prefixes == [] and s.typographic is None and s.object_prompt == 0
    # a category label gives the object phrase, a wrong label and the prefixes
    r = Record("y", tmp_path / "y.png", ("a dog on a beach",), {"category": "dog"}, None, {})
    s = prompt_set(r, cfg, {"category": ["cat", "dog"]}, "category", np.random.default_rng(0))
    assert [t for t, _ in s.prompts] == ["a photo of a dog", "a photo of a cat", "a dog", "an image of a dog",
                                         "a dog on a beach"]


def test_chunking_does_not_change_the_results(tmp_path, monkeypatch):
    full = analysis.run(make_ctx(tmp_path / "a", VIT, 32))
    monkeypatch.setattr(analysis, "CHUNK_IMAGES", 4)
    small = analysis.run(make_ctx(tmp_path / "b", VIT, 32))
    a, b = json.loads(full.files["index.json"]), json.loads(small.files["index.json"])
    sims = lambda ix: [p["sim"] for im in ix["images"] for p in im["prompts"]]  # noqa: E731
    assert np.allclose(sims(a), sims(b), atol=1e-5)
    for name in ("maps", "tokens"):
        diff = np.abs(full.buffers[name].astype(int) - small.buffers[name])
        assert diff.max() <= 1
    assert full.metrics["pointing_game"] == small.metrics["pointing_game"]
    assert np.allclose(full.metrics["deletion"]["curve_salient"], small.metrics["deletion"]["curve_salient"], atol=1e-3)


def test_same_inputs_give_the_same_bytes(tmp_path):
    """Two cold runs (separate caches): identical files and pages (timings go to the report only)."""
    a = analysis.run(make_ctx(tmp_path / "a", VIT, 32))
    b = analysis.run(make_ctx(tmp_path / "b", VIT, 32))
    assert a.files == b.files and a.pages == b.pages
    assert "maps_per_second" not in json.loads(a.files["index.json"])["metrics"]


def test_select_images_prefers_word_wins_for_up_to_half(tmp_path):
    col = collect_manifest(write_shapes(tmp_path / "ds", 24), "shapes")
    words = [i for i, r in enumerate(col.records) if r.extra.get("word")]
    pick = select_images(col.records, 10, 4, 0, prefer=words[:1] + [0])  # 0 has no word: ignored
    assert words[0] in pick and sum(i in words for i in pick) == 4
    pick = select_images(col.records, 10, 4, 0, prefer=words)
    assert sum(i in words for i in pick) == 4
