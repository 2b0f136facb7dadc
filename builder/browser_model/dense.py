"""Dense patch features for the saliency sample, int8 with a scale per patch, the image box each
grid covers, and their pointing game on images with a ground-truth box (the saliency analysis's
evaluation images and object prompts), the prompts embedded by the shipped ONNX text tower."""

from __future__ import annotations

import numpy as np
import torch

from builder.compute import dense as DF, query_index as Q
from builder.compute.saliency import grid_shape, pointing_game, view_box
from builder.io.cache import hash_json

CHUNK = 64


def logit_scale(model) -> float:
    """exp(model.logit_scale), clamped at 100 as CLIP does (100 for a model without one)."""
    s = getattr(model, "logit_scale", None)
    return round(float(min(s.exp().item(), 100.0)), 4) if s is not None else 100.0


def sample(n: int, cap: int, seed: int) -> np.ndarray:
    from builder.analyses.support import random_sample

    return np.arange(n) if n <= cap else random_sample(n, cap, seed)


def features(lm, records, idx, method: str) -> tuple[list[int], np.ndarray, list]:
    """(kept indices, float32[n, h*w, D], PIL sizes (w, h)) for records[idx], in chunks."""
    from builder.analyses.support import load_pixels

    kept, parts, sizes = [], [], []
    for s in range(0, len(idx), CHUNK):
        x, k, _, imgs = load_pixels(records, idx[s : s + CHUNK], lm.preprocess)
        if k:
            parts.append(DF.dense_features(lm.model, x.to(lm.device), method))
            kept += k
            sizes += [im.size for im in imgs]
    dim = int(getattr(lm.model.visual, "output_dim", 0))
    return kept, (np.concatenate(parts) if parts else np.zeros((0, 0, dim), np.float32)), sizes


def eval_pairs(cfg, col) -> tuple[list[int], list[str]]:
    """The saliency analysis's pointing-game images and each one's object prompt (same seeds, same
    rule as builder.analyses.saliency.analysis.evaluate)."""
    from builder.analyses.saliency.analysis import label_values
    from builder.analyses.saliency.prompts import prompt_set

    sc, records = cfg.saliency, col.records
    with_box = [i for i, r in enumerate(records) if r.box is not None]
    if not with_box or sc.eval_images <= 0:
        return [], []
    evaluated = sorted(np.random.default_rng(sc.seed + 1).choice(
        with_box, min(sc.eval_images, len(with_box)), replace=False).tolist())
    values, cat_field = label_values(col)
    rng = np.random.default_rng(sc.seed + 3)
    sets = {i: prompt_set(records[i], sc, values, cat_field, rng) for i in evaluated}
    keep = [i for i in evaluated if sets[i].prompts]
    return keep, [sets[i].prompts[sets[i].object_prompt][0] for i in keep]


def pointing(lm, col, idx: list[int], prompts: list[str], embed, method: str) -> dict:
    """Pointing game of the int8 dense maps for (image, object prompt) pairs."""
    kept, feats, sizes = features(lm, col.records, idx, method)
    if not kept:
        return {"pairs": 0}
    n, p, d = feats.shape
    q, scale = Q.quantise_rows(feats.reshape(-1, d))
    feats = Q.dequantise(q, scale).reshape(n, p, d)
    by_idx = dict(zip(idx, prompts))
    text = embed([by_idx[i] for i in kept])
    size = tuple(lm.preprocessing.input_size)
    grid = grid_shape(lm.model.visual, size)
    boxes = np.array([view_box(col.records[i].box, s, lm.preprocessing.crop) for i, s in zip(kept, sizes)])
    hits = pointing_game(DF.prompt_maps(feats, text, grid), boxes, size)
    return {"pairs": int(len(hits)), "accuracy": round(float(hits.mean()), 4)}


def compute(lm, cfg, col, embed, log) -> dict:
    bm, records = cfg.browser_model, col.records
    method = DF.method_for(lm.model.visual, bm.dense_method)
    idx = sample(len(records), bm.dense_images, bm.seed)
    with torch.no_grad():
        kept, feats, sizes = features(lm, records, idx.tolist(), method)
    n, p, d = feats.shape
    q, scale = Q.quantise_rows(feats.reshape(-1, d)) if n else (np.zeros((0, d), np.int8), np.zeros(0, np.float32))
    grid = list(grid_shape(lm.model.visual, tuple(lm.preprocessing.input_size)))
    ev, prompts = eval_pairs(cfg, col)
    meta = {"method": method, "images": len(kept), "grid": grid, "dim": int(d)}
    if ev:
        meta["pointing_game"] = {m: pointing(lm, col, ev, prompts, embed, m)
                                 for m in ([method] + [x for x in DF.METHODS if x != method] if method != "tokens" else [method])}
    log(f"[browser-model] dense features ({method}) for {len(kept)} images, grid {grid[0]}x{grid[1]}")
    return {"q": q, "scale": scale, "images": np.asarray(kept, np.uint32),
            "boxes": np.array([DF.grid_box(s, lm.preprocessing.crop) for s in sizes], np.float32).reshape(-1, 4),
            "meta": meta}


def cached_dense(cache, lm, cfg, col, text_onnx: bytes, embed, log) -> tuple[dict | None, bool]:
    import hashlib

    bm = cfg.browser_model
    params = {"images": bm.dense_images, "method": bm.dense_method, "seed": bm.seed,
              "saliency": [cfg.saliency.seed, cfg.saliency.eval_images, list(cfg.saliency.prefixes)]}
    inputs = [lm.fingerprint, hash_json([[r.id, r.file, r.box, sorted(r.labels.items())] for r in col.records]),
              hashlib.sha256(text_onnx).hexdigest()]
    res, hit = cache.cached("browser-model-dense", DF.VERSION, inputs, params, lambda: compute(lm, cfg, col, embed, log))
    return (res if len(res["images"]) else None), hit


def dense_entry(files: dict, res: dict, add) -> dict:
    """manifest browser_model.dense, adding its files with `add(files, relpath, bytes)`."""
    import json

    m = res["meta"]
    boxes = [[round(float(v), 3) for v in b] for b in res["boxes"]]
    return {"file": add(files, "model/dense.i8", res["q"].tobytes())["file"],
            "scales": add(files, "model/dense.scale.f32", res["scale"].astype("<f4").tobytes())["file"],
            "images": [int(i) for i in res["images"]], "grid": m["grid"], "dim": m["dim"], "method": m["method"],
            "rows": int(len(res["q"])), "row": "image n, patch (y, x) -> row n * gh * gw + y * gw + x",
            "box": add(files, "model/dense.boxes.json", json.dumps(boxes, separators=(",", ":")).encode())["file"]}


def dense_metrics(res: dict, saliency: dict | None) -> dict:
    """The dense maps' pointing game beside the token maps' and (when the saliency analysis ran) its
    gradient and token maps' figures on the same images and prompts."""
    m = res["meta"]
    out = {"method": m["method"], "images": m["images"], "grid": m["grid"]}
    pg = m.get("pointing_game")
    if pg:
        shipped = pg[m["method"]]
        out["pointing_game"] = {"pairs": shipped.get("pairs"), "accuracy": shipped.get("accuracy"),
                                "by_method": {k: v.get("accuracy") for k, v in pg.items()}}
        sal = (saliency or {}).get("pointing_game") or {}
        if sal:
            out["pointing_game"]["saliency_gradient"] = sal.get("accuracy")
            out["pointing_game"]["saliency_tokens"] = sal.get("accuracy_tokens")
    return out
