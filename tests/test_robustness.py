"""Robustness: level-0 perturbations change nothing (similarity 1), perturbations touch exactly
the pixels they claim, the split preprocessing equals the model's own, sparsity hooks give one
share per block for a ViT and a ResNet tower, and the analysis end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from builder.compute import robustness as R

from support import tiny_context, tiny_model, write_images


@pytest.fixture(scope="module")
def vit():
    return tiny_model("tiny-vit")


@pytest.fixture(scope="module")
def pixels():
    return torch.rand(3, 3, 32, 32, generator=torch.Generator().manual_seed(0))


def test_level_zero_changes_nothing(pixels):
    for kind in R.PERTURBATIONS:
        assert torch.equal(R.perturb(pixels, kind, 0.0), pixels), kind


def test_similarity_is_one_at_level_zero(vit, pixels):
    _, mean, std = R.split_preprocess(vit.preprocess)
    for kind in ("blur", "grey"):
        cos = R.similarity_sweep(vit.model, pixels, mean, std, kind, [0.0, 0.5], vit.device)
        assert np.allclose(cos[0], 1.0, atol=1e-5) and (cos[1] < 1.0).all()


def test_grey_pixels_exact_share_and_nested(pixels):
    a = R.grey_pixels(pixels, 0.25, seed=3)
    changed = (a != pixels).any(1)
    assert torch.equal((a == 0.5).all(1) | ~changed, torch.ones_like(changed))
    mask_25 = R._pixel_mask(pixels, 0.25, 3)
    mask_50 = R._pixel_mask(pixels, 0.5, 3)
    assert int(mask_25[0].sum()) == 256 and int(mask_50[0].sum()) == 512
    assert bool((mask_50 | ~mask_25).all())  # the 25 % are inside the 50 %
    assert torch.equal(R.grey_pixels(pixels, 1.0), torch.full_like(pixels, 0.5))


def test_salt_and_pepper_and_noise(pixels):
    s = R.salt_and_pepper(pixels, 0.1, seed=1)
    changed = (s != pixels).any(1)
    assert int(changed[0].sum()) <= round(0.1 * 1024)
    assert torch.isin(s.permute(0, 2, 3, 1)[changed], torch.tensor([0.0, 1.0])).all()
    g = R.gaussian_noise(pixels, 0.1, seed=1)
    assert g.min() >= 0 and g.max() <= 1 and torch.equal(g, R.gaussian_noise(pixels, 0.1, seed=1))


def test_blur_keeps_constants_and_smooths(pixels):
    flat = torch.full((1, 3, 16, 16), 0.3)
    assert torch.allclose(R.gaussian_blur(flat, 2.0), flat, atol=1e-6)
    b = R.gaussian_blur(pixels, 1.5)
    assert b.shape == pixels.shape and b.std() < pixels.std()
    assert torch.allclose(b.mean(), pixels.mean(), atol=0.02)


def test_split_preprocess_equals_model_preprocess(vit):
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 56, 3), dtype=np.uint8))
    to_pixels, mean, std = R.split_preprocess(vit.preprocess)
    x = to_pixels(img)
    assert 0 <= float(x.min()) and float(x.max()) <= 1
    assert torch.allclose(R.normalise(x[None], mean, std)[0], vit.preprocess(img), atol=1e-6)
    ref = R.preprocess_variants(32)["reference"][1](img)
    assert torch.allclose(ref, x, atol=1e-6)
    with pytest.raises(ValueError, match="Compose ending with Normalize"):
        R.split_preprocess(lambda im: im)


@pytest.mark.parametrize("tower, arch, blocks", [("vit", "tiny-vit", 3), ("resnet", "tiny-rn-small", 4)])
def test_sparsity_one_share_per_block(tower, arch, blocks, pixels):
    lm = tiny_model(arch)
    _, mean, std = R.split_preprocess(lm.preprocess)
    x = R.normalise(pixels, mean, std)
    r = R.activation_sparsity(lm.model, x, 0.05, lm.device)
    assert r["tower"] == tower and len(r["blocks"]) == blocks
    # near_zero counts |a| < eps: none for eps = 0, all for eps = inf, in between for 0.05
    none = R.activation_sparsity(lm.model, x, 0.0, lm.device)["blocks"]
    every = R.activation_sparsity(lm.model, x, float("inf"), lm.device)["blocks"]
    for b, b0, b_inf in zip(r["blocks"], none, every):
        assert b0["near_zero"] == 0.0 and b_inf["near_zero"] == 1.0
        assert b0["nonpositive"] == b["nonpositive"] == b_inf["nonpositive"]  # eps plays no part
        assert b["mean_abs"] > 0
    if tower == "vit":  # random pre-activations are symmetric about 0: GELU suppresses about half
        assert all(0.3 < b["nonpositive"] < 0.7 for b in r["blocks"]), r["blocks"]
    if tower == "resnet":  # after a ReLU nothing is negative: a <= 0 means exactly 0
        assert all(b["nonpositive"] <= b["near_zero"] + 1e-9 for b in r["blocks"])
    assert not any(m._forward_hooks for m in lm.model.modules())  # hooks removed


def test_unsupported_tower_is_named():
    with pytest.raises(ValueError, match="supports open_clip ViT and ModifiedResNet towers, not Linear"):
        R.sparsity_targets(torch.nn.Linear(2, 2))


def test_blend_and_attack_shapes(vit, pixels):
    _, mean, std = R.split_preprocess(vit.preprocess)
    bl = R.blend_dynamics(vit.model, pixels, mean, std, [0.0, 1.0], 0.05, vit.device)
    assert bl["near_zero"].shape == (2, 3) and bl["similarity"][-1] == pytest.approx(1.0, abs=1e-5)
    emb = R.embed_pixels(vit.model, pixels, mean, std, vit.device)
    classes = np.stack([emb[0], -emb[0]])  # every image is class 0 or 1 by sign
    labels = (emb @ classes.T).argmax(1)
    a = R.few_pixel_attack(vit.model, pixels, mean, std, classes, labels, [1, 8], vit.device)
    assert a["attacked"] == 3 and len(a["flip_rate"]) == 2
    assert a["share"] == [1 / (32 * 32), 8 / (32 * 32)]  # budgets as shares of the image's pixels
    assert all(v * 3 == round(v * 3) for v in a["flip_rate"])  # flipped images out of the 3 attacked
    # the changed set grows with the budget, so the embedding moves further from the clean one
    # (measured: 0.9997 with 1 pixel, 0.993 with 8)
    assert a["cosine"][1] < a["cosine"][0] < 1.0, a["cosine"]
    assert all(p.requires_grad for p in vit.model.parameters())  # restored


def test_run_end_to_end(tmp_path, vit):
    from figure_checks import page_figures, svg_problems, uncaptioned

    from builder.analyses.robustness import analysis as robustness
    from builder.render import pages as report_pages
    from support import write_docs
    from builder.render.assemble import CONTENT_DIR

    hostile = "<img src=x onerror=alert(1)>"
    ctx = tiny_context(tmp_path, vit, write_images(tmp_path / "img", 12, hostile=hostile),
                       {"robustness": {"enabled": True, "images": 6, "grey_fractions": [0, 0.5, 1],
                                       "blur_sigmas": [0, 2], "noise_std": [0, 0.1], "salt_pepper": [0, 0.1],
                                       "blend_steps": 2, "attack_images": 4, "attack_pixels": [4, 64]}})
    out = robustness.run(ctx)
    assert {"robustness/index.md", "robustness/activations.md", "robustness/figures/grey.svg"} <= set(out.pages)
    curves = json.loads(out.files["curves.json"])
    assert curves["sweeps"]["grey"]["mean"][0] == pytest.approx(1.0, abs=1e-5)
    assert curves["sweeps"]["blur"]["mean"][0] == pytest.approx(1.0, abs=1e-5)
    assert len(curves["sparsity"]["blocks"]) == 3
    for path, text in out.pages.items():
        if isinstance(text, str):
            assert "<img src=x" not in text, path
            assert uncaptioned(text) == [], path
        elif path.endswith(".svg"):
            assert svg_problems(text, path) == []
    assert {src for _, src, _ in page_figures(out.pages["robustness/index.md"])} == {
        "figures/grey.svg", "figures/gaussian.svg", "figures/salt_pepper.svg", "figures/blur.svg",
        "figures/preprocessing.svg", "figures/attack.svg"}
    assert robustness.run(ctx).cached
    write_docs(tmp_path / "site", CONTENT_DIR, {**report_pages.report_pages({}), **out.pages}, "t")
    assert (tmp_path / "site" / "robustness" / "index.html").is_file()
    assert (tmp_path / "site" / "robustness" / "figures" / "grey.svg").is_file()


# -- summaries (builder.compute.robustness_stats) -------------------------------------------------

def test_level_stats_per_row():
    from builder.compute.robustness_stats import level_stats

    s = level_stats(np.array([[1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 0.25, 0.5, 0.75, 1.0]]))
    assert s["mean"].tolist() == [1.0, 0.5] and s["median"].tolist() == [1.0, 0.5]
    assert s["q25"].tolist() == [1.0, 0.25] and s["q75"].tolist() == [1.0, 0.75] and s["min"].tolist() == [1.0, 0.0]


def test_linear_fit_known_line_and_edge_cases():
    from builder.compute.robustness_stats import linear_fit

    fit = linear_fit([0, 1, 2, 3], [1.0, 0.5, 0.0, -0.5])
    assert fit["slope"] == pytest.approx(-0.5) and fit["intercept"] == pytest.approx(1.0) and fit["r2"] == pytest.approx(1.0)
    assert linear_fit([0, 1, 2, 3], [0.0, 1.0, 1.0, 0.0])["r2"] == pytest.approx(0.0, abs=1e-12)  # no trend at all
    assert linear_fit([0, 1, 2], [2.0, 2.0, 2.0])["r2"] == 1.0  # constant: nothing left to explain
    assert linear_fit([0, 1], [1.0, 0.0]) == {}


def test_similarity_summary_and_changed_pixel_mask():
    from builder.compute.robustness_stats import mark_changed, similarity_summary

    s = similarity_summary(np.array([1.0, 0.95, 0.8, 0.5]))
    assert s == {"mean": pytest.approx(0.8125), "min": 0.5, "median": pytest.approx(0.875), "share_below_0_9": 0.5}
    clean = np.full((2, 2, 3), 100, np.uint8)
    adv = clean.copy()
    adv[1, 0, 2] = 255  # one channel of one pixel
    m = mark_changed(clean, adv)
    assert m.dtype == np.uint8 and m[1, 0].tolist() == [255, 0, 255]
    assert m[0, 0].tolist() == [155, 155, 155]  # dimmed: 100 * 0.35 + 120
