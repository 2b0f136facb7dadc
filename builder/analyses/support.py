"""Helpers the topology and robustness analyses share: the category field, seeded samples,
decoding sample images, and the stage cache of a JSON-able result."""

from __future__ import annotations

import json
import math

import numpy as np
import torch

from builder.io.cache import hash_arrays, hash_json
from builder.io.images import load_rgb
from builder.records import BadItem


def pick_category_field(records, preferred: str = "") -> tuple[str | None, str]:
    """(field, "") or (None, why not). Without a preference: "colour" (or "color") when the
    dataset has it with >= 2 values, else the field with the fewest values >= 2 (ties by name)."""
    values: dict[str, set] = {}
    for r in records:
        for f, v in r.labels.items():
            values.setdefault(f, set()).add(v)
    usable = sorted(f for f, vs in values.items() if len(vs) >= 2)
    if preferred:
        if preferred in usable:
            return preferred, ""
        known = ", ".join(sorted(values)) or "none"
        return None, (f"category_field = {preferred!r} is not a label field with at least two values in "
                      f"this dataset (label fields: {known})")
    for f in ("colour", "color"):
        if f in usable:
            return f, ""
    if not usable:
        return None, "the dataset has no label field with at least two values, so there are no categories"
    return min(usable, key=lambda f: (len(values[f]), f)), ""


def category_labels(records, field: str | None) -> tuple[list[str], np.ndarray]:
    """(sorted category names, int64[I] index per image, -1 where the image lacks the field)."""
    if not field:
        return [], np.full(len(records), -1, np.int64)
    names = sorted({str(r.labels[field]) for r in records if field in r.labels})
    index = {n: i for i, n in enumerate(names)}
    return names, np.array([index.get(str(r.labels.get(field)), -1) if field in r.labels else -1
                            for r in records], dtype=np.int64)


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


def clean(obj):
    """A JSON-able copy: numpy values to Python, non-finite floats to None."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return clean(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return round(v, 6) if math.isfinite(v) else None
    return obj


def json_bytes(obj) -> bytes:
    return json.dumps(clean(obj), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def cache_key(ctx, name: str, version: int, params: dict) -> str:
    """Key of an analysis result: the embeddings (which identify the images, captions and model),
    the model, the records' ids and labels, the analysis's version and parameters."""
    emb = hash_arrays(np.ascontiguousarray(ctx.image_emb), np.ascontiguousarray(ctx.text_emb),
                      np.asarray(ctx.caption_image))
    recs = [[r.id, sorted(r.labels.items())] for r in ctx.collection.records]
    return hash_json([name, version, emb, getattr(ctx.model, "fingerprint", ""), recs, params])


def load_cached(cache, stage: str, key: str):
    hit = cache.load_stage(stage, key) if cache is not None else None
    if hit is None or "json" not in hit:
        return None
    try:
        return json.loads(hit["json"].tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def save_cached(cache, stage: str, key: str, result: dict) -> dict:
    """Store `result` as JSON and return the JSON round trip, so that a fresh and a cached build
    render from identical data."""
    data = json_bytes(result)
    if cache is not None:
        cache.save_stage(stage, key, {"json": np.frombuffer(data, dtype=np.uint8)})
    return json.loads(data.decode("utf-8"))


def cached_result(ctx, stage: str, version: int, cfg, extra: dict, compute) -> tuple[dict, bool]:
    """The analysis result for `cfg` (its fields but `enabled`) plus `extra`, from the cache or
    from `compute()` (then stored). Returns (result, came_from_cache)."""
    import dataclasses

    params = {k: v for k, v in dataclasses.asdict(cfg).items() if k != "enabled"}
    key = cache_key(ctx, stage, version, {**params, **extra})
    result = load_cached(ctx.cache, stage, key)
    if result is not None:
        return result, True
    return save_cached(ctx.cache, stage, key, compute()), False
