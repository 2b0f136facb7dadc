"""The saliency analysis: curated (image, prompt) sets -> maps, similarities and the pages that
show them; pointing game, deletion curves and typographic-attack figures for the report.

Files under data/<dataset>/saliency/:
    index.json        images, prompts, similarities, softmax, per-map raw min/max, prefix groups,
                      typographic examples, metrics (the schema is described in `index_json`)
    maps.bin          uint8[M, h, w]: the gradient map of each (image, prompt), scaled per map
    tokens.bin        uint8[M, h, w]: the gradient-free map of the same pairs
    images/NNN.webp   each curated image as the model saw it (centre crop), `image_px` square
Pages: saliency/index.md (interactive, with saliency.js and saliency.css), saliency/method.md.

The maths is in builder.compute.saliency; this module picks images and prompts, loads pixels,
and packs the results. The whole output is cached under a hash of everything it depends on.
"""

from __future__ import annotations

import io
import json
import time

import numpy as np
import torch
from PIL import Image, ImageOps

from builder.analyses import AnalysisContext, AnalysisOutput
from builder.analyses import support as S
from builder.analyses.saliency import claims as saliency_claims
from builder.analyses.saliency import pages
from builder.analyses.saliency.prompts import ROLE_NAMES, prompt_set, select_images
from builder.compute import saliency as sal
from builder.compute.embed import encode_texts
from builder.io.cache import hash_arrays, hash_json
from builder.io.images import load_rgb
from builder.records import BadItem

VERSION = 2  # bump when the output changes for the same inputs
PAGE_SCRIPTS = ("saliency/saliency.js", "saliency/saliency.css")  # from the explorer bundle (src/pages/)
INDEX_SCHEMA = 2  # 2: logit per prompt, logit_scale, and temperature = 1 / logit_scale (was the scale)
TIMINGS = ("maps_per_second", "device")  # in the build report only: files and pages stay deterministic


def run(ctx: AnalysisContext) -> AnalysisOutput:
    cfg = ctx.cfg.saliency
    lm = ctx.model
    records = ctx.collection.records
    digest = hash_json([[r.id, list(r.captions), sorted((str(k), str(v)) for k, v in r.labels.items()),
                         r.box, r.extra if isinstance(r.extra, dict) else {}] for r in records])
    # image_emb identifies the images (it is computed from their bytes)
    inputs = [lm.fingerprint, hash_arrays(ctx.image_emb), digest]
    params = {"dataset": ctx.cfg.dataset.slug, "config": repr(cfg)}
    # the tower's kind is read inside the cached computation: a rebuild from the cache loads no model
    result, cached = ctx.cache.cached("saliency", VERSION, inputs, params, lambda: compute_or_skip(ctx))
    if "skipped" in result:
        ctx.log(f"[saliency] skipped: {result['skipped']}")
        return AnalysisOutput(pages={"saliency/index.md": pages.unsupported_page(result["skipped"])},
                              metrics={"skipped": result["skipped"]}, cached=cached)
    return output(ctx, result, cached)


def compute_or_skip(ctx: AnalysisContext) -> dict:
    """`compute` for the model's tower kind, or {"skipped": why} for a tower saliency cannot read."""
    try:
        kind = sal.tower_kind(ctx.model.model.visual)
    except sal.UnsupportedTower as exc:
        return {"skipped": str(exc)}
    return compute(ctx, kind)


