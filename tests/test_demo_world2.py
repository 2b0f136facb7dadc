"""Demo world 2 (builder/datasets/demo_world2.py): known answers. A word's box is where the word
was drawn; every caption names the item's colour and shape, by value or by one of its synonyms;
a non-square image keeps its aspect ratio with the object and the word in its centred square;
items are deterministic; train-demo trains and measures on it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from builder.datasets.demo import ATTRIBUTES, SYNONYMS, world_renderer
from builder.datasets.demo_world2 import CAPTION_SYNONYMS, WORD_SIZES, render_item

SEED = 7


def _ink_box(a: np.ndarray, b: np.ndarray) -> list[int]:
    ys, xs = np.nonzero(np.any(a != b, axis=2))
    return [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]


def test_a_words_box_is_where_the_word_was_drawn():
    checked = 0
    for i in range(60):
        plain, _ = render_item(SEED, i, word="")
        img, meta = render_item(SEED, i, word="star")
        if not meta["word"]:
            continue
        assert meta["word"] == "star" and meta["word_size"] in WORD_SIZES
        w, h = img.size
        x0, y0, x1, y1 = _ink_box(np.asarray(img), np.asarray(plain))
        bx = [meta["word_box"][0] * w, meta["word_box"][1] * h, meta["word_box"][2] * w, meta["word_box"][3] * h]
        assert all(abs(u - v) <= 2 for u, v in zip([x0, y0, x1, y1], bx)), (i, [x0, y0, x1, y1], bx)
        # clear of the object's box
        ob = [meta["box"][0] * w, meta["box"][1] * h, meta["box"][2] * w, meta["box"][3] * h]
        assert bx[2] <= ob[0] or ob[2] <= bx[0] or bx[3] <= ob[1] or ob[3] <= bx[1], i
        checked += 1
    assert checked >= 40


def test_every_caption_names_the_colour_and_the_shape_by_value_or_synonym():
    uses_synonym = 0
    for i in range(300):
        _, meta = render_item(SEED, i)
        for caption in meta["captions"]:
            for attribute in ("colour", "shape"):
                value = meta["labels"][attribute]
                names = (value, *CAPTION_SYNONYMS[attribute][value])
                assert any(re.search(rf"\b{re.escape(n)}\b", caption) for n in names), (caption, attribute, value)
                uses_synonym += any(re.search(rf"\b{re.escape(n)}\b", caption) for n in CAPTION_SYNONYMS[attribute][value])
    assert uses_synonym > 100
    # the held-out synonym prompts' words (demo.SYNONYMS) are the first of each value's caption synonyms
    assert all(CAPTION_SYNONYMS[a][v][0] == SYNONYMS[a][v] for a in ATTRIBUTES for v in ATTRIBUTES[a])


def test_non_square_images_keep_their_aspect_with_object_and_word_in_the_centred_square():
    aspects = {}
    for i in range(200):
        img, meta = render_item(SEED, i)
        w, h = img.size
        aspects[meta["aspect"]] = aspects.get(meta["aspect"], 0) + 1
        assert (w, h) == {"1:1": (128, 128), "4:3": (171, 128), "3:4": (128, 171)}[meta["aspect"]]
        side, ox, oy = min(w, h), (w - min(w, h)) // 2, (h - min(w, h)) // 2
        for box in (meta["box"], meta["word_box"]) if meta["word_box"] else (meta["box"],):
            x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
            assert ox <= x0 and x1 <= ox + side and oy <= y0 and y1 <= oy + side, (i, box)
    assert aspects.get("4:3", 0) > 20 and aspects.get("3:4", 0) > 20 and aspects.get("1:1", 0) > 80


def test_items_are_deterministic_and_world_1_is_unchanged():
    a, ma = render_item(SEED, 3)
    b, mb = render_item(SEED, 3)
    assert a.tobytes() == b.tobytes() and ma == mb
    assert world_renderer(2) is render_item
    one, meta = world_renderer(1)(SEED, 3)
    assert one.size == (128, 128) and "aspect" not in meta
    with pytest.raises(ValueError, match="1 or 2"):
        world_renderer(3)


def test_train_demo_trains_and_measures_on_world_2(tmp_path):
    import torch

    from builder.training.evaluation import behaviours
    from builder.training.train_demo import evaluate, train, typographic_attack
    from builder.models.demo import create_demo_model

    torch.set_num_threads(2)
    model, info = train(steps=3, batch_size=16, n_images=64, warmup=1, workers=1, attribute_extras=0.5, world=2)
    assert info["world"] == 2 and np.all(np.isfinite(info["losses"]))
    _, preprocess, tokenizer = create_demo_model(weights=False)
    m = evaluate(model, preprocess, tokenizer, n=30, world=2)
    assert m["world"] == 2 and 0 <= m["zeroshot_shape"] <= 1
    attack = typographic_attack(model, preprocess, tokenizer, n=40, world=2)
    sizes = attack["shape"]["by_word_size"]
    assert sum(v["n"] for v in sizes.values()) == attack["shape"]["n"] and set(sizes) <= set(WORD_SIZES)
    b = behaviours(model, preprocess, tokenizer, n=30, seed=2, world=2)
    assert b["preprocessing"]["n"] > 0 and all(a != "128x128" for a in b["preprocessing"]["aspects"])
    with pytest.raises(ValueError, match="world 1 only"):
        train(steps=1, batch_size=4, n_images=8, workers=1, hard_negatives=1, world=2)


def test_shape_words_are_mostly_labels_of_the_drawn_shape():
    from builder.datasets.demo_world2 import LABEL_RATE

    own = other = 0
    for i in range(600):
        _, meta = render_item(SEED, i)
        if meta["word"] in ATTRIBUTES["shape"]:
            own += meta["word"] == meta["labels"]["shape"]
            other += meta["word"] != meta["labels"]["shape"]
    expected = LABEL_RATE + (1 - LABEL_RATE) / len(ATTRIBUTES["shape"])
    assert own + other > 50 and abs(own / (own + other) - expected) < 0.12, (own, other, expected)
    assert other > 0  # a shape word naming another shape still occurs: the drawing is what counts


def test_world_2_manifest_carries_the_word_box_and_the_aspect(tmp_path):
    from PIL import Image

    from builder.datasets.demo import materialise
    from builder.datasets.manifest import collect_manifest

    manifest = materialise(tmp_path, size=40, seed=SEED, world=2, progress=False)
    col = collect_manifest(manifest, "demo", 0, 0)
    assert len(col.records) == 40
    words = 0
    for rec in col.records:
        img, meta = render_item(SEED, int(rec.id.rsplit("-", 1)[1]))
        with Image.open(rec.image) as shown:
            assert shown.size == img.size and np.array_equal(np.asarray(shown.convert("RGB")), np.asarray(img))
        assert rec.extra["aspect"] == meta["aspect"] and rec.extra["word"] == meta["word"]
        assert rec.extra["word_box"] == meta["word_box"] and rec.box == pytest.approx(meta["box"])
        words += bool(rec.extra["word"])
    assert words >= 5
    # world 1 and world 2 of the same seed live in different folders of the cache and never mix
    assert materialise(tmp_path / "one", size=3, seed=SEED, progress=False).read_text().count("word_box") == 0


def test_a_site_builds_on_world_2_with_demo_weights_of_your_own(tmp_path):
    """What a user types: build --demo-world 2 --checkpoint FILE. The saliency analysis then has
    world 2's word boxes to play the word pointing game on (any demo weights file will do for the
    mechanics; the shipped one is used)."""
    import json

    from click.testing import CliRunner

    from builder.cli import cli
    from builder.models.demo import WEIGHTS_PATH

    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["build", "--demo-world", "2", "--demo-size", "60", "--checkpoint", str(WEIGHTS_PATH),
                                      "--analyses", "saliency", "--no-browser-model", "--no-progress", "--workers", "0",
                                      "--cache-dir", str(tmp_path / "cache"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "build-report.json").read_text())
    assert report["model"]["name"] == "demo/checkpoint" and "world 2" in json.dumps(report["dataset"])
    words = report["metrics"]["saliency"]["word_pointing_game"]
    assert words["pairs"] > 0 and 0 <= words["accuracy"] <= 1
    assert "Word pointing game" in (out / "saliency" / "index.html").read_text()
