"""Robustness of the image embeddings (seeds/clip-is-awesome.md), precomputed.

On a seeded sample of images: cosine similarity between an image's embedding and the embedding
of a perturbed copy, against the share of pixels greyed out, Gaussian noise, salt-and-pepper
noise and Gaussian blur; the effect of other preprocessing choices; the share of near-zero
activations at each depth of the vision tower, for the images and as they emerge from noise;
and a few-pixel attack on the zero-shot classifier of a label field. Perturbations run in
batches on the model's device. The result is cached by the embeddings' hash and the parameters.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import time

import numpy as np
import torch
from PIL import Image

from builder.analyses import AnalysisContext, AnalysisOutput
from builder.analyses.robustness import claims as robustness_claims
from builder.analyses.robustness import pages as robustness_pages
from builder.analyses import support as S
from builder.clock import StageClock
from builder.compute import robustness as R
from builder.compute import robustness_stats as RS
from builder.compute.embed import encode_texts
from builder.compute.metrics import class_embeddings

STAGE = "robustness"
VERSION = 2
BLEND_IMAGES = 32  # the noise -> image dynamics use at most this many of the sample's images


def run(ctx: AnalysisContext) -> AnalysisOutput:
    start = time.perf_counter()
    cfg = ctx.cfg.robustness
    field, why = S.pick_category_field(ctx.collection, cfg.category_field or ctx.cfg.topology.category_field)
    result, cached = S.cached_result(ctx, STAGE, VERSION, cfg, {"field": field},
                                     lambda: compute(ctx, cfg, field, why))
    seconds = time.perf_counter() - start
    pages = robustness_pages.pages(result)
    files = {"curves.json": S.json_bytes({k: v for k, v in result.items() if k not in ("attack_example", "timings")})}
    out = metrics(result, seconds)
    out["claims"] = S.claims_report(robustness_claims.claims(result), robustness_pages.CLAIM_PAGES)
    return AnalysisOutput(files=files, pages=pages, metrics=out, cached=cached)


def metrics(r: dict, seconds: float) -> dict:
    out = {"images": r.get("n_images"), "stage_seconds": round(seconds, 3),
           "compute_seconds": {k: round(v, 3) for k, v in r.get("timings", {}).items()}}
    sw = r.get("sweeps", {})
    for kind, s in sw.items():
        out[f"{kind}_cosine_at_max"] = s["mean"][-1]
    if "grey" in sw:
        out["grey_linear_r2"] = sw["grey"].get("linear_fit", {}).get("r2")
    sp = r.get("sparsity", {})
    if sp.get("blocks"):
        out["sparsity_near_zero_first_last"] = [sp["blocks"][0]["near_zero"], sp["blocks"][-1]["near_zero"]]
    att = r.get("attack", {})
    if att.get("flip_rate"):
        out["attack_flip_rate"] = dict(zip([str(b) for b in att["budgets"]], att["flip_rate"]))
    return out


def _png_b64(a: np.ndarray, scale: int) -> str:
    img = Image.fromarray(a).resize((a.shape[1] * scale, a.shape[0] * scale), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def compute(ctx: AnalysisContext, cfg, field: str | None, why: str) -> dict:
    clock = StageClock()
    timings, lap = clock.laps, clock.lap

    lm = ctx.model
    res: dict = {"version": VERSION, "params": {k: v for k, v in dataclasses.asdict(cfg).items() if k != "enabled"},
                 "timings": timings, "device": str(lm.device)}
    to_pixels, mean, std = lm.preprocessing.to_pixels, lm.preprocessing.mean, lm.preprocessing.std
    if to_pixels is None:
        res["skipped"] = lm.preprocessing.why_not
        return res
    records = ctx.collection.records
    idx = S.random_sample(len(records), cfg.images, cfg.seed)
    x, kept, failed, pil = S.load_pixels(records, idx, to_pixels)
    if len(kept) < 2:
        res["skipped"] = "fewer than 2 sample images could be decoded"
        return res
    dev, bs = lm.device, ctx.cfg.embed.batch_size
    x = x.to(dev)
    size = tuple(x.shape[-2:])
    ref = R.embed_pixels(lm.model, x, mean, std, dev, bs)
    res.update(n_images=len(kept), failed=[list(f) for f in failed], input_size=list(size),
               reembed_max_abs_diff=float(np.abs(ref - ctx.image_emb[kept]).max()))
    lap("decode_and_embed")

    sweeps = {}
    levels = {"grey": cfg.grey_fractions, "gaussian": cfg.noise_std, "salt_pepper": cfg.salt_pepper,
              "blur": cfg.blur_sigmas}
    with ctx.bar(sum(len(v) for v in levels.values()), "robustness: perturbation sweeps") as bar:
        for kind, lv in levels.items():
            cos = R.similarity_sweep(lm.model, x, mean, std, kind, lv, dev, cfg.seed, bs, reference=ref)
            sweeps[kind] = {"levels": list(lv), **RS.level_stats(cos)}
            bar.update(len(lv))
    sweeps["grey"]["linear_fit"] = RS.linear_fit(cfg.grey_fractions, sweeps["grey"]["mean"])
    res["sweeps"] = sweeps
    lap("sweeps")

    variants = R.preprocess_variants(size[0]) if size[0] == size[1] else {}
    pre = []
    for name, (desc, fn) in variants.items():
        xv = torch.stack([fn(im) for im in pil])
        ev = R.embed_pixels(lm.model, xv, mean, std, dev, bs)
        cos = (ev * ref).sum(1)
        pre.append({"name": name, "description": desc, **RS.similarity_summary(cos)})
    aspect = np.array([im.size[0] / im.size[1] for im in pil])
    res["preprocessing"] = {"variants": pre, "square_share": float((np.abs(aspect - 1) < 0.01).mean()),
                            "aspect_min": float(aspect.min()), "aspect_max": float(aspect.max())}
    lap("preprocessing")

    try:
        res["sparsity"] = R.activation_sparsity(lm.model, R.normalise(x, mean, std), cfg.sparsity_eps, dev, bs)
        del res["sparsity"]["embeddings"]
        nb = min(len(x), BLEND_IMAGES)
        ts = np.linspace(0.0, 1.0, cfg.blend_steps)
        res["blend"] = R.blend_dynamics(lm.model, x[:nb], mean, std, ts, cfg.sparsity_eps, dev, cfg.seed, bs)
        res["blend"]["images"] = nb
    except ValueError as exc:  # an unsupported tower
        res["sparsity"] = {"skipped": str(exc)}
    lap("sparsity")

    res["attack"] = attack(ctx, cfg, field, why, x[: cfg.attack_images], kept[: cfg.attack_images], mean, std)
    if res["attack"].get("example"):
        ex = res["attack"].pop("example")
        scale = max(1, 256 // max(size))
        res["attack_example"] = {k: ex[k] for k in ("index", "budget", "before", "after")}
        marked = RS.mark_changed(ex["clean"], ex["adversarial"])
        res["attack_example"].update(clean_png=_png_b64(ex["clean"], scale),
                                     adversarial_png=_png_b64(ex["adversarial"], scale),
                                     changed_png=_png_b64(marked, scale), id=records[kept[ex["index"]]].id)
    lap("attack")
    return res


def attack(ctx: AnalysisContext, cfg, field, why, x: torch.Tensor, kept: list[int], mean, std) -> dict:
    if cfg.attack_images <= 0:
        return {"skipped": "robustness.attack_images = 0"}
    if not field:
        return {"skipped": f"the attack needs a label field to classify: {why}"}
    records = ctx.collection.records
    values = sorted({str(r.labels[field]) for r in records if field in r.labels})
    # The dataset's prompts (or the default one) per value; the classifier is the "mean" rule of
    # compute.metrics.zero_shot_scores, as class embeddings, since the attack needs their gradient.
    prompts, owner = ctx.collection.class_prompts(field, values)
    lm = ctx.model
    cls = class_embeddings(encode_texts(lm.model, lm.tokenizer, prompts, lm.device), np.asarray(owner), len(values))
    has = [j for j, i in enumerate(kept) if field in records[i].labels]
    labels = np.array([values.index(str(records[kept[j]].labels[field])) for j in has])
    out = R.few_pixel_attack(lm.model, x[has], mean, std, cls, labels, list(cfg.attack_pixels), lm.device)
    out.update(field=field, classes=values, pixels=int(x.shape[-1] * x.shape[-2]))
    if out.get("example"):
        out["example"]["index"] = has[out["example"]["index"]]
    return out