def output(ctx: AnalysisContext, result: dict, cached: bool) -> AnalysisOutput:
    """Files, buffers and pages from a (cached) result; pages are rendered on every build."""
    # index.json and the metrics are kept as their exact JSON text (floats unrounded)
    index = json.loads(result["index_json"].tobytes().decode("utf-8"))
    metrics = json.loads(result["metrics_json"].tobytes().decode("utf-8"))
    files, _ = ctx.cache.cached_files("saliency-images", VERSION, [hash_arrays(result["views"])], {}, lambda: {
        f"images/{n:03d}.webp": _webp(Image.fromarray(v)) for n, v in enumerate(result["views"])})
    files["index.json"] = result["index_json"].tobytes()
    maps, tokens = result["maps"], result["tokens"]
    counts = {"M": len(maps), "GH": maps.shape[1], "GW": maps.shape[2], "TH": tokens.shape[1], "TW": tokens.shape[2]}
    site_pages = {
        "saliency/index.md": pages.index_page(ctx.cfg.dataset.slug, index, index["metrics"]),
        "saliency/method.md": pages.method_page(index["metrics"], ctx.cfg.saliency),
    }
    svg = pages.deletion_svg(index["metrics"])
    if svg:
        site_pages["saliency/deletion.svg"] = svg
    claims = saliency_claims.claims(index, index["metrics"])
    metrics["claims"] = S.claims_report(claims, dict.fromkeys(claims, "saliency/index.md"))
    return AnalysisOutput(files=files, buffers={"maps": maps, "tokens": tokens}, counts=counts, pages=site_pages,
                          metrics=metrics, cached=cached, bundled=PAGE_SCRIPTS)


# -- pixels ---------------------------------------------------------------------------------------

def word_box(record):
    """The record's written word's box (fractions of the image) from its extra fields, or None."""
    box = record.extra.get("word_box") if isinstance(record.extra, dict) else None
    return box if isinstance(box, (list, tuple)) and len(box) == 4 else None


def load_views(records, idx: list[int], preprocess, px: int, crop: bool, log) -> tuple[list[int], torch.Tensor, list, list]:
    """Decode the images `idx` -> (kept idx, tensors float[n, 3, H, W], view images (PIL, px square),
    boxes in view fractions as (object box, written word's box), each None when unknown).
    Unreadable images are left out (the pipeline already reported them)."""
    kept, tensors, views, boxes = [], [], [], []
    for i in idx:
        try:
            img = load_rgb(records[i].image)
        except BadItem as exc:
            log(f"[saliency] skipped {records[i].id}: {exc}")
            continue
        kept.append(i)
        tensors.append(preprocess(img))
        view = ImageOps.fit(img, (px, px), Image.Resampling.BICUBIC) if crop else img.resize((px, px), Image.Resampling.BICUBIC)
        views.append(view)
        boxes.append((sal.view_box(records[i].box, img.size, crop), sal.view_box(word_box(records[i]), img.size, crop)))
    if not tensors:
        return [], torch.zeros(0), [], []
    return kept, torch.stack(tensors), views, boxes


CHUNK_IMAGES = 64  # images decoded and analysed together (bounds memory for large models)


def chunked_views(records, idx: list[int], preprocess, px: int, crop: bool, log):
    """`load_views` over `idx` in chunks of CHUNK_IMAGES images."""
    for s in range(0, len(idx), CHUNK_IMAGES):
        yield load_views(records, idx[s : s + CHUNK_IMAGES], preprocess, px, crop, log)


def maps_for(model, dev, images: torch.Tensor, text_emb: torch.Tensor, pairs: np.ndarray, cfg) -> dict:
    """`saliency_maps` for one chunk, with the token maps gathered for the pairs: float32[M, h, w]."""
    out = sal.saliency_maps(model, images.to(dev), text_emb.to(dev), pairs, cfg.batch, cfg.vit_blocks)
    out["tokens"] = out["tokens"][pairs[:, 0], pairs[:, 1]]
    return out


def _webp(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="WEBP", quality=88, method=6)
    return buf.getvalue()


# -- the analysis ---------------------------------------------------------------------------------

def _pair(v) -> tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, (list, tuple)) else (int(v or 224), int(v or 224))


def label_values(col) -> tuple[dict[str, list[str]], str | None]:
    """({field: its values, sorted}, the category field) of the collection."""
    return {f: list(col.label_counts(f)) for f in col.label_fields()}, col.category_field()


