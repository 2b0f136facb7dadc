"""Dense patch features in the joint space, gradient-free, for any-prompt saliency in the browser:
a prompt's map over an image is one dot product per patch with its unit text embedding.

Methods (tensors in, arrays out):
  clearclip  ViT: the last block's attention output alone (query-query attention, no residual,
             no MLP; Lan et al. 2024, "ClearCLIP"), then ln_post and the projection
  tokens     ViT: the tower's own output tokens through ln_post and the projection (the saliency
             stage's gradient-free token map); ResNet: each layer4 position through the attention
             pool's value and output projections
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from builder.compute.saliency.towers import _resnet_trunk, _resnet_value_tokens, _run_blocks, tower_kind

VERSION = 1
METHODS = ("clearclip", "tokens")


def _qq_attention(attn, x: torch.Tensor) -> torch.Tensor:
    """Query-query self-attention of x float[N, L, D] with attn's weights (no residual)."""
    n, length, d = x.shape
    h = attn.num_heads
    hd = d // h
    q, _, v = F.linear(x, attn.in_proj_weight, attn.in_proj_bias).chunk(3, dim=-1)
    q, v = (t.reshape(n, length, h, hd).transpose(1, 2) for t in (q, v))
    probs = ((q * hd ** -0.5) @ q.transpose(-1, -2)).softmax(dim=-1)
    out = (probs @ v).transpose(1, 2).reshape(n, length, d)
    return F.linear(out, attn.out_proj.weight, attn.out_proj.bias)


def method_for(visual, asked: str) -> str:
    """The method used for this tower: ResNets only have "tokens"."""
    return "tokens" if tower_kind(visual) == "resnet" else asked


@torch.no_grad()
def dense_features(model, images: torch.Tensor, method: str = "clearclip") -> np.ndarray:
    """images float[n, 3, H, W] (preprocessed, on the model's device) -> float32[n, h*w, D], each
    patch's feature L2-normalised, patches row-major over the (h, w) grid."""
    visual = model.visual
    kind = tower_kind(visual)
    method = method_for(visual, method)
    if kind == "resnet":
        feat = visual.layer4(_resnet_trunk(visual, images))
        tokens = _resnet_value_tokens(visual, feat)
    else:
        blocks = visual.transformer.resblocks
        x = _run_blocks(visual.transformer, visual._embeds(images), 0, len(blocks) - (method == "clearclip"))
        if method == "clearclip":
            x = _qq_attention(blocks[-1].attn, blocks[-1].ln_1(x))
        tokens = visual.ln_post(x[:, 1:])
        if visual.proj is not None:
            tokens = tokens @ visual.proj
    return F.normalize(tokens.float(), dim=-1).cpu().numpy().astype(np.float32)


def prompt_maps(features: np.ndarray, text: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Cosine maps of each image's patches float[n, h*w, D] with one unit text row per image
    float[n, D] -> float32[n, h, w]."""
    s = np.einsum("npd,nd->np", np.asarray(features, np.float32), np.asarray(text, np.float32))
    return s.reshape(len(s), *grid).astype(np.float32)


def grid_box(size: tuple[int, int], crop: bool) -> list[float]:
    """The area of an image of `size` (w, h) the patch grid covers, in its own pixels [x0, y0, x1, y1]:
    the centred square for resize-shortest-then-centre-crop, the whole image for a squash."""
    w, h = size
    if not crop:
        return [0.0, 0.0, float(w), float(h)]
    side = min(w, h)
    x0, y0 = (w - side) / 2, (h - side) / 2
    return [float(x0), float(y0), float(x0 + side), float(y0 + side)]
