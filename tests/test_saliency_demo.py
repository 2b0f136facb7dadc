"""Saliency against the demo world's ground truth, with the trained demo model, on held-out items
(the model trains on seed 1; these are seed 2):

- pointing game: the map's maximum falls inside the named object's box;
- model randomisation (Adebayo et al. 2018): maps of the trained model and of the same
  architecture with random weights must not agree;
- deletion: removing the most salient pixels first lowers the prompt's similarity faster than
  removing random pixels;
- typographic attack: the written word rarely beats the object (at most 10 %, against 50 % for a
  coin flip and about that for random weights); the rate is printed.

The demo model and its weights ship in the package: if they are missing, these tests fail.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from builder.analyses.saliency.config import SaliencyConfig
from builder.analyses.saliency.prompts import prompt_set
from builder.compute import saliency as sal
from builder.compute.embed import encode_texts
from builder.datasets import demo as demo_world
from builder.models import demo as demo_model
from builder.records import Record

HELD_OUT_SEED = 2
N_ITEMS = 300
POINTING_MIN = 0.90
# Model randomisation: mean Spearman rank correlation between the trained model's map and the
# random-weights model's map of the same (image, prompt). If the map reflected only the image
# (edges, the object's contrast) or the architecture, the two would rank the patches alike
# (Adebayo et al. report rank correlations near 1 for such methods); a map that depends on what
# the model learnt shares little ranking with a random model's. 0.3 means at most ~9 % shared
# rank variance; it also has to stay well below the agreement of the trained model with itself
# across prompt prefixes (a property of the model, not of the image), which is checked too.
RANDOMISATION_MAX = 0.3


@pytest.fixture(scope="module")
def demo():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    model, preprocess, tokenizer = demo_model.create_demo_model(weights=True)
    torch.manual_seed(0)
    random_model, _, _ = demo_model.create_demo_model(weights=False)
    cfg = SaliencyConfig()
    values = {k: list(v) for k, v in demo_world.ATTRIBUTES.items()}
    rng = np.random.default_rng(0)
    records, images, view_boxes = [], [], []
    for i in range(N_ITEMS):
        img, meta = demo_world.render_item(HELD_OUT_SEED, i)
        rec = Record(meta["id"], None, tuple(meta["captions"]), meta["labels"], tuple(meta["box"]), {"word": meta["word"]})
        records.append(rec)
        images.append(preprocess(img))
        view_boxes.append(sal.view_box(meta["box"], img.size, crop=True))  # the model sees the centre crop
    sets = [prompt_set(r, cfg, values, "shape", rng) for r in records]
    texts = [s.prompts[s.object_prompt][0] for s in sets]
    prefixed = [[s.prompts[k][0] for _, k in s.prefixes] for s in sets]
    yield {"model": model, "random": random_model, "tokenizer": tokenizer, "preprocess": preprocess,
           "records": records, "images": torch.stack(images), "texts": texts, "prefixed": prefixed,
           "cfg": cfg, "values": values, "boxes": np.array(view_boxes)}
    torch.set_num_threads(threads)


def _maps(d, model, texts, vit_blocks=0):
    emb = torch.from_numpy(encode_texts(model, d["tokenizer"], texts, torch.device("cpu")))
    pairs = np.stack([np.arange(len(texts)), np.arange(len(texts))], 1)
    return sal.saliency_maps(model, d["images"], emb, pairs, vit_blocks=vit_blocks), emb, pairs


def test_pointing_game_on_held_out_items(demo):
    out, _, _ = _maps(demo, demo["model"], demo["texts"])
    boxes = demo["boxes"]
    size = tuple(demo["images"].shape[2:])
    hits = sal.pointing_game(out["maps"], boxes, size)
    area = float(np.mean((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))
    word = np.array([bool(r.extra["word"]) for r in demo["records"]])
    print(f"\npointing game: {hits.mean():.1%} of {len(hits)} (without word {hits[~word].mean():.1%}, "
          f"with word {hits[word].mean():.1%}; chance ~ mean box area {area:.1%})")
    assert hits.mean() >= POINTING_MIN


def test_maps_of_the_trained_model_differ_from_a_random_model(demo):
    trained, _, _ = _maps(demo, demo["model"], demo["texts"])
    random, _, _ = _maps(demo, demo["random"], demo["texts"])
    rho = np.array([sal.spearman(a, b) for a, b in zip(trained["maps"], random["maps"])])
    # the trained model agrees with itself across prompt prefixes ("a photo of ..." vs "...")
    other, _, _ = _maps(demo, demo["model"], [p[1] for p in demo["prefixed"]])
    self_rho = np.array([sal.spearman(a, b) for a, b in zip(trained["maps"], other["maps"])])
    print(f"\nSpearman trained vs random weights: mean {rho.mean():.3f} (median {np.median(rho):.3f}); "
          f"trained vs trained, other prefix: mean {self_rho.mean():.3f}")
    assert rho.mean() < RANDOMISATION_MAX
    assert self_rho.mean() > rho.mean() + 0.3


def test_deleting_salient_pixels_first_lowers_similarity_faster_than_random(demo):
    out, emb, pairs = _maps(demo, demo["model"], demo["texts"])
    d = sal.deletion_curves(demo["model"], demo["images"], emb, pairs, out["maps"], steps=10, seed=0)
    sal_auc, rnd_auc = float(d["auc_salient"].mean()), float(d["auc_random"].mean())
    print(f"\ndeletion AUC: salient first {sal_auc:.4f}, random {rnd_auc:.4f}; "
          f"salient below random for {(d['auc_salient'] < d['auc_random']).mean():.1%} of images")
    assert sal_auc < rnd_auc


def test_typographic_attack_rarely_beats_the_object(demo):
    """Items of the held-out world that carry a word naming something else: the prompt naming the
    object beats the prompt naming the word on nearly all of them with the trained model, while
    the same architecture with random weights is a coin flip. The rate is printed too (the build
    report has it)."""
    from builder.compute.embed import encode_image_batch

    rng = np.random.default_rng(1)
    rows, kinds = [], []
    for i in range(600):
        img, meta = demo_world.render_item(HELD_OUT_SEED, i)
        if not meta["word"]:
            continue
        rec = Record(meta["id"], None, tuple(meta["captions"]), meta["labels"], tuple(meta["box"]), {"word": meta["word"]})
        s = prompt_set(rec, demo["cfg"], demo["values"], "shape", rng)
        if s.typographic:
            rows.append((demo["preprocess"](img), s.prompts[s.typographic["word_prompt"]][0],
                         s.prompts[s.typographic["object_prompt"]][0]))
            kinds.append(s.typographic["kind"])
    assert len(rows) >= 50

    def word_wins(model):
        pixels, cpu = torch.stack([r[0] for r in rows]), torch.device("cpu")
        img_emb = encode_image_batch(model, pixels, cpu)
        w = encode_texts(model, demo["tokenizer"], [r[1] for r in rows], cpu)
        o = encode_texts(model, demo["tokenizer"], [r[2] for r in rows], cpu)
        return (img_emb * w).sum(1) > (img_emb * o).sum(1)

    wins, random_wins = word_wins(demo["model"]), word_wins(demo["random"])
    kinds = np.array(kinds)
    by_kind = ", ".join(f"{k} {wins[kinds == k].mean():.1%} of {(kinds == k).sum()}" for k in sorted(set(kinds)))
    print(f"\ntypographic attack: the word wins {wins.mean():.1%} of {len(wins)} ({by_kind}); "
          f"random weights {random_wins.mean():.1%}")
    # Measured: the word wins 1 of 108 items (0.9 %) with the trained model, 48 % with random
    # weights; chance between two prompts is 50 %. Swapped prompts or a model that reads the word
    # would land near 100 % or 50 %.
    assert wins.mean() <= 0.10, wins.mean()
    assert random_wins.mean() >= 0.25, random_wins.mean()
