"""Tiny random open_clip CLIP models for fast saliency tests (a ViT and a ModifiedResNet)."""

from __future__ import annotations

import pytest
import torch
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg

TEXT = CLIPTextCfg(context_length=16, vocab_size=49408, width=32, heads=2, layers=1)


def tiny_clip(seed: int = 0, **vision) -> CLIP:
    """A small random open_clip CLIP whose image tower is described by `vision` (CLIPVisionCfg)."""
    torch.manual_seed(seed)
    model = CLIP(24, CLIPVisionCfg(**vision), TEXT).eval()
    # randomise the LayerScale / bias / norm parameters too, so every term of a block matters
    with torch.no_grad():
        for name, p in model.visual.named_parameters():
            if p.ndim == 1 and "ls_" not in name:
                p.add_(0.1 * torch.randn_like(p))
    return model


VIT = dict(layers=3, width=32, head_width=8, patch_size=8, image_size=32)
VIT_VARIANTS = {
    "default": VIT,
    "layerscale": {**VIT, "ls_init_value": 0.5},
    "avg-pool": {**VIT, "pool_type": "avg"},
    "custom-qknorm": {**VIT, "qk_norm": True, "scale_heads": True, "scale_attn_inner": True, "scale_attn": True,
                      "scale_fc": True},
}
# (scaled_cosine_attn is not tested: open_clip 3.3's own Attention.forward fails on it, bmm of 4D tensors)
RESNET = dict(layers=(1, 1, 1, 1), width=8, head_width=16, image_size=64)


@pytest.fixture(scope="module")
def one_thread():
    """Tiny models run fastest on one thread; on a shared, loaded CPU two threads can be 20x slower."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