def compute(ctx: AnalysisContext, kind: str) -> dict:
    """The maps (quantised), the curated images as the model saw them, index.json and metrics."""
    cfg, lm = ctx.cfg.saliency, ctx.model
    model, dev = lm.model, lm.device
    records = ctx.collection.records
    values, cat_field = label_values(ctx.collection)
    typo, word_wins = typographic_rate(ctx, values, cat_field)
    curated = select_images(records, cfg.images, cfg.word_images, cfg.seed, prefer=word_wins)
    with_box = [i for i, r in enumerate(records) if r.box is not None]
    evaluated = sorted(np.random.default_rng(cfg.seed + 1).choice(
        with_box, min(cfg.eval_images, len(with_box)), replace=False).tolist()) if with_box else []
    crop = lm.preprocessing.crop
    set_rng = np.random.default_rng(cfg.seed + 2)
    sets = {i: prompt_set(records[i], cfg, values, cat_field, set_rng) for i in curated}

    texts = sorted({t for i in curated for t, _ in sets[i].prompts})
    tindex = {t: j for j, t in enumerate(texts)}
    text_emb = torch.from_numpy(encode_texts(model, lm.tokenizer, texts, dev))
    kept, views, boxes, parts, seconds = [], [], [], [], 0.0
    for kept_c, images, views_c, boxes_c in chunked_views(records, curated, lm.preprocess, cfg.image_px, crop, ctx.log):
        pairs = np.array([(row, tindex[t]) for row, i in enumerate(kept_c) for t, _ in sets[i].prompts], np.int64)
        if not len(pairs):
            continue
        started = time.perf_counter()
        parts.append(maps_for(model, dev, images, text_emb, pairs, cfg))
        seconds += time.perf_counter() - started
        kept += kept_c
        views += views_c
        boxes += [b for b, _ in boxes_c]
    grid = sal.grid_shape(model.visual, _pair(lm.info().get("image_size")))
    out = {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros((0, *grid), np.float32)
           for k in ("maps", "tokens")}
    out["similarity"] = np.concatenate([p["similarity"] for p in parts]) if parts else np.zeros(0, np.float32)
    n_maps = len(out["similarity"])
    ctx.log(f"[saliency] {n_maps} maps for {len(kept)} images and {len(texts)} prompts ({kind}) in {seconds:.1f}s")
    scale = logit_scale(model)

    metrics = {
        "tower": kind, "method": sal.method_name(model.visual), "maps": int(n_maps),
        "grid": list(out["maps"].shape[1:]), "maps_per_second": round(n_maps / max(seconds, 1e-9), 2),
        "device": str(dev),
    }
    metrics.update(evaluate(ctx, kind, evaluated, crop))
    metrics.update(typo)

    q, lo, hi = sal.quantise(out["maps"])
    tq, tlo, thi = sal.quantise(out["tokens"])
    index = index_json(ctx, kind, kept, sets, out["similarity"], scale, (q.shape, lo, hi), (tq.shape, tlo, thi),
                       boxes, metrics)
    px = cfg.image_px
    return {"maps": q, "tokens": tq,
            "views": np.stack([np.asarray(v.convert("RGB")) for v in views]) if views else np.zeros((0, px, px, 3), np.uint8),
            "index_json": _json_array(index), "metrics_json": _json_array(metrics)}


def _json_array(obj) -> np.ndarray:
    return np.frombuffer(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), np.uint8)


def logit_scale(model) -> float:
    """The model's logit scale s (exp of its learnt log scale; CLIP clamps it at 100, and so does
    this): logits are s × cosine, so the softmax temperature is 1 / s. 100 for a model without one."""
    scale = getattr(model, "logit_scale", None)
    return float(min(scale.exp().item(), 100.0)) if scale is not None else 100.0


