"""The image towers saliency supports, and the pieces of their forward passes the maps need:
ViT blocks re-computed with their attention probabilities, the relevancy recursion, the ResNet
trunk, Grad-CAM and the attention pool's value tokens. Pure: tensors in, tensors out."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from builder.errors import UnsupportedTower

# -- towers ---------------------------------------------------------------------------------------

def tower_kind(visual) -> str:
    """"vit" or "resnet"; raises UnsupportedTower (e.g. for timm towers) naming the class."""
    from open_clip.modified_resnet import ModifiedResNet
    from open_clip.transformer import VisionTransformer

    if isinstance(visual, VisionTransformer):
        if getattr(visual, "attn_pool", None) is not None:
            raise UnsupportedTower("ViT towers with an attentional pooler (CoCa) are not supported")
        return "vit"
    if isinstance(visual, ModifiedResNet):
        return "resnet"
    raise UnsupportedTower(f"saliency supports open_clip VisionTransformer and ModifiedResNet image towers, "
                           f"not {type(visual).__name__}")


def grid_shape(visual, image_size: tuple[int, int] | None = None) -> tuple[int, int]:
    """(h, w) of the maps: the patch grid of a ViT, the layer4 grid (input / 32) of a ResNet."""
    if tower_kind(visual) == "vit":
        return tuple(int(g) for g in visual.grid_size)
    size = image_size or _pair(visual.image_size)
    return size[0] // 32, size[1] // 32


def _pair(v) -> tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def method_name(visual) -> str:
    return {"vit": "gradient-weighted attention relevancy (Chefer et al. 2021)",
            "resnet": "Grad-CAM on layer4 (Selvaraju et al. 2017)"}[tower_kind(visual)]


def token_method_name(visual) -> str:
    return {"vit": "patch tokens through ln_post and proj, cosine with the prompt",
            "resnet": "layer4 positions through the attention pool's value and output projections, "
                      "cosine with the prompt"}[tower_kind(visual)]


# -- ViT internals --------------------------------------------------------------------------------

def attention_with_probs(attn, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Self-attention of x float[N, L, D] with `attn` (nn.MultiheadAttention or open_clip's
    Attention) -> (output float[N, L, D], probabilities float[N, H, L, L])."""
    from open_clip.transformer import Attention

    n, length, d = x.shape
    h = attn.num_heads
    hd = d // h
    if isinstance(attn, torch.nn.MultiheadAttention):
        if not attn._qkv_same_embed_dim or attn.bias_k is not None or attn.add_zero_attn:
            raise UnsupportedTower("nn.MultiheadAttention with separate q/k/v weights or bias_k is not supported")
        w, b, out_w, out_b = attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight, attn.out_proj.bias
    elif isinstance(attn, Attention):
        w, b, out_w, out_b = attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight, attn.out_proj.bias
    else:
        raise UnsupportedTower(f"unknown attention module {type(attn).__name__}")
    q, k, v = F.linear(x, w, b).chunk(3, dim=-1)
    q, k, v = (t.reshape(n, length, h, hd).transpose(1, 2) for t in (q, k, v))
    if isinstance(attn, Attention) and attn.logit_scale is not None:  # scaled cosine attention
        logits = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-1, -2)
        logits = logits * torch.clamp(attn.logit_scale, max=attn.logit_scale_max).exp()
    else:
        if isinstance(attn, Attention):
            q, k = attn.ln_q(q), attn.ln_k(k)
        logits = (q * hd ** -0.5) @ k.transpose(-1, -2)
    probs = logits.softmax(dim=-1)
    out = probs @ v
    if isinstance(attn, Attention) and attn.head_scale is not None:
        out = out * attn.head_scale
    out = out.transpose(1, 2).reshape(n, length, d)
    if isinstance(attn, Attention):
        out = attn.ln_inner(out)
    return F.linear(out, out_w, out_b), probs


