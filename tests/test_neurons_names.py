"""Units named in words (CLIP-Dissect style): the vocabulary, the rank match, and known answers on
the demo world (colour-selective units are named by their colour, found from activations alone).

The known-answer tests hold for any reasonably trained demo model: they pick units from their own
activations and check the names against the ground-truth labels, never against today's figures.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from builder.compute import neurons as N
from builder.compute import unit_names as U
from builder.compute.embed import encode_texts
from builder.compute.fvis.probes import probes_for

pytestmark = pytest.mark.usefixtures("one_thread")


def test_vocabulary_label_values_first_then_frequent_caption_words():
    caps = ["a red circle on a striped background", "A RED square", "the red circle", "<b>odd</b> word"]
    vocab = U.vocabulary(caps, ["red", "blue", "top left"], min_count=2, limit=10)
    assert vocab[:3] == ["red", "blue", "top left"]
    assert vocab[3:] == ["circle"]  # 'red' once only, stop words ('a', 'the') and rare words out
    assert U.vocabulary(caps, ["red", "blue"], min_count=1, limit=3) == ["red", "blue", "circle"]
    assert "odd" in U.vocabulary(caps, [], min_count=1)  # markup is split into words, kept as text


def test_rank_correlation_is_spearman_and_ignores_monotone_rescaling():
    rng = np.random.default_rng(0)
    acts, prof = rng.normal(size=(50, 4)), rng.normal(size=(50, 3))
    prof[:, 0] = acts[:, 1] * 3 + rng.normal(scale=0.1, size=50)
    got = U.rank_correlation(acts, prof)
    ref = np.array([[spearmanr(acts[:, u], prof[:, k])[0] for k in range(3)] for u in range(4)])
    assert np.allclose(got, ref, atol=1e-5)
    assert np.allclose(U.rank_correlation(np.exp(acts), prof), got, atol=1e-6)
    assert np.all(U.rank_correlation(np.ones((50, 1)), prof) == 0)
    idx, score = U.top_concepts(got, 2)
    assert idx[1, 0] == 0 and score[1, 0] > 0.9 and np.all(score[:, 0] >= score[:, 1])
    with pytest.raises(ValueError, match="rows"):
        U.rank_correlation(acts, prof[:10])


@pytest.fixture(scope="module")
def demo_named():
    """The demo model on 400 demo-world images: every MLP unit's mean activation, and its rank
    match with every colour and shape value and the caption words."""
    from builder.datasets import demo as demo_data
    from builder.models import demo as demo_model

    model, preprocess, tokenizer = demo_model.create_demo_model(weights=True)
    model.eval()
    items = [demo_data.render_item(23, i) for i in range(400)]
    x = torch.stack([preprocess(img) for img, _ in items])
    labels = {f: np.array([m["labels"][f] for _, m in items]) for f in ("colour", "shape")}
    values = {f: sorted(set(v.tolist())) for f, v in labels.items()}
    captions = [c for _, m in items for c in m["captions"]]
    concepts = U.vocabulary(captions, values["colour"] + values["shape"], min_count=5)
    with torch.no_grad():
        img = torch.nn.functional.normalize(model.encode_image(x), dim=-1).numpy()
    txt = encode_texts(model, tokenizer, concepts, torch.device("cpu"))
    probes = probes_for(model)
    layers = [n for n in probes if n.endswith(".mlp.gelu")]
    acts = N.dataset_activations(model, [probes[n] for n in layers], {}, [x[i:i + 100] for i in range(0, 400, 100)])
    mean = np.concatenate([acts[n]["mean"] for n in layers], axis=1)
    scores = U.rank_correlation(mean, img @ txt.T)
    return mean, scores, concepts, labels, values


def _field(demo_named, field):
    mean, scores, concepts, labels, values = demo_named
    vals = values[field]
    lab = np.array([vals.index(v) for v in labels[field]])
    return mean, scores, concepts, lab, vals


@pytest.mark.parametrize("field, floor", [("colour", 0.6), ("shape", 0.4)])
def test_demo_selective_units_are_named_by_their_value(demo_named, field, floor):
    """Units selective for one colour (or shape), found from their activations on the images of
    each value, have that value as their best name among the field's values."""
    mean, scores, concepts, lab, vals = _field(demo_named, field)
    best, sel = U.preferred_values(mean, lab, vals)
    chosen = np.argsort(-sel, kind="stable")[:30]
    assert sel[chosen].min() > 0.5  # selective units exist
    res = U.naming_accuracy(mean[:, chosen], lab, vals, concepts, scores[chosen], min_selectivity=0.0)
    print(f"{field}: naming accuracy {res['accuracy']} on the {res['units']} most selective units")
    assert res["units"] == 30 and res["accuracy"] >= floor, res


def test_demo_a_unit_named_by_a_colour_fires_most_on_that_colour(demo_named):
    mean, scores, concepts, lab, vals = _field(demo_named, "colour")
    cols = [concepts.index(v) for v in vals]
    named = np.argmax(scores[:, cols], axis=1)
    strong = np.flatnonzero(scores[np.arange(len(scores)), np.asarray(cols)[named]] >= 0.4)
    assert len(strong) >= 5
    per_value = np.stack([mean[lab == v].mean(0) for v in range(len(vals))])  # [V, U]
    hits = np.mean(per_value[:, strong].argmax(0) == named[strong])
    assert hits >= 0.8, hits


def test_weak_bar_sits_above_what_chance_gives_and_below_a_real_match():
    """On profiles unrelated to the units (independent noise), no unit's best name clears the
    weak bar; a unit that follows one concept's profile (plus noise) clears it."""
    rng = np.random.default_rng(3)
    images, concepts = 400, 300
    prof = rng.normal(size=(images, concepts))
    noise_units = rng.normal(size=(images, 40))
    bar = U.weak_below(images, concepts)
    best = U.rank_correlation(noise_units, prof).max(1)
    assert best.max() < bar, (best.max(), bar)
    assert bar > U.MIN_STRONG_RHO  # 400 images: chance, not the floor, sets the bar
    follow = prof[:, 7:8] + 0.8 * rng.normal(size=(images, 1))
    score = U.rank_correlation(follow, prof)[0]
    assert int(np.argmax(score)) == 7 and score[7] > bar
    assert U.weak_rule(images, concepts) == "chance"
    assert U.weak_below(1_000_000, 300) == U.MIN_STRONG_RHO  # large datasets: the floor
    assert U.weak_rule(1_000_000, 300) == "floor"
    assert U.weak_below(2, 10) == 1.0 and U.weak_rule(2, 10) == "cap"  # too few images to name anything
    assert U.weak_rule(20, 10_000) == "cap" and U.weak_below(20, 10_000) == 1.0
