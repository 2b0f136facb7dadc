"""The neuron galleries' outputs: per-unit tables, image files, index.json and the pages.

Everything from the dataset (ids, labels, captions) is untrusted: it goes into index.json as
data, and the page script writes it with textContent; markdown pages use md_text / md_code.
"""

from __future__ import annotations

import html
import io
import json

import numpy as np
from PIL import Image, ImageOps

from builder.compute import neurons as N
from builder.compute.fvis.probes import probes_for
from builder.io.images import load_rgb
from builder.models.inspect import vision_layers
from builder.records import BadItem
from builder.render.markdown import fmt_pct, md_code, md_table, md_text

INDEX_SCHEMA = 1
CURVE_POINTS = 32


def _r(x, digits: int = 4) -> float | None:
    x = float(x)
    return None if not np.isfinite(x) else float(f"{x:.{digits}g}")


def layer_slug(name: str) -> str:
    return name.removeprefix("visual.")


def unit_files(layer: str, unit: int) -> dict[str, str]:
    base = f"units/{layer_slug(layer)}/{unit:04d}"
    return {"image": f"{base}.webp", "top": f"{base}-top.webp", "crops": f"{base}-crops.webp"}


def depth_word(model, layer: str) -> str:
    """'early', 'middle' or 'late': where the layer sits among the vision tower's blocks."""
    names = [entry["name"] for entry in vision_layers(model)]
    blocks = [n for n in names if n.count(".") == 3 and ".resblocks." in n] or [
        n for n in names if n in ("visual.layer1", "visual.layer2", "visual.layer3", "visual.layer4")]
    owner = next((b for b in blocks if layer == b or layer.startswith(b + ".")), None)
    frac = (blocks.index(owner) + 0.5) / len(blocks) if owner else (names.index(layer) + 0.5) / len(names)
    return "early" if frac < 1 / 3 else "middle" if frac < 2 / 3 else "late"


# -- per-unit tables --------------------------------------------------------------------------------

def _unique_captions(ctx, rows: np.ndarray, k: int) -> list[dict]:
    """The k distinct captions nearest (cosine) to the mean embedding of images `rows`."""
    if k <= 0:
        return []
    idx, sims = N.text_neighbours(ctx.image_emb, ctx.text_emb, rows, min(len(ctx.captions), 20 * k))
    seen, out = set(), []
    for i, s in zip(idx.tolist(), sims.tolist()):
        text = ctx.captions[i]
        if text in seen:
            continue
        seen.add(text)
        out.append({"text": text, "cos": _r(s, 3), "image": int(ctx.caption_image[i])})
        if len(out) == k:
            break
    return out


def _label_agreement(records, rows: np.ndarray, base: dict[str, dict[str, float]]) -> list[dict]:
    """Per label field: the most common value among the exemplars, its share there and in the dataset."""
    out = []
    for field, freq in base.items():
        values = [records[r].labels.get(field) for r in rows.tolist()]
        values = [v for v in values if v is not None]
        if not values:
            continue
        counts: dict[str, int] = {}
        for v in values:
            counts[v] = counts.get(v, 0) + 1
        value = sorted(counts, key=lambda v: (-counts[v], v))[0]
        out.append({"field": field, "value": value, "share": _r(counts[value] / len(values), 3),
                    "base": _r(freq.get(value, 0.0), 3)})
    return out


def _label_frequencies(col) -> dict[str, dict[str, float]]:
    """{field: {value: share of the images that have the field}} for fields with >= 2 values."""
    out = {}
    for f in sorted(col.label_fields()):
        counts = col.label_counts(f)
        total = sum(counts.values())
        if len(counts) >= 2:
            out[f] = {v: c / total for v, c in counts.items()}
    return out


