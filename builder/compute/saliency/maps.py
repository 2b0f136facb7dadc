"""Saliency maps for many (image, prompt) pairs: the trunk once per image without gradients,
the head once per image with its backward pass vectorised over the prompts; the gradient-free
token maps; and `reference_map`, the plain one-pair route for tests and the benchmark."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from builder.compute.saliency.towers import (_cosine, _pool_rows, _resnet_trunk, _resnet_value_tokens, _run_blocks,
                                             _vit_head, block_with_attention, gradcam, grid_shape, relevancy_rows,
                                             tower_kind, vit_start)

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
