"""Saliency maps of text prompts on images, for any open_clip image tower. Pure: tensors in,
arrays out; no file, config or site knowledge.

Two methods with gradients, one per tower type, chosen by `tower_kind`:

* ViT towers: gradient-weighted attention relevancy (Chefer, Gur and Wolf 2021, "Generic
  Attention-model Explainability for Interpreting Bi-Modal and Encoder-Decoder Transformers").
  R = I; for each block b: A_b = mean_heads(clamp(dS/dA_b * A_b, min=0)); R += A_b @ R. The map is
  the pooled token's row of R over the patch tokens. S is the cosine similarity of the image
  embedding and the prompt's text embedding. open_clip's blocks call attention with
  need_weights=False, so `block_with_attention` re-computes each block from its own weights and
  returns the attention probabilities too (tests check it reproduces the block's output).
* ResNet towers (ModifiedResNet): Grad-CAM on the output of `layer4`, S as above.

And one without gradients (`token_maps`): every spatial token mapped into the joint embedding
space (ViT: ln_post and proj; ResNet: the attention pool's value and output projections) and
scored against every prompt in one matmul.

Batching: the trunk (everything below the first block that needs gradients) runs once per image
without gradients; the head runs forward once per image too, and its backward pass is
vectorised over the image's prompts (about `batch` pairs per pass). `reference_map` is the plain
one-pair-at-a-time route, used by tests and the benchmark.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


from builder.errors import UnsupportedTower  # noqa: E402,F401 (re-exported)


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


# -- public ---------------------------------------------------------------------------------------

@torch.no_grad()
def _trunk(visual, kind: str, images: torch.Tensor, start: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(input of the head, the last spatial features) for images float[I, 3, H, W], no grad."""
    if kind == "vit":
        x = _run_blocks(visual.transformer, visual._embeds(images), 0, start)
        return x, _run_blocks(visual.transformer, x, start, len(visual.transformer.resblocks))
    x3 = _resnet_trunk(visual, images)
    return x3, visual.layer4(x3)


