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
