"""Storing and scoring saliency maps: 8-bit quantisation, bilinear upsampling, the pointing
game, deletion curves, rank correlation, boxes in the model's view, and the figures the report
shows. Pure: arrays (and the model, for the deletion curves) in, arrays and numbers out."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

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


def energy_in_box(maps: np.ndarray, boxes: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The energy pointing game (Wang et al., Score-CAM): the share of each map's positive mass,
    after bilinear upsampling to `size`, that lies inside its box (fractions of the view). A map
    with no positive mass scores 0. -> float[M]."""
    up = np.clip(upsample(maps, size), 0, None)
    hh, ww = size
    y = (np.arange(hh) + 0.5) / hh
    x = (np.arange(ww) + 0.5) / ww
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    inside = ((x[None, None, :] >= b[:, 0, None, None]) & (x[None, None, :] <= b[:, 2, None, None])
              & (y[None, :, None] >= b[:, 1, None, None]) & (y[None, :, None] <= b[:, 3, None, None]))
    total = up.reshape(len(up), -1).sum(1)
    return np.where(total > 0, (up * inside).reshape(len(up), -1).sum(1) / np.maximum(total, 1e-12), 0.0)


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


# -- boxes and figures ----------------------------------------------------------------------------

def view_box(box, size: tuple[int, int], crop: bool) -> list[float] | None:
    """A box in fractions of the original image (w, h = `size`) -> fractions of the model's
    (square) view: the centred square for a centre crop, the whole image for a squash resize."""
    if box is None:
        return None
    w, h = size
    if not crop:
        return [float(v) for v in box]
    side = min(w, h)
    ox, oy = (w - side) / 2, (h - side) / 2
    x0, y0, x1, y1 = box
    return [float(np.clip((x0 * w - ox) / side, 0, 1)), float(np.clip((y0 * h - oy) / side, 0, 1)),
            float(np.clip((x1 * w - ox) / side, 0, 1)), float(np.clip((y1 * h - oy) / side, 0, 1))]


def softmax(sim: np.ndarray, scale: float) -> np.ndarray:
    """Softmax of the logits `scale` * sim float[K] (the logit scale s; the temperature is 1 / s).
    An empty input stays empty."""
    sim = np.asarray(sim, dtype=np.float64)
    if not len(sim):
        return sim
    logits = scale * sim
    p = np.exp(logits - logits.max())
    return p / p.sum()


def pointing_figures(hit: np.ndarray, hit_tokens: np.ndarray, word: np.ndarray, areas: np.ndarray,
                     energy: np.ndarray | None = None, energy_tokens: np.ndarray | None = None) -> dict:
    """The pointing game's figures from bool[M] hits (gradient and token maps), bool[M] `word`
    (the image carries a written word), float[M] box areas (the chance level) and, when given,
    float[M] energy shares (`energy_in_box`; their chance level is the box's area)."""
    out = {
        "pairs": int(len(hit)), "accuracy": float(hit.mean()), "accuracy_tokens": float(hit_tokens.mean()),
        "accuracy_without_word": float(hit[~word].mean()) if (~word).any() else None,
        "accuracy_with_word": float(hit[word].mean()) if word.any() else None,
        "mean_box_area": round(float(areas.mean()), 4),
    }
    if energy is not None and len(energy):
        out["energy"] = float(energy.mean())
        out["energy_margin"] = float((energy - areas).mean())
        out["energy_above_area"] = float((energy > areas).mean())
    if energy_tokens is not None and len(energy_tokens):
        out["energy_tokens"] = float(energy_tokens.mean())
    return out


def deletion_figures(d: dict, dt: dict, steps: int) -> dict:
    """The deletion figures from `deletion_curves` outputs (concatenated over the pairs) of the
    gradient maps `d` and the token maps `dt`: mean AUCs, and mean curves rounded to 4 digits."""
    return {
        "pairs": int(len(d["auc_salient"])), "steps": steps,
        "auc_salient": float(d["auc_salient"].mean()), "auc_random": float(d["auc_random"].mean()),
        "auc_tokens": float(dt["auc_salient"].mean()),
        "salient_below_random": float((d["auc_salient"] < d["auc_random"]).mean()),
        "curve_salient": [round(float(v), 4) for v in d["salient"].mean(0)],
        "curve_random": [round(float(v), 4) for v in d["random"].mean(0)],
        "curve_tokens": [round(float(v), 4) for v in dt["salient"].mean(0)],
    }


def typographic_figures(image: np.ndarray, word: np.ndarray, obj: np.ndarray, kinds: list[str]) -> tuple[dict, np.ndarray]:
    """How often the written word beats the object: unit image embeddings float[N, D] against the
    word prompts' and the object prompts' text embeddings float[N, D], one row per image, `kinds`
    the word's kind per image. -> ({images, word_win_rate, mean_margin, by_kind}, bool[N] wins)."""
    w = np.einsum("nd,nd->n", image, word)
    o = np.einsum("nd,nd->n", image, obj)
    kinds = np.array(kinds)
    by_kind = {k: {"images": int((kinds == k).sum()), "word_wins": float((w > o)[kinds == k].mean())}
               for k in sorted(set(kinds.tolist()))}
    return {"images": len(w), "word_win_rate": float((w > o).mean()), "mean_margin": float((w - o).mean()),
            "by_kind": by_kind}, w > o
