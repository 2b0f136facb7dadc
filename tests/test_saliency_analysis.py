"""The saliency analysis end to end on a tiny shapes dataset and a tiny random open_clip model:
prompt sets, files that match index.json, escaping of hostile dataset text, the cache, config
validation, and the pages (built by MkDocs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch
from PIL import Image, ImageDraw

from builder import config as config_mod
from builder.analyses import AnalysisContext
from builder.analyses import saliency as analysis
from builder.analyses.saliency_prompts import PromptSet, prompt_set, select_images
from builder.compute.embed import encode_image_batch
from builder.config import ConfigError
from builder.datasets.manifest import collect_manifest
from builder.io.cache import Cache
from builder.models.loading import LoadedModel
from builder.models.registry import ModelSpec

from tiny_models import RESNET, VIT, one_thread, tiny_clip  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("one_thread")

COLOURS = {"red": (220, 20, 30), "blue": (20, 50, 220), "green": (20, 160, 40)}
SHAPES = ("square", "circle")
HOSTILE = '<img src=x onerror=alert(1)> **bold** [link](http://evil.example/)'


def write_shapes(root: Path, n: int = 12) -> Path:
    """n 48-px images: one coloured shape on grey, a box, labels colour/shape; every third has a
    written word (one hostile caption and word to check escaping)."""
    (root / "img").mkdir(parents=True)
    rng = np.random.default_rng(0)
    lines = []
    for i in range(n):
        colour, shape = list(COLOURS)[i % 3], SHAPES[(i // 3) % 2]
        img = Image.new("RGB", (48, 48), (128, 128, 128))
        d = ImageDraw.Draw(img)
        x0, y0 = (int(v) for v in rng.integers(2, 24, 2))
        (d.rectangle if shape == "square" else d.ellipse)([x0, y0, x0 + 20, y0 + 20], fill=COLOURS[colour])
        word = ["", "", ["circle", "blue", "dog", "hello"][(i // 3) % 4]][i % 3]
        if i == 2:
            word = HOSTILE
        if word:
            d.text((2, 38), word[:8], fill=(0, 0, 0))
        img.save(root / "img" / f"{i}.png")
        caption = f"a {colour} {shape}" if i != 5 else HOSTILE
        lines.append(json.dumps({"id": f"s{i}" if i != 8 else HOSTILE, "image": f"img/{i}.png", "captions": [caption],
                                 "labels": {"shape": shape, "colour": colour},
                                 "box": [x0 / 48, y0 / 48, (x0 + 21) / 48, (y0 + 21) / 48], "extra": {"word": word}}))
    (root / "m.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root / "m.jsonl"


def make_ctx(tmp_path: Path, vision: dict, size: int, **saliency) -> AnalysisContext:
    model = tiny_clip(**vision)
    preprocess = open_clip.image_transform(size, is_train=False)
    tok = open_clip.get_tokenizer("ViT-B-32", context_length=16)
    lm = LoadedModel(ModelSpec("tiny", "tiny", "random"), model, preprocess, tok, torch.device("cpu"), "tiny-" + str(size))
    col = collect_manifest(write_shapes(tmp_path / "ds"), "shapes")
    from builder.io.images import load_rgb
    imgs = torch.stack([preprocess(load_rgb(r.image)) for r in col.records])
    cfg = config_mod.from_dict({"dataset": {"kind": "manifest", "path": "x", "name": "shapes"},
                                "saliency": {"enabled": True, "images": 6, "word_images": 3, "eval_images": 8,
                                             "deletion_steps": 4, "image_px": 48, **saliency}})
    logs = []
    return AnalysisContext(cfg, col, lm, encode_image_batch(model, imgs, lm.device), np.zeros((0, 24), np.float32),
                           [], np.zeros(0, np.uint32), Cache(tmp_path / "cache"), None, logs.append)


@pytest.mark.parametrize("vision,size", [(VIT, 32), (RESNET, 64)], ids=["vit", "resnet"])
def test_analysis_files_match_the_index(tmp_path, vision, size):
    ctx = make_ctx(tmp_path, vision, size)
    out = analysis.run(ctx)
    index = json.loads(out.files["index.json"])
    h, w = index["grid"]
    m = index["maps"]["shape"][0]
    assert len(out.files["maps.bin"]) == m * h * w == len(out.files["tokens.bin"])
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
    assert {"saliency/index.md", "saliency/method.md", "saliency/saliency.js", "saliency/saliency.css"} <= set(out.pages)
    metrics = out.metrics
    assert metrics["maps"] == m and metrics["maps_per_second"] > 0
    assert 0 <= metrics["pointing_game"]["accuracy"] <= 1 and metrics["pointing_game"]["pairs"] == 8
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
    values = analysis.label_values(col.records)
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
    ({"prefixes": "a photo of"}, "saliency.prefixes must be list"),
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
    from builder.render.docs import build_docs

    ctx = make_ctx(tmp_path, VIT, 32)
    out = analysis.run(ctx)
    site = tmp_path / "site"
    build_docs(site, tmp_path / "no-content", {"index.md": "# Home\n", **out.pages}, "t")
    html = (site / "saliency" / "index.html").read_text(encoding="utf-8")
    assert '<script src="saliency.js"></script>' in html and 'data-index="../data/shapes/saliency/index.json"' in html
    assert (site / "saliency" / "saliency.js").is_file() and (site / "saliency" / "method.html").is_file()
    assert "<img src=x" not in html