def unit_table(ctx, units: dict[str, list[int]], acts: dict, opt: dict) -> dict[str, dict]:
    """Per layer: units, dataset max/mean, top rows, crop boxes, optimised activation and image,
    nearest captions and label agreement of the exemplars."""
    cfg = ctx.cfg.neurons
    records = ctx.collection.records
    base = _label_frequencies(ctx.collection)
    out, start = {}, 0
    for name, us in units.items():
        a = acts[name]
        mean, peak = a["mean"], a["peak"]
        finite = np.where(np.isfinite(mean), mean, np.nan)
        rank = peak if cfg.exemplars == "peak" else mean
        top = N.top_exemplars(rank, cfg.top_k)
        grid = tuple(int(g) for g in a["grid"])
        boxes = [[N.crop_box(a["argmax"][r, j], grid, cfg.crop) for r in top[j]] for j in range(len(us))]
        sl = slice(start, start + len(us))
        start += len(us)
        out[name] = {
            "units": us, "grid": grid, "top": top, "boxes": boxes,
            "top_mean": np.take_along_axis(mean.T, top, axis=1),
            "top_peak": np.take_along_axis(peak.T, top, axis=1),
            "dataset_max": np.nanmax(finite, axis=0) if len(mean) else np.full(len(us), np.nan),
            "dataset_peak_max": np.nanmax(np.where(np.isfinite(peak), peak, np.nan), axis=0) if len(peak)
            else np.full(len(us), np.nan),
            "dataset_mean": np.nanmean(finite, axis=0) if len(mean) else np.full(len(us), np.nan),
            "optimised": np.asarray(opt["activation"][sl], np.float64),
            "optimised_peak": np.asarray(opt["peak"][sl], np.float64),
            "images": opt["images"][sl],
            "curve": opt["curve"][:, sl],
            "captions": [_unique_captions(ctx, top[j], cfg.captions) for j in range(len(us))],
            "labels": [_label_agreement(records, top[j], base) for j in range(len(us))],
        }
    return out


def label_agreement_summary(table: dict) -> dict:
    """Per label field, over all units: mean share of the exemplars' majority value, and the mean
    share that value has in the whole dataset (what chance would give)."""
    per: dict[str, list[tuple[float, float]]] = {}
    for t in table.values():
        for entries in t["labels"]:
            for e in entries:
                per.setdefault(e["field"], []).append((e["share"], e["base"]))
    return {f: {"exemplar_share": _r(np.mean([s for s, _ in v]), 3), "dataset_share": _r(np.mean([b for _, b in v]), 3),
                "units_at_least_75pct": _r(np.mean([s >= 0.75 for s, _ in v]), 3)} for f, v in sorted(per.items())}


# -- files ------------------------------------------------------------------------------------------

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


def _curve(values: np.ndarray) -> list[float]:
    if len(values) == 0:
        return []
    idx = np.unique(np.linspace(0, len(values) - 1, min(CURVE_POINTS, len(values))).round().astype(int))
    return [_r(values[i], 3) for i in idx]


def index_json(ctx, units: dict[str, list[int]], acts: dict, opt: dict, recipe: N.Recipe, table: dict,
               check: dict | None) -> bytes:
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
                "curve": _curve(t["curve"][:, j]),
                "exemplars": exemplars, "labels": t["labels"][j], "captions": t["captions"][j],
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
    }
    if check:
        doc["batched_vs_sequential"] = check
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- pages ------------------------------------------------------------------------------------------

PAGE_SCRIPTS = ("neurons/neurons.js", "neurons/neurons.css")  # from the explorer bundle (src/pages/)


def pages(ctx, units: dict[str, list[int]], recipe: N.Recipe, table: dict, metrics: dict) -> dict[str, str | bytes]:
    return {
        "neurons/index.md": gallery_page(ctx, units, table, metrics),
        "neurons/method.md": method_page(ctx, recipe, metrics),
    }