def block_with_attention(block, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One open_clip residual attention block on x float[N, L, D] (batch first) -> (the block's
    output, its attention probabilities float[N, H, L, L])."""
    a, probs = attention_with_probs(block.attn, block.ln_1(x))
    if hasattr(block, "ln_attn"):  # CustomResidualAttentionBlock
        a = block.ln_attn(a)
    x = x + block.ls_1(a)
    x = x + block.ls_2(block.mlp(block.ln_2(x)))
    return x, probs


def _run_blocks(transformer, x: torch.Tensor, start: int, stop: int) -> torch.Tensor:
    """open_clip's own forward of blocks [start, stop) on batch-first x."""
    if not transformer.batch_first:
        x = x.transpose(0, 1)
    for blk in transformer.resblocks[start:stop]:
        x = blk(x)
    return x.transpose(0, 1) if not transformer.batch_first else x


def vit_start(visual, blocks: int) -> int:
    """Index of the first block the relevancy goes through: the last `blocks` (0 = all)."""
    n = len(visual.transformer.resblocks)
    return 0 if blocks <= 0 or blocks >= n else n - blocks


def _pool_rows(visual, length: int) -> list[int]:
    """Token rows whose relevancy is the pooled output's: the class token, or all patches (avg)."""
    return list(range(1, length)) if getattr(visual, "pool_type", "tok") == "avg" else [0]


def _vit_head(visual, x: torch.Tensor, start: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Blocks start.. with attention kept, pooling and projection -> (embedding float[N, D], probs)."""
    probs = []
    for blk in visual.transformer.resblocks[start:]:
        x, p = block_with_attention(blk, x)
        probs.append(p)
    pooled, _ = visual._pool(x)
    if visual.proj is not None:
        pooled = pooled @ visual.proj
    return pooled, probs


def relevancy_rows(probs: list[torch.Tensor], grads: list[torch.Tensor], rows: list[int]) -> torch.Tensor:
    """The mean of rows `rows` of R = (I + A_n) ... (I + A_1), A_b = mean_heads(clamp(grad * probs, 0)),
    computed as row vectors times matrices (O(L^2) per block instead of O(L^3)). -> float[N, L]."""
    n, _, length, _ = probs[0].shape
    r = torch.zeros(n, length, dtype=probs[0].dtype, device=probs[0].device)
    r[:, rows] = 1.0 / len(rows)
    for p, g in zip(reversed(probs), reversed(grads)):
        cam = (g * p).clamp(min=0).mean(dim=1)
        r = r + torch.bmm(r.unsqueeze(1), cam).squeeze(1)
    return r


def _cosine(emb: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """Row-wise cosine of emb float[N, D] with unit-norm text float[N, D] -> float[N]."""
    return (F.normalize(emb, dim=-1) * text).sum(-1)


# -- ResNet internals -----------------------------------------------------------------------------

def _resnet_trunk(visual, images: torch.Tensor) -> torch.Tensor:
    x = visual.stem(images)
    return visual.layer3(visual.layer2(visual.layer1(x)))


def gradcam(feat: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """Grad-CAM: relu(sum_c mean_hw(grad_c) * feat_c) for feat, grad float[N, C, h, w] -> float[N, h, w]."""
    weights = grad.mean(dim=(2, 3), keepdim=True)
    return (weights * feat).sum(dim=1).clamp(min=0)


def _resnet_value_tokens(visual, feat: torch.Tensor) -> torch.Tensor:
    """feat float[N, C, h, w] -> each position's embedding float[N, h*w, D] through the attention
    pool's value and output projections (positional embedding included, as the pool sees it)."""
    pool = visual.attnpool
    x = feat.flatten(2).transpose(1, 2)  # [N, hw, C]
    pos = pool.positional_embedding[1:]
    if pos.shape[0] != x.shape[1]:
        raise UnsupportedTower(f"layer4 grid {tuple(feat.shape[2:])} does not match the attention pool's "
                               f"positional embedding ({pos.shape[0]} positions)")
    return pool.c_proj(pool.v_proj(x + pos.to(x.dtype)))
