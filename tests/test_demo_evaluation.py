"""The demo model's behaviours (builder/training/evaluation.py): known answers on the parts that
have them (a non-square image keeps its aspect ratio and crops back to its square; synonyms are
held out of every caption and change only the value's word), and the measures on the shipped
weights against what they must be (no prefix changes nothing; a shape word that wins the argmax
also beats the drawn shape; squashing and padding move the embedding, cropping does not)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from builder.datasets.demo import ATTRIBUTES, SYNONYMS, label_prompts, render_item
from builder.models.demo import METRICS_PATH, create_demo_model
from builder.training import evaluation as E
from builder.training.train_demo import HELDOUT_SEED, typographic_attack


@pytest.fixture(scope="module")
def demo():
    torch.set_num_threads(2)
    return create_demo_model()


def test_a_non_square_image_keeps_its_aspect_and_crops_back_to_its_square():
    img, _ = render_item(HELDOUT_SEED, 0)
    wide, tall = E.non_square(img, 0), E.non_square(img, 1)
    assert wide.size == (171, 128) and tall.size == (128, 171)
    a = np.asarray(img)
    assert np.array_equal(np.asarray(wide)[:, 21:149], a) and np.array_equal(np.asarray(tall)[21:149, :], a)


def test_synonyms_are_in_no_caption_and_change_only_the_values_word():
    words = {w for per in SYNONYMS.values() for w in per.values()}
    assert all(set(SYNONYMS[a]) == set(ATTRIBUTES[a]) for a in ATTRIBUTES)
    captions = " | ".join(c for i in range(400) for c in render_item(HELDOUT_SEED, i)[1]["captions"])
    for w in words:
        assert not re.search(rf"\b{re.escape(w)}\b", captions), w
    canon, syn = label_prompts(), label_prompts(synonyms=True)
    for attribute, per in canon.items():
        for value, prompts in per.items():
            assert len(syn[attribute][value]) == len(prompts)
            assert all(SYNONYMS[attribute][value] in p for p in syn[attribute][value])
            assert syn[attribute][value] != prompts


def test_behaviours_of_the_shipped_weights(demo):
    model, preprocess, tokenizer = demo
    b = E.behaviours(model, preprocess, tokenizer, n=120, seed=HELDOUT_SEED)
    assert b["prefixes"]["none"]["cosine_change"] == 0 and b["prefixes"]["none"]["accuracy_change"] == 0
    assert set(b["prefixes"]) == {"none", *E.PREFIXES}
    for f in b["prefixes"].values():
        assert f["cosine_change"] == pytest.approx(f["cosine"] - b["prefixes"]["none"]["cosine"])
    pp = b["preprocessing"]
    assert pp["reference"]["cosine_to_crop"] == pytest.approx(1.0, abs=1e-5)
    assert pp["squash"]["cosine_to_crop"] < 0.999 and pp["pad"]["cosine_to_crop"] < 0.999
    blocks = b["sparsity"]["blocks"]
    assert len(blocks) == 6 and all(0 < x["near_zero"] < 1 and 0 < x["nonpositive"] < 1 for x in blocks)
    # the model's own preprocessing of a non-square item is the square item's: the same shape accuracy
    items = [render_item(HELDOUT_SEED, i) for i in range(120)]
    img = E.encode_images(model, preprocess, [im for im, _ in items])
    truth = E.labels_of([m for _, m in items], "shape")
    square = np.mean(E.attribute_scores(model, tokenizer, "shape")(img).argmax(1) == truth)
    assert pp["reference"]["zeroshot_shape"] == pytest.approx(square, abs=0.02)


def test_a_word_that_wins_the_argmax_also_beats_the_drawn_value(demo):
    attack = typographic_attack(*demo, n=60)
    for attribute in ("colour", "shape"):
        a = attack[attribute]
        assert 0 <= a["word_wins"] <= a["word_beats_object"] <= 1, a


def test_the_shipped_metrics_record_the_behaviours_of_these_weights(demo):
    recorded = json.loads(METRICS_PATH.read_text())
    beh = recorded["behaviours"]
    assert set(beh) >= {"prefixes", "preprocessing", "sparsity"}
    model, preprocess, tokenizer = demo
    again = E.prefix_effects(model, tokenizer, E.encode_images(model, preprocess, [render_item(HELDOUT_SEED, i)[0] for i in range(200)]),
                             [render_item(HELDOUT_SEED, i)[1] for i in range(200)])
    for prefix, f in beh["prefixes"].items():
        assert abs(f["accuracy"] - again[prefix]["accuracy"]) < 0.06, prefix
    assert all(f"synonym_relative_{a}" in recorded["heldout"] for a in ATTRIBUTES)