def gallery_page(ctx, units: dict[str, list[int]], table: dict, metrics: dict) -> str:
    slug = html.escape(ctx.cfg.dataset.slug, quote=True)
    share = metrics.get("share_exceeding_dataset_max")
    out = [
        "---\nhide:\n  - toc\n---\n",
        "# Neurons\n",
        "Each picture below was *made* to excite one unit of the image encoder as strongly as possible "
        "(feature visualisation). Click one to see it beside the dataset images that excite the same "
        "unit most, how strongly each does, and the captions that lie nearest to those images in the "
        "shared embedding space. [How these pictures are made, and what they cannot tell you](method.md).\n",
        f"**{metrics.get('units', 0):,} units** in {len(units)} layer(s) of {md_text(ctx.model.spec.name)}; "
        f"for {fmt_pct(share)} of them the optimised image excites the unit more than any dataset image.\n",
        '<link rel="stylesheet" href="neurons.css">\n',
        f'<div id="neuron-gallery" class="neuron-gallery" data-index="../data/{slug}/neurons/index.json" '
        f'data-base="../data/{slug}/neurons/"><p class="neuron-status">Loading the galleries…</p></div>\n',
        "<noscript><p>The galleries need JavaScript. The tables below list the same units.</p></noscript>\n",
        '<script src="neurons.js"></script>\n',
        "## Layers\n",
    ]
    rows = []
    for name, t in table.items():
        exceed = np.mean(t["optimised"] > t["dataset_max"]) if len(t["units"]) else float("nan")
        rows.append([md_code(name), md_text(probes_kind(ctx, name)), md_text(depth_word(ctx.model.model, name)),
                     f"{len(t['units']):,}", fmt_pct(exceed)])
    out.append(md_table(["Layer", "Unit", "Depth", "Units shown", "Optimised beats dataset"], rows, "lllrr"))
    out.append("## Layer inspector\n")
    out.append("Every layer of the vision tower, with what a unit is there and how many it has. Any "
               "supported layer can be put in `[neurons] layers` of the build configuration "
               "(`python -m builder info --layers` prints the same list).\n")
    supported = probes_for(ctx.model.model)
    rows = [[md_code(e["name"]), md_text(e["kind"]), f"{e['units']:,}", f"{e['params']:,}",
             "shown here" if e["name"] in units else ("yes" if e["name"] in supported else "–")]
            for e in vision_layers(ctx.model.model)]
    out.append('<div class="neuron-inspector" markdown>\n\n' + md_table(
        ["Layer", "Kind", "Units", "Parameters", "Can be visualised"], rows, "llrrl") + "\n</div>\n")
    return "\n".join(out)


def probes_kind(ctx, name: str) -> str:
    return probes_for(ctx.model.model)[name].kind


