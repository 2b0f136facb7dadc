"""The stages of a build from precomputed embeddings (dataset kind "embeddings"): no model is
loaded; thumbnails come from the image paths that are readable, else the points have none."""

from __future__ import annotations

import numpy as np

from builder.io.images import file_sha256, load_rgb, thumbnail
from builder.records import BadItem, Collection, Issue

NEEDS_MODEL = "needs the model; this build reads precomputed embeddings"


def model_info(col: Collection) -> dict:
    """What the site says about "the model" of a precomputed build."""
    d = int(col.precomputed["image"].shape[1])
    return {"name": "precomputed embeddings", "arch": "", "weights_source": "precomputed embeddings (no model loaded)",
            "embed_dim": d, "image_size": None, "context_length": 0, "params": 0, "vision_tower": "", "device": "cpu"}


def thumbnails(b, col: Collection, entry: dict) -> np.ndarray:
    """uint8[I, t, t, 3] from the records' readable images (grey where one is not), cached by file
    hash; uint8[0, t, t, 3] when no record has a readable image (the explorer then shows none)."""
    t = b.cfg.site.thumb_size
    have = [i for i, r in enumerate(col.records) if r.file]
    if not have:
        entry["note"] = f"{len(col.records):,} precomputed image embeddings; no readable image path: no thumbnails"
        b.log("note: no image path of this dataset is readable inside its folder; the explorer draws points "
              "without thumbnails")
        return np.zeros((0, t, t, 3), np.uint8)
    out = np.full((len(col.records), t, t, 3), 128, np.uint8)
    ns = f"thumbnail/{t}"
    keys = {i: file_sha256(col.records[i].image) for i in have}
    found = b.cache.load_items(ns, list(keys.values()))
    new_keys, new = [], []
    with b.bar(len(have), "thumbnails") as bar:
        for i in have:
            k = keys[i]
            if k not in found:
                try:
                    found[k] = thumbnail(load_rgb(col.records[i].image), t)
                    new_keys.append(k)
                    new.append(found[k])
                except BadItem as exc:
                    col.issues.append(Issue(col.records[i].id, col.records[i].file, "repaired",
                                            f"image unreadable ({exc}); shown without a thumbnail"))
                    continue
            out[i] = found[k]
            bar.update(1)
    if new:
        b.cache.save_items(ns, new_keys, np.stack(new))
    missing = len(col.records) - len(have)
    entry["note"] = (f"{len(col.records):,} precomputed image embeddings; thumbnails of {len(have):,}"
                     + (f" ({missing:,} without a readable image path)" if missing else ""))
    return out
