"""The neuron galleries' files: optimised images and exemplar strips as WebP, and index.json.

Everything from the dataset (ids, labels, captions) is untrusted: it goes into index.json as
data, and the page script writes it with textContent.
"""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image, ImageOps

from builder.analyses.neurons.layers import depth_word, unit_files
from builder.compute import neurons as N
from builder.compute.fvis.probes import probes_for
from builder.compute.unit_stats import curve_points, rounded as _r
from builder.io.images import load_rgb
from builder.records import BadItem

INDEX_SCHEMA = 1
CURVE_POINTS = 32


def webp(img: Image.Image, quality: int = 88) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="WEBP", quality=quality, method=4)
    return buf.getvalue()


def view_region(img: Image.Image, preprocess) -> tuple[int, int, int, int]:
    """The part of the original image the model sees: the centred square for open_clip's
    resize-shorter-side + centre-crop; the whole image for a squash resize."""
    w, h = img.size
    names = [type(t).__name__ for t in getattr(preprocess, "transforms", [])]
    resize = next((t for t in getattr(preprocess, "transforms", []) if type(t).__name__ == "Resize"), None)
    squash = resize is not None and isinstance(getattr(resize, "size", None), (tuple, list)) and "CenterCrop" not in names
    if squash:
        return 0, 0, w, h
    s = min(w, h)
    left, top = (w - s) // 2, (h - s) // 2
    return left, top, left + s, top + s


def _strip(tiles: list[Image.Image], px: int) -> Image.Image:
    strip = Image.new("RGB", (px * max(1, len(tiles)), px), (128, 128, 128))
    for i, t in enumerate(tiles):
        strip.paste(t, (i * px, 0))
    return strip


def files(ctx, units: dict[str, list[int]], acts: dict, opt: dict, table: dict) -> dict[str, bytes]:
    """Optimised images and exemplar strips as WebP."""
    cfg = ctx.cfg.neurons
    records = ctx.collection.records
    px, tile = cfg.image_px, cfg.tile_px
    views: dict[int, Image.Image | None] = {}

    def view(row: int) -> Image.Image | None:
        if row not in views:
            try:
                img = load_rgb(records[row].image)
                views[row] = img.crop(view_region(img, ctx.model.preprocess))
            except BadItem:
                views[row] = None
        return views[row]

    blank = Image.new("RGB", (tile, tile), (128, 128, 128))
    out: dict[str, bytes] = {}
    for name, t in table.items():
        for j, u in enumerate(t["units"]):
            paths = unit_files(name, u)
            img = Image.fromarray(t["images"][j]).resize((px, px), Image.Resampling.LANCZOS)
            out[paths["image"]] = webp(img)
            whole, crops = [], []
            for row, box in zip(t["top"][j].tolist(), t["boxes"][j]):
                v = view(row)
                if v is None:
                    whole.append(blank), crops.append(blank)
                    continue
                w, h = v.size
                whole.append(ImageOps.fit(v, (tile, tile), Image.Resampling.BICUBIC))
                crop = v.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
                crops.append(crop.resize((tile, tile), Image.Resampling.BICUBIC))
            out[paths["top"]] = webp(_strip(whole, tile))
            out[paths["crops"]] = webp(_strip(crops, tile))
    return out


def index_json(ctx, units: dict[str, list[int]], acts: dict, opt: dict, recipe: N.Recipe, table: dict,
               check: dict | None, concepts: list[str] = (), weak_below: float | None = None) -> bytes:
    cfg = ctx.cfg.neurons
    records = ctx.collection.records
    probes = probes_for(ctx.model.model)
    layers = []
    for name, t in table.items():
        entries = []
        for j, u in enumerate(t["units"]):
            exemplars = [{"row": int(r), "id": records[r].id, "labels": dict(records[r].labels),
                          "mean": _r(t["top_mean"][j][i]), "peak": _r(t["top_peak"][j][i]),
                          "box": list(t["boxes"][j][i])}
                         for i, r in enumerate(t["top"][j].tolist())]
            dmax, opt_a = t["dataset_max"][j], t["optimised"][j]
            entries.append({
                "unit": int(u), **unit_files(name, u),
                "activation": _r(opt_a), "dataset_max": _r(dmax), "dataset_mean": _r(t["dataset_mean"][j]),
                "peak": _r(t["optimised_peak"][j]), "dataset_peak_max": _r(t["dataset_peak_max"][j]),
                "exceeds": bool(np.isfinite(dmax) and opt_a > dmax),
                "curve": curve_points(t["curve"][:, j], CURVE_POINTS),
                "exemplars": exemplars, "labels": t["labels"][j], "captions": t["captions"][j],
                "names": t["names"][j],
            })
        layers.append({"name": name, "kind": probes[name].kind, "units_total": probes[name].units,
                       "depth": depth_word(ctx.model.model, name), "grid": list(t["grid"]), "units": entries})
    doc = {
        "schema": INDEX_SCHEMA,
        "model": ctx.model.spec.name,
        "dataset": ctx.cfg.dataset.slug,
        "recipe": {"size": recipe.size, "input_size": list(recipe.input_size), "steps": recipe.steps, "lr": recipe.lr,
                   "robustness": recipe.robust, "fourier": recipe.fourier, "decorrelate": recipe.decorrelate,
                   "mean": list(recipe.mean), "std": list(recipe.std), "batch_size": cfg.batch_size, "seed": cfg.seed},
        "tile_px": cfg.tile_px, "top_k": cfg.top_k, "exemplars": cfg.exemplars,
        "layers": layers,
        "concepts": list(concepts),
        "name_weak_below": weak_below,
    }
    if check:
        doc["batched_vs_sequential"] = check
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