def method_page(ctx, recipe: N.Recipe, metrics: dict) -> str:
    cmp = metrics.get("batched_vs_sequential") or {}
    speed = (f" In this build, {cmp['units']} units took {cmp['batched_seconds']:.1f} s in one batch and "
             f"{cmp['sequential_seconds']:.1f} s one at a time ({cmp['speedup']:.1f}× the batched time), and the two "
             f"routes gave the same images (largest pixel difference {cmp['max_pixel_difference']:.2g}).") if cmp else ""
    mean = ", ".join(f"{v:.3f}" for v in recipe.mean)
    std = ", ".join(f"{v:.3f}" for v in recipe.std)
    rank_note = ("Exemplars are ranked by the unit's strongest single position in the image, as in OpenAI "
                 "Microscope: this finds what a unit detects locally (a small red shape fires a red unit hard "
                 "at one place, even if the mean over the image stays low)."
                 if ctx.cfg.neurons.exemplars == "peak" else
                 "Exemplars are ranked by the unit's mean activation over the image, the same quantity the "
                 "optimised picture maximises.")
    share_value = metrics.get("share_exceeding_dataset_max")
    share = fmt_pct(share_value)
    if isinstance(share_value, float) and share_value >= 0.5:
        share_note = ("optimisation finds stronger stimuli than the data contains, which is expected, and a "
                      "warning too: the picture exaggerates.")
    else:
        share_note = ("with few optimisation steps (as in this build) a picture may not reach the strength of "
                      "the best dataset images; more steps (`[neurons] steps`) give stronger pictures.")
    return f"""# How the neuron pictures are made

## Feature visualisation, plainly

A *unit* is one number inside the image encoder: one neuron of a block's MLP (after its GELU),
one channel of the residual stream or of a ResNet stage, or one attention head. Show the model
an image and every unit takes some value, its *activation*. For units computed at every image
position (every patch of a ViT, every cell of a ResNet feature map), the activation used here is
the mean over the positions; the class token is left out.

Feature visualisation turns the question around: instead of asking how strongly a given image
excites a unit, it asks which image would excite it most. Start from faint random noise, measure
the unit's activation, compute how each pixel should change to raise it (the gradient), change the
image a little, and repeat. Here: {recipe.steps} steps of the Adam optimiser with learning rate
{recipe.lr:g}, on {recipe.size} × {recipe.size} px images{" resized to the model's " + f"{recipe.input_size[0]} × {recipe.input_size[1]} px input" if tuple(recipe.input_size) != (recipe.size, recipe.size) else " (the model's input size)"}.

Left alone, this finds patterns of pixel-level noise that no photograph contains. Three standard
counter-measures (Olah et al., 2017) make the result an *image* of something:

- **A better basis.** {"The image is described by its Fourier coefficients, scaled so that low frequencies (broad shapes and colour fields) are as easy to change as high ones (fine texture), which is how natural images distribute their energy" if recipe.fourier else "The image is optimised pixel by pixel (the Fourier basis is switched off in this build)"}.{" Colours are optimised in a decorrelated colour space, then mapped to RGB." if recipe.decorrelate else ""}
- **Transformation robustness.** {"At every step the image is randomly padded, shifted, rescaled by up to ±10 % and rotated by up to ±10° before the model sees it, so only patterns that excite the unit wherever they sit survive." if recipe.robust else "Switched off in this build: the image is shown to the model exactly as it is."}
- **The model's own preprocessing.** The image is normalised with the mean ({mean}) and
  standard deviation ({std}) this model was trained with, not ImageNet's.
- **A way out of the GELU trap.** GELU is not monotone: below an input of about −0.75 its
  output *rises* as the input falls, towards 0. An MLP unit that starts negative at every
  position would be pushed further down and end near −0.02, below every dataset image. So while
  the unit fires nowhere on the picture, the picture climbs half the unit's input instead
  (always uphill); once it fires anywhere, it climbs the GELU output itself. The figures shown
  are always the GELU output.

Many units are optimised at once: the batch holds one image per unit, and each image climbs its
own unit's activation (images share nothing, so a unit's picture is the same whichever others
share its batch).{speed} Every image starts from its own seeded noise: the same configuration
gives the same pictures.

## Dataset exemplars

An optimised picture can be hard to read on its own. Beside it, the gallery shows the dataset
images that excite the same unit most, found in one pass over the whole dataset, and for each the
square around the position where the unit fired hardest. {rank_note}

The panel compares the picture with the data on the quantity the picture maximises (the mean
activation over positions): *optimised image* against the *best dataset image* and the dataset
average; and on the strongest single position. For {share} of the units shown, the picture beats
every dataset image: {share_note}

The captions listed for a unit are those whose text embeddings point most nearly in the direction
of the mean image embedding of its top exemplars: a hint, in words, of what those images share.
Where the dataset has labels, the panel also says which label value the exemplars share most
often, against how common that value is overall.

## Early, middle and late layers

In trained vision models, units in early layers respond to colours, edges and simple textures;
in middle layers to combinations (corners, curves, repeated patterns, parts); in late layers to
whole objects, scenes, and (in CLIP) concepts that also have names: Goh et al. (2021) found
CLIP neurons that respond to a person, a place or an emotion whether shown as a photo, a drawing
or written text. Comparing the galleries of an early, a middle and a late layer shows this
progression for the model of this site. A model trained on a narrow world (such as the demo
model on coloured shapes) has correspondingly simple units: colour, shape and size detectors.

## Limits

- **One picture per unit is a caricature.** Units often respond to several unrelated things
  (polysemantic units); one optimised image shows only one of them. The exemplars are a check.
- **Strength is not meaning.** The picture shows what drives the unit hardest, which may differ
  from what typically drives it in real images.
- **A unit is an arbitrary direction.** Features may be spread over many units; the standard
  basis of a layer is not guaranteed to be meaningful, least of all for the residual stream.
- **Regularisation shapes the result.** Other transformations, steps or learning rates give
  other pictures; short runs (as in a quick build) give fainter ones.
- **Attention heads** are shown by the size of what each head writes into the residual stream,
  not by where it looks.

## References

- Olah, Mordvintsev, Schubert, *Feature Visualization*, Distill, 2017.
- Goh et al., *Multimodal Neurons in Artificial Neural Networks*, Distill, 2021.
- lucid / lucent: the reference implementations of these techniques; OpenAI Microscope, for
  showing optimised images beside dataset examples.
"""
