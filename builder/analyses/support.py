"""Helpers the analyses share: the category field, seeded samples, decoding sample images, and
their results through the one cache rule."""

from __future__ import annotations

import numpy as np
import torch

from builder.io.cache import hash_arrays, hash_json
from builder.io.images import load_rgb
from builder.io.jsonio import clean, json_bytes  # noqa: F401  (the analyses write their JSON with these)
from builder.records import BadItem


def pick_category_field(collection, preferred: str = "") -> tuple[str | None, str]:
    """(field, "") or (None, why not), by the collection's one rule (`Collection.category_field`)."""
    from builder.errors import ConfigError

    try:
        field = collection.category_field(preferred)
    except ConfigError as exc:
        return None, str(exc)
    if field is None:
        return None, "the dataset has no label field with at least two values, so there are no categories"
    return field, ""


def stratified_sample(labels: np.ndarray, per_group: int, seed: int) -> np.ndarray:
    """Sorted indices: up to `per_group` seeded picks from each group label >= 0."""
    rng = np.random.default_rng(seed)
    out = []
    for g in sorted(set(int(v) for v in labels if v >= 0)):
        idx = np.flatnonzero(labels == g)
        out.append(rng.choice(idx, size=min(per_group, len(idx)), replace=False))
    return np.sort(np.concatenate(out)) if out else np.zeros(0, np.int64)


def random_sample(n: int, k: int, seed: int) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).choice(n, size=min(k, n), replace=False))


def load_pixels(records, indices, to_pixels) -> tuple[torch.Tensor, list[int], list[tuple[str, str]], list]:
    """Decode the images of `records[indices]` (safely) and apply `to_pixels` (PIL -> float[3,H,W]).
    Returns (float[n, 3, H, W], kept indices, [(record id, reason)] for images that failed, PIL
    images kept)."""
    tensors, kept, failed, images = [], [], [], []
    for i in indices:
        r = records[int(i)]
        try:
            img = load_rgb(r.image)
        except BadItem as exc:
            failed.append((r.id, str(exc)))
            continue
        tensors.append(to_pixels(img))
        kept.append(int(i))
        images.append(img)
    x = torch.stack(tensors) if tensors else torch.zeros(0, 3, 1, 1)
    return x, kept, failed, images


def claims_report(claims: dict, pages: dict[str, str]) -> list[dict]:
    """Claims (builder.render.claims.Claim by key) as the build report carries them under
    metrics.<analysis>.claims, each with the docs page that states it (`pages`: key -> path)."""
    return [{**c.as_dict(), "page": pages[k]} for k, c in claims.items()]


def analysis_inputs(ctx) -> list[str]:
    """Hashes of what every analysis result depends on: the embeddings (which identify the
    images, captions and model), the model's fingerprint, the records' ids and labels."""
    emb = hash_arrays(np.ascontiguousarray(ctx.image_emb), np.ascontiguousarray(ctx.text_emb),
                      np.asarray(ctx.caption_image))
    recs = [[r.id, sorted(r.labels.items())] for r in ctx.collection.records]
    return [emb, getattr(ctx.model, "fingerprint", ""), hash_json(recs)]


def cached_result(ctx, stage: str, version: int, cfg, extra: dict, compute) -> tuple[dict, bool]:
    """The analysis result for its config section `cfg` (its fields but `enabled`) plus `extra`,
    through the one cache rule (`Cache.cached`). Returns (result, came_from_cache)."""
    import dataclasses

    params = {k: v for k, v in dataclasses.asdict(cfg).items() if k != "enabled"}
    return ctx.cache.cached(stage, version, analysis_inputs(ctx), {**params, **extra}, compute)