def _head_maps(visual, kind: str, trunk: torch.Tensor, text: torch.Tensor, valid: torch.Tensor,
               start: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Maps and similarities for B images with up to K prompts each.

    trunk  the head's input for B images; text float[B, K, D] unit-norm prompts per image;
    valid  bool[B, K] (False = padding). -> (maps float[K, B, h, w], sims float[B, K]).

    The head runs forward once per image; the backward pass is vectorised over the K prompt slots
    (`is_grads_batched`): slot k's cotangent selects, for every image at once, its k-th prompt.
    Images do not interact in the forward pass (eval mode), so each image's gradient is its own.
    """
    trunk = trunk.detach().requires_grad_(True)  # a graph even when the weights are frozen
    k = text.shape[1]
    with torch.enable_grad():
        if kind == "vit":
            emb, probs = _vit_head(visual, trunk, start)
            targets = probs
        else:
            feat = visual.layer4(trunk)
            emb = visual.attnpool(feat)
            targets = [feat]
        sims = torch.einsum("bd,bkd->bk", F.normalize(emb, dim=-1), text)
        slots = torch.eye(k, dtype=sims.dtype, device=sims.device)[:, None, :] * valid.to(sims.dtype)[None]
        grads = torch.autograd.grad(sims, targets, grad_outputs=slots, is_grads_batched=True)
    b = trunk.shape[0]
    if kind == "vit":
        rows = _pool_rows(visual, trunk.shape[1])
        r = relevancy_rows([p.detach().unsqueeze(0).expand(k, *p.shape).reshape(k * b, *p.shape[1:]) for p in probs],
                           [g.reshape(k * b, *g.shape[2:]) for g in grads], rows)
        h, w = visual.grid_size
        maps = r[:, 1:].reshape(k, b, h, w)
    else:
        maps = gradcam(feat.detach().unsqueeze(0).expand(k, *feat.shape).reshape(k * b, *feat.shape[1:]),
                       grads[0].reshape(k * b, *feat.shape[1:])).reshape(k, b, *feat.shape[2:])
    return maps.detach(), sims.detach()


def group_pairs(pairs: np.ndarray, batch: int) -> list[list[tuple[int, list[int]]]]:
    """Pairs grouped for `_head_maps`: chunks of (image row, [pair indices]) with at most `batch`
    pairs per image entry and about `batch` (image x slot) cells per chunk, in pair order."""
    by_image: dict[int, list[int]] = {}
    for m, (i, _) in enumerate(pairs):
        by_image.setdefault(int(i), []).append(m)
    groups = [(i, ms[s : s + batch]) for i, ms in by_image.items() for s in range(0, len(ms), batch)]
    chunks, cur = [], []
    for g in groups:
        k = max([len(ms) for _, ms in cur + [g]])
        if cur and k * (len(cur) + 1) > batch:
            chunks.append(cur)
            cur = []
        cur.append(g)
    return chunks + ([cur] if cur else [])


def saliency_maps(model, images: torch.Tensor, text_emb: torch.Tensor, pairs: np.ndarray,
                  batch: int = 32, vit_blocks: int = 0) -> dict[str, np.ndarray]:
    """Gradient saliency for many (image, prompt) pairs.

    images     float[I, 3, H, W], already preprocessed, on the model's device
    text_emb   float[T, D], unit norm (prompts encoded once)
    pairs      int[M, 2]: (image row, prompt row) per map
    batch      about this many pairs per backward pass
    vit_blocks ViT only: propagate the relevancy through the last `vit_blocks` blocks (0 = all)
    Returns {"maps": float32[M, h, w] (>= 0), "similarity": float32[M] (cosine),
             "tokens": float32[I, T, h, w] (the gradient-free maps of every image x prompt)}.
    """
    visual = model.visual
    kind = tower_kind(visual)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    start = vit_start(visual, vit_blocks) if kind == "vit" else 0
    trunk, last = _trunk(visual, kind, images, start)
    text_emb = text_emb.to(images.device, images.dtype)
    h, w = grid_shape(visual, tuple(images.shape[2:]))
    maps = torch.zeros(len(pairs), h, w, device=images.device)
    sims = torch.zeros(len(pairs), device=images.device)
    for chunk in group_pairs(pairs, batch):
        k = max(len(ms) for _, ms in chunk)
        rows = torch.as_tensor([i for i, _ in chunk], device=images.device)
        cols = torch.zeros(len(chunk), k, dtype=torch.long, device=images.device)
        valid = torch.zeros(len(chunk), k, dtype=torch.bool, device=images.device)
        for b, (_, ms) in enumerate(chunk):
            cols[b, : len(ms)] = torch.as_tensor(pairs[ms, 1], device=images.device)
            valid[b, : len(ms)] = True
        m, sim = _head_maps(visual, kind, trunk[rows], text_emb[cols], valid, start)
        for b, (_, ms) in enumerate(chunk):
            idx = torch.as_tensor(ms, device=images.device)
            maps[idx] = m[: len(ms), b].to(maps.dtype)
            sims[idx] = sim[b, : len(ms)].to(sims.dtype)
    return {"maps": maps.float().cpu().numpy(), "similarity": sims.float().cpu().numpy(),
            "tokens": _token_maps(visual, kind, last, text_emb)}


@torch.no_grad()
def _token_maps(visual, kind: str, last: torch.Tensor, text_emb: torch.Tensor) -> np.ndarray:
    if kind == "vit":
        tokens = visual.ln_post(last[:, 1:])
        if visual.proj is not None:
            tokens = tokens @ visual.proj
        h, w = visual.grid_size
    else:
        tokens = _resnet_value_tokens(visual, last)
        h, w = last.shape[2:]
    scores = F.normalize(tokens, dim=-1) @ text_emb.T  # [I, hw, T]
    return scores.transpose(1, 2).reshape(len(last), -1, h, w).float().cpu().numpy()


def token_maps(model, images: torch.Tensor, text_emb: torch.Tensor) -> np.ndarray:
    """Gradient-free maps for every image x prompt: float32[I, T, h, w], cosine per position."""
    kind = tower_kind(model.visual)
    _, last = _trunk(model.visual, kind, images, len(model.visual.transformer.resblocks) if kind == "vit" else 0)
    return _token_maps(model.visual, kind, last, text_emb.to(images.device, images.dtype))


def reference_map(model, image: torch.Tensor, text: torch.Tensor, vit_blocks: int = 0) -> tuple[np.ndarray, float]:
    """One map the plain way, for one image float[3, H, W] and one unit text float[D]: the whole
    tower forward with gradients, the relevancy as full matrices (R += A @ R), Grad-CAM through a
    forward hook on layer4. -> (float32[h, w], cosine similarity)."""
    visual = model.visual
    kind = tower_kind(visual)
    x = image.unsqueeze(0)
    with torch.enable_grad():
        if kind == "vit":
            start = vit_start(visual, vit_blocks)
            t = visual._embeds(x).detach().requires_grad_(True)
            probs = []
            for i, blk in enumerate(visual.transformer.resblocks):
                t, p = block_with_attention(blk, t)
                if i >= start:
                    probs.append(p)
            pooled, _ = visual._pool(t)
            emb = pooled @ visual.proj if visual.proj is not None else pooled
            sim = _cosine(emb, text.unsqueeze(0))
            grads = torch.autograd.grad(sim.sum(), probs)
            length = probs[0].shape[-1]
            r = torch.eye(length, dtype=probs[0].dtype, device=x.device).unsqueeze(0)
            for p, g in zip(probs, grads):
                r = r + torch.bmm((g * p.detach()).clamp(min=0).mean(dim=1), r)
            row = r[0, _pool_rows(visual, length)].mean(0)
            m = row[1:].reshape(visual.grid_size)
        else:
            seen = {}
            hook = visual.layer4.register_forward_hook(lambda mod, inp, out: seen.setdefault("feat", out))
            try:
                emb = visual(x.detach().requires_grad_(True))
            finally:
                hook.remove()
            sim = _cosine(emb, text.unsqueeze(0))
            (grad,) = torch.autograd.grad(sim.sum(), seen["feat"])
            m = gradcam(seen["feat"].detach(), grad)[0]
    return m.detach().float().cpu().numpy(), float(sim.detach())


# -- storage and evaluation -----------------------------------------------------------------------

def quantise(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float[M, h, w] -> (uint8[M, h, w] scaled per map to 0..255, raw min float32[M], raw max float32[M]).
    A constant map becomes all zeros."""
    maps = np.asarray(maps, dtype=np.float32)
    lo = maps.min(axis=(1, 2)) if len(maps) else np.zeros(0, np.float32)
    hi = maps.max(axis=(1, 2)) if len(maps) else np.zeros(0, np.float32)
    span = np.where(hi > lo, hi - lo, 1.0)[:, None, None]
    q = np.rint((maps - lo[:, None, None]) / span * 255.0)
    q[(hi <= lo)] = 0
    return np.clip(q, 0, 255).astype(np.uint8), lo.astype(np.float32), hi.astype(np.float32)


def upsample(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear (align_corners=False, as the site draws them) float[M, h, w] -> float32[M, H, W]."""
    t = torch.as_tensor(np.asarray(maps, dtype=np.float32))[:, None]
    return F.interpolate(t, size=size, mode="bilinear", align_corners=False)[:, 0].numpy()


def pointing_game(maps: np.ndarray, boxes: np.ndarray, size: tuple[int, int], tolerance: float = 0.0) -> np.ndarray:
    """Does each map's maximum, after bilinear upsampling to `size` (H, W), fall inside its box?

    boxes float[M, 4] as fractions (x0, y0, x1, y1) of the model's view; `tolerance` widens each
    box by that fraction of the image on every side. -> bool[M]."""
    up = upsample(maps, size)
    hh, ww = size
    flat = up.reshape(len(up), -1).argmax(axis=1)
    y, x = (flat // ww + 0.5) / hh, (flat % ww + 0.5) / ww
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return (x >= b[:, 0] - tolerance) & (x <= b[:, 2] + tolerance) & (y >= b[:, 1] - tolerance) & (y <= b[:, 3] + tolerance)


@torch.no_grad()
def deletion_curves(model, images: torch.Tensor, text_emb: torch.Tensor, pairs: np.ndarray, maps: np.ndarray,
                    steps: int = 10, seed: int = 0, batch: int = 64) -> dict[str, np.ndarray]:
    """Deletion curves (Petsiuk et al. 2018): remove pixels (set them to the normalisation mean, 0
    in the model's input) in order of decreasing saliency, and, as the baseline, in a random order;
    after each of `steps` equal steps record the cosine similarity with the prompt.

    images float[I, 3, H, W] preprocessed; text_emb float[T, D] unit; pairs int[M, 2]; maps float[M, h, w].
    Returns {"fractions": float[steps+1], "salient": float32[M, steps+1], "random": float32[M, steps+1],
             "auc_salient": float32[M], "auc_random": float32[M]} (AUC by the trapezoid rule over the
    removed fraction 0..1; lower = the map found what the similarity depends on)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    hh, ww = images.shape[2:]
    n_pix = hh * ww
    fractions = np.linspace(0.0, 1.0, steps + 1)
    counts = np.rint(fractions * n_pix).astype(np.int64)
    rng = np.random.default_rng(seed)
    up = upsample(maps, (hh, ww)).reshape(len(pairs), -1)
    text_emb = text_emb.to(images.device, images.dtype)
    out = {}
    for name in ("salient", "random"):
        # rank[m, pixel] = position of the pixel in removal order; removed after step k iff rank < counts[k]
        order = np.argsort(-up, axis=1, kind="stable") if name == "salient" else \
            np.stack([rng.permutation(n_pix) for _ in range(len(pairs))])
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(n_pix)[None].repeat(len(pairs), 0), axis=1)
        rank_t = torch.as_tensor(rank, device=images.device).reshape(-1, 1, hh, ww)
        sims = np.zeros((len(pairs), steps + 1), np.float32)
        jobs = [(m, k) for m in range(len(pairs)) for k in range(steps + 1)]
        for s in range(0, len(jobs), batch):
            chunk = jobs[s : s + batch]
            m_idx = torch.as_tensor([m for m, _ in chunk], device=images.device)
            keep = rank_t[m_idx] >= torch.as_tensor([counts[k] for _, k in chunk], device=images.device).view(-1, 1, 1, 1)
            x = images[torch.as_tensor(pairs[[m for m, _ in chunk], 0], device=images.device)] * keep
            emb = F.normalize(model.encode_image(x).float(), dim=-1)
            sim = (emb * text_emb[torch.as_tensor(pairs[[m for m, _ in chunk], 1], device=images.device)]).sum(-1)
            for (m, k), v in zip(chunk, sim.cpu().numpy()):
                sims[m, k] = v
        out[name] = sims
        out[f"auc_{name}"] = np.trapezoid(sims, fractions, axis=1).astype(np.float32)
    out["fractions"] = fractions
    return out


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of two flattened arrays (average ranks for ties)."""
    from scipy.stats import spearmanr

    rho = spearmanr(np.ravel(a), np.ravel(b)).statistic
    return float(rho) if np.isfinite(rho) else 0.0
