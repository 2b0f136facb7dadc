"""Saliency: the attention re-implementation, batched == one-at-a-time, Grad-CAM on a ResNet
tower, storage, and (with the trained demo model) pointing game, randomisation, deletion and
typographic figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from builder.compute import saliency as sal

from support import RESNET, VIT, VIT_VARIANTS, tiny_clip

pytestmark = pytest.mark.usefixtures("one_thread")


def _unit(n: int, d: int, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(torch.randn(n, d, generator=g), dim=-1)


def _images(n: int, size: int, seed: int = 2) -> torch.Tensor:
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("variant", sorted(VIT_VARIANTS))
def test_attention_reimplementation_reproduces_every_block(variant):
    model = tiny_clip(**VIT_VARIANTS[variant])
    visual = model.visual
    x = visual._embeds(_images(2, 32))
    with torch.no_grad():
        for blk in visual.transformer.resblocks:
            ours, probs = sal.block_with_attention(blk, x)
            theirs = blk(x)
            assert torch.allclose(ours, theirs, atol=1e-5, rtol=1e-4), variant
            n, h, length, _ = probs.shape
            assert (n, length) == (2, x.shape[1]) and h == visual.transformer.resblocks[0].attn.num_heads
            assert torch.allclose(probs.sum(-1), torch.ones(n, h, length), atol=1e-5)
            x = theirs
        # the whole tower through our blocks gives open_clip's embedding
        emb, _ = sal._vit_head(visual, visual._embeds(_images(2, 32)), 0)
        assert torch.allclose(emb, visual(_images(2, 32)), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("variant,blocks", [("default", 0), ("default", 1), ("default", 2), ("avg-pool", 0),
                                            ("custom-qknorm", 0), ("layerscale", 0)])
def test_vit_batched_maps_equal_one_at_a_time(variant, blocks):
    model = tiny_clip(**VIT_VARIANTS[variant])
    images, text = _images(3, 32), _unit(4, 24)
    pairs = np.array([(i, t) for i in range(3) for t in range(4)])
    out = sal.saliency_maps(model, images, text, pairs, batch=5, vit_blocks=blocks)
    assert out["maps"].shape == (12, 4, 4) and out["similarity"].shape == (12,)
    assert (out["maps"] >= 0).all() and out["maps"].max() > 0
    for m, (i, t) in enumerate(pairs):
        ref, sim = sal.reference_map(model, images[i], text[t], vit_blocks=blocks)
        assert np.allclose(out["maps"][m], ref, atol=1e-6, rtol=1e-4), (variant, blocks, m)
        assert abs(out["similarity"][m] - sim) < 1e-5
    with torch.no_grad():
        emb = torch.nn.functional.normalize(model.encode_image(images), dim=-1)
    assert np.allclose(out["similarity"], (emb[pairs[:, 0]] * text[pairs[:, 1]]).sum(-1).numpy(), atol=1e-5)


def test_relevancy_depends_on_the_prompt_and_on_every_used_block():
    model = tiny_clip(**VIT)
    images, text = _images(1, 32), _unit(2, 24)
    out = sal.saliency_maps(model, images, text, np.array([[0, 0], [0, 1]]))
    assert not np.allclose(out["maps"][0], out["maps"][1])
    last = sal.saliency_maps(model, images, text, np.array([[0, 0]]), vit_blocks=1)["maps"]
    assert not np.allclose(out["maps"][0], last[0])


def test_gradcam_on_a_resnet_tower_has_the_layer4_grid_and_matches_one_at_a_time():
    model = tiny_clip(**RESNET)
    assert sal.tower_kind(model.visual) == "resnet"
    images, text = _images(2, 64), _unit(3, 24)
    pairs = np.array([(i, t) for i in range(2) for t in range(3)])
    out = sal.saliency_maps(model, images, text, pairs, batch=4)
    assert sal.grid_shape(model.visual) == (2, 2)
    assert out["maps"].shape == (6, 2, 2) and (out["maps"] >= 0).all()
    assert out["tokens"].shape == (2, 3, 2, 2)
    for m, (i, t) in enumerate(pairs):
        ref, sim = sal.reference_map(model, images[i], text[t])
        assert np.allclose(out["maps"][m], ref, atol=1e-6, rtol=1e-4)
        assert abs(out["similarity"][m] - sim) < 1e-5


def test_resnet_value_tokens_decompose_the_attention_pool():
    """The attention pool's output is, per head, an attention-weighted sum of the per-position
    values; with one head and uniform attention it is their mean, so the token map is the
    decomposition of what the pool returns (checked on the mean token, which the pool adds)."""
    model = tiny_clip(**RESNET)
    visual = model.visual
    with torch.no_grad():
        feat = visual.layer4(sal._resnet_trunk(visual, _images(1, 64)))
        tokens = sal._resnet_value_tokens(visual, feat)
        pool = visual.attnpool
        x = feat.flatten(2).transpose(1, 2) + pool.positional_embedding[1:]
        assert torch.allclose(tokens, pool.c_proj(pool.v_proj(x)), atol=1e-6)


def test_token_maps_are_cosines_of_patch_embeddings():
    model = tiny_clip(**VIT)
    images, text = _images(2, 32), _unit(3, 24)
    t = sal.token_maps(model, images, text)
    assert t.shape == (2, 3, 4, 4) and np.abs(t).max() <= 1.0 + 1e-6
    again = sal.saliency_maps(model, images, text, np.zeros((0, 2), int))["tokens"]
    assert np.allclose(t, again, atol=1e-6)


def test_unsupported_tower_is_named():
    class Other(torch.nn.Module):
        pass
    with pytest.raises(sal.UnsupportedTower, match="Other"):
        sal.tower_kind(Other())


def test_quantise_keeps_order_and_range():
    rng = np.random.default_rng(0)
    maps = rng.random((5, 3, 4)).astype(np.float32) * 7 - 2
    maps[4] = 1.5  # constant
    q, lo, hi = sal.quantise(maps)
    assert q.dtype == np.uint8 and q.shape == maps.shape
    assert (q[:4].reshape(4, -1).max(1) == 255).all() and (q[:4].reshape(4, -1).min(1) == 0).all()
    assert (q[4] == 0).all() and lo[4] == hi[4] == 1.5
    back = lo[:4, None, None] + q[:4] / 255.0 * (hi - lo)[:4, None, None]
    assert np.abs(back - maps[:4]).max() <= (hi - lo).max() / 255.0


def test_pointing_game_finds_the_peak():
    maps = np.zeros((2, 4, 4), np.float32)
    maps[0, 0, 3] = 1.0  # top right
    maps[1, 3, 0] = 1.0  # bottom left
    boxes = np.array([[0.75, 0.0, 1.0, 0.25], [0.75, 0.0, 1.0, 0.25]])
    assert sal.pointing_game(maps, boxes, (32, 32)).tolist() == [True, False]


def test_energy_in_box_is_the_share_of_positive_mass_inside():
    maps = np.zeros((3, 4, 4), np.float32)
    maps[0, 0, 3] = 1.0                     # all mass in the top right cell
    maps[1] = 1.0                           # uniform: the share is the box's area
    maps[2] = -1.0                          # no positive mass at all
    boxes = np.array([[0.5, 0.0, 1.0, 0.5]] * 3)
    share = sal.energy_in_box(maps, boxes, (64, 64))
    assert share[0] > 0.9 and abs(share[1] - 0.25) < 0.02 and share[2] == 0.0
    fig = sal.pointing_figures(np.array([True, True, False]), np.array([True, False, False]), np.zeros(3, bool),
                               np.full(3, 0.25), share, share)
    assert abs(fig["energy"] - share.mean()) < 1e-9 and fig["energy_above_area"] == pytest.approx(1 / 3)


def test_deletion_of_the_only_informative_region_beats_random():
    """A toy 'model' whose embedding is the mean of the top-left quadrant: deleting that quadrant
    first must lower the similarity faster than deleting at random."""

    class Quadrant(torch.nn.Module):
        def encode_image(self, x):
            m = x[:, :, :16, :16].mean(dim=(1, 2, 3))
            return torch.stack([m, torch.full_like(m, 0.2)], dim=1)

    images = torch.ones(1, 3, 32, 32)
    text = torch.tensor([[1.0, 0.0]])
    maps = np.zeros((1, 4, 4), np.float32)
    maps[0, :2, :2] = 1.0
    out = sal.deletion_curves(Quadrant(), images, text, np.array([[0, 0]]), maps, steps=8)
    assert out["salient"].shape == (1, 9) and out["fractions"][-1] == 1.0
    assert out["auc_salient"][0] < out["auc_random"][0]


@pytest.mark.parametrize("batch", [1, 3, 64])
def test_uneven_shuffled_pairs_in_any_batch_size_give_the_same_maps(batch):
    """Images with different numbers of prompts (padding slots), pairs out of order, an image's
    prompts split over several passes: every map still equals its one-at-a-time reference."""
    model = tiny_clip(**VIT)
    images, text = _images(3, 32), _unit(5, 24)
    pairs = np.array([(2, 4), (0, 1), (2, 0), (1, 3), (2, 2), (0, 4), (2, 1), (2, 3)])
    chunks = sal.group_pairs(pairs, batch)
    assert sorted(m for c in chunks for _, ms in c for m in ms) == list(range(len(pairs)))
    out = sal.saliency_maps(model, images, text, pairs, batch=batch)
    for m, (i, t) in enumerate(pairs):
        ref, sim = sal.reference_map(model, images[i], text[t])
        assert np.allclose(out["maps"][m], ref, atol=1e-6, rtol=1e-4)
        assert abs(out["similarity"][m] - sim) < 1e-5


# -- boxes and figures (known answers) -----------------------------------------------------------

def test_view_box_maps_boxes_into_the_centre_crop():
    # a 200 x 100 image: the crop is the square x in [50, 150]; a box over x 0.25..0.5 -> 0..0.5 of the view
    assert sal.view_box([0.25, 0.0, 0.5, 1.0], (200, 100), crop=True) == [0.0, 0.0, 0.5, 1.0]
    assert sal.view_box([0.0, 0.1, 1.0, 0.2], (200, 100), crop=True) == pytest.approx([0.0, 0.1, 1.0, 0.2])  # clipped
    assert sal.view_box([0.1, 0.2, 0.3, 0.4], (200, 100), crop=False) == [0.1, 0.2, 0.3, 0.4]  # squash: unchanged
    assert sal.view_box(None, (10, 10), crop=True) is None


def test_softmax_over_prompts():
    p = sal.softmax(np.array([0.2, 0.2 + np.log(3) / 100]), 100.0)
    assert p.tolist() == pytest.approx([0.25, 0.75]) and p.sum() == pytest.approx(1.0)
    assert sal.softmax(np.zeros(0), 100.0).shape == (0,)


def test_pointing_and_deletion_figures():
    hit, tok = np.array([True, False, True, True]), np.array([False, False, True, False])
    word = np.array([False, False, True, True])
    pg = sal.pointing_figures(hit, tok, word, np.array([0.1, 0.2, 0.3, 0.4]))
    assert pg == {"pairs": 4, "accuracy": 0.75, "accuracy_tokens": 0.25, "accuracy_without_word": 0.5,
                  "accuracy_with_word": 1.0, "mean_box_area": 0.25}
    assert sal.pointing_figures(hit, tok, np.zeros(4, bool), np.ones(4))["accuracy_with_word"] is None
    d = {"auc_salient": np.array([0.1, 0.5]), "auc_random": np.array([0.3, 0.4]),
         "salient": np.array([[1.0, 0.2], [1.0, 0.4]]), "random": np.array([[1.0, 0.6], [1.0, 0.8]])}
    dt = {**d, "auc_salient": np.array([0.5, 0.7]), "salient": np.array([[1.0, 0.0], [1.0, 0.1]])}
    de = sal.deletion_figures(d, dt, 1)
    assert de == {"pairs": 2, "steps": 1, "auc_salient": pytest.approx(0.3), "auc_random": pytest.approx(0.35),
                  "auc_tokens": pytest.approx(0.6), "salient_below_random": 0.5, "curve_salient": [1.0, 0.3],
                  "curve_random": [1.0, 0.7], "curve_tokens": [1.0, 0.05]}


def test_typographic_figures_count_word_wins_per_kind():
    image = np.eye(3)
    word = np.array([[0.9, 0, 0], [0, 0.1, 0], [0, 0, 0.5]])
    obj = np.array([[0.5, 0, 0], [0, 0.7, 0], [0, 0, 0.2]])
    figures, wins = sal.typographic_figures(image, word, obj, ["shape", "shape", "other"])
    assert wins.tolist() == [True, False, True]
    assert figures["images"] == 3 and figures["word_win_rate"] == pytest.approx(2 / 3)
    assert figures["mean_margin"] == pytest.approx((0.4 - 0.6 + 0.3) / 3)
    assert figures["by_kind"] == {"other": {"images": 1, "word_wins": 1.0}, "shape": {"images": 2, "word_wins": 0.5}}