def index_json(ctx, kind, kept, sets, sims, scale, maps, tokens, boxes, metrics) -> dict:
    """index.json: everything the page needs besides the two map buffers and the images.

    logit_scale s and temperature 1 / s: the softmax over an image's prompts is that of their
    logits s × cosine, i.e. of the cosines at temperature 1 / s.
    images[n] = {id, src, caption, labels, word, box (view fractions or null),
                 prompts: [{text, role, map (row of maps.bin / tokens.bin), sim (cosine), logit
                 (s × sim), p (softmax of this image's prompts' logits)}],
                 prefixes: [{prefix, prompt (position in prompts)}],
                 typographic: {word, kind, word_prompt, object_prompt, word_wins} or null}
    """
    records = ctx.collection.records
    (shape, lo, hi), (tshape, tlo, thi) = maps, tokens
    images, m = [], 0
    for n, i in enumerate(kept):
        s, r = sets[i], records[i]
        sim = np.asarray(sims[m : m + len(s.prompts)], dtype=np.float64)
        p = sal.softmax(sim, scale)
        prompts = [{"text": t, "role": role, "map": m + k, "sim": round(float(sim[k]), 5),
                    "logit": round(float(scale * sim[k]), 4), "p": round(float(p[k]), 5)}
                   for k, (t, role) in enumerate(s.prompts)]
        typo = None
        if s.typographic:
            typo = {**s.typographic, "word_wins": bool(sim[s.typographic["word_prompt"]] > sim[s.typographic["object_prompt"]])}
        images.append({"id": r.id, "src": f"images/{n:03d}.webp", "caption": r.captions[0] if r.captions else "",
                       "labels": {str(k): str(v) for k, v in r.labels.items()},
                       "word": str(r.extra.get("word") or "") if isinstance(r.extra, dict) else "",
                       "box": boxes[n], "prompts": prompts,
                       "prefixes": [{"prefix": pre, "prompt": k} for pre, k in s.prefixes],
                       "typographic": typo, "object_prompt": s.object_prompt})
        m += len(s.prompts)
    info = ctx.model.info()
    return {
        "schema": INDEX_SCHEMA,
        "model": {"name": info.get("name"), "arch": info.get("arch"), "tower": kind,
                  "image_size": info.get("image_size")},
        "method": {"gradient": sal.method_name(ctx.model.model.visual),
                   "tokens": sal.token_method_name(ctx.model.model.visual),
                   "vit_blocks": ctx.cfg.saliency.vit_blocks if kind == "vit" else None},
        "grid": list(shape[1:]),
        "maps": {"file": "maps.bin", "dtype": "uint8", "shape": list(shape),
                 "min": [round(float(v), 6) for v in lo], "max": [round(float(v), 6) for v in hi]},
        "tokens": {"file": "tokens.bin", "dtype": "uint8", "shape": list(tshape),
                   "min": [round(float(v), 6) for v in tlo], "max": [round(float(v), 6) for v in thi]},
        "logit_scale": round(scale, 4),
        "temperature": round(1.0 / scale, 6),
        "roles": ROLE_NAMES,
        "images": images,
        "metrics": {k: v for k, v in metrics.items() if k not in TIMINGS},
    }


def evaluate(ctx: AnalysisContext, kind: str, evaluated: list[int], crop: bool) -> dict:
    """Pointing game (gradient and token maps) and deletion curves on images with a box, each
    asked about its own object description."""
    cfg, lm = ctx.cfg.saliency, ctx.model
    records = ctx.collection.records
    values, cat_field = label_values(ctx.collection)
    rng = np.random.default_rng(cfg.seed + 3)
    sets = {i: prompt_set(records[i], cfg, values, cat_field, rng) for i in evaluated}
    evaluated = [i for i in evaluated if sets[i].prompts and records[i].box is not None]
    if not evaluated:
        return {}
    object_text = {i: sets[i].prompts[sets[i].object_prompt][0] for i in evaluated}
    # The word pointing game asks for the word itself, as captions mention it: 'the word "star"'.
    word_text = {i: f'the word "{records[i].extra["word"]}"' for i in evaluated
                 if word_box(records[i]) is not None and records[i].extra.get("word")}
    texts = sorted(set(object_text.values()) | set(word_text.values()))
    tindex = {t: j for j, t in enumerate(texts)}
    text_emb = torch.from_numpy(encode_texts(lm.model, lm.tokenizer, texts, lm.device)).to(lm.device)
    hits, hits_tok, word, areas, energy, energy_tok = [], [], [], [], [], []
    w_hits, w_hits_tok, w_areas = [], [], []
    curves = {"gradient": [], "tokens": []}
    for kept, images, _, boxes in chunked_views(records, evaluated, lm.preprocess, 32, crop, ctx.log):
        if not kept:
            continue
        pairs = np.array([(n, tindex[object_text[i]]) for n, i in enumerate(kept)], np.int64)
        w_rows = [n for n, i in enumerate(kept) if i in word_text and boxes[n][1] is not None]
        w_pairs = np.array([(n, tindex[word_text[kept[n]]]) for n in w_rows], np.int64).reshape(-1, 2)
        images = images.to(lm.device)
        out = maps_for(lm.model, lm.device, images, text_emb, np.concatenate([pairs, w_pairs]), cfg)
        m, o = len(pairs), {k: out[k] for k in ("maps", "tokens")}
        size, box = tuple(images.shape[2:]), np.array([b for b, _ in boxes])
        hits.append(sal.pointing_game(o["maps"][:m], box, size))
        hits_tok.append(sal.pointing_game(o["tokens"][:m], box, size))
        energy.append(sal.energy_in_box(o["maps"][:m], box, size))
        energy_tok.append(sal.energy_in_box(o["tokens"][:m], box, size))
        word += [bool(isinstance(records[i].extra, dict) and records[i].extra.get("word")) for i in kept]
        areas.append((box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1]))
        if w_rows:
            wb = np.array([boxes[n][1] for n in w_rows])
            w_hits.append(sal.pointing_game(o["maps"][m:], wb, size))
            w_hits_tok.append(sal.pointing_game(o["tokens"][m:], wb, size))
            w_areas.append((wb[:, 2] - wb[:, 0]) * (wb[:, 3] - wb[:, 1]))
        for name in ("gradient", "tokens"):
            curves[name].append(sal.deletion_curves(lm.model, images, text_emb, pairs, o["maps" if name == "gradient" else name][:m],
                                                    cfg.deletion_steps, cfg.seed, cfg.batch * 2))
    if not hits:
        return {}
    cat = {name: {k: np.concatenate([c[k] for c in cs]) for k in ("salient", "random", "auc_salient", "auc_random")}
           for name, cs in curves.items()}
    out = {"pointing_game": sal.pointing_figures(np.concatenate(hits), np.concatenate(hits_tok), np.array(word),
                                                 np.concatenate(areas), np.concatenate(energy), np.concatenate(energy_tok)),
           "deletion": sal.deletion_figures(cat["gradient"], cat["tokens"], cfg.deletion_steps)}
    if w_hits:
        wh, wht, wa = np.concatenate(w_hits), np.concatenate(w_hits_tok), np.concatenate(w_areas)
        out["word_pointing_game"] = {"pairs": int(len(wh)), "prompt": 'the word "<word>"', "accuracy": float(wh.mean()),
                                     "accuracy_tokens": float(wht.mean()), "mean_box_area": round(float(wa.mean()), 4)}
    return out


def typographic_rate(ctx: AnalysisContext, values: dict, cat_field: str | None) -> tuple[dict, list[int]]:
    """How often the written word beats the object: over every image with a word that does not
    name the object, cosine(image, word prompt) > cosine(image, object prompt). Uses the
    pipeline's image embeddings (no extra image forward). -> (metrics, indices of the images
    where the word wins)."""
    cfg, lm = ctx.cfg.saliency, ctx.model
    rng = np.random.default_rng(cfg.seed + 4)
    rows, pairs, kinds = [], [], []
    for i, r in enumerate(ctx.collection.records):
        if not (isinstance(r.extra, dict) and r.extra.get("word")):
            continue
        s = prompt_set(r, cfg, values, cat_field, rng)
        if s.typographic:
            rows.append(i)
            pairs.append((s.prompts[s.typographic["word_prompt"]][0], s.prompts[s.typographic["object_prompt"]][0]))
            kinds.append(s.typographic["kind"])
    if not rows:
        return {}, []
    texts = sorted({t for p in pairs for t in p})
    emb = encode_texts(lm.model, lm.tokenizer, texts, lm.device)
    figures, wins = sal.typographic_figures(ctx.image_emb[rows], emb[[texts.index(a) for a, _ in pairs]],
                                            emb[[texts.index(b) for _, b in pairs]], kinds)
    return {"typographic": figures}, [i for i, win in zip(rows, wins) if win]
