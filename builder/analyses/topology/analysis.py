"""Topology and geometry of the embeddings (seeds/clip-topology-blog.md), precomputed.

Per category (a label field, see `Collection.category_field`) of the image embeddings and of
the caption embeddings: persistence diagrams (H0, H1), Wasserstein and bottleneck distances
between categories, principal-subspace angles, mean cross-modal similarity; over all of them:
the modality gap. A stratified sample of images is re-embedded under Gaussian blur, Gaussian
pixel noise and salt-and-pepper noise, and each version's diagrams are compared with the
original's. The result is cached by the embeddings' hash and the parameters.

The maths is in builder.compute.topology / .robustness; the pages in pages.py and templates/.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from builder.analyses import AnalysisContext, AnalysisOutput
from builder.analyses import support as S
from builder.analyses.topology import claims as topology_claims
from builder.analyses.topology import pages as topology_pages
from builder.clock import StageClock
from builder.compute import robustness as R
from builder.compute import topology as T

STAGE = "topology"
VERSION = 2
MIN_PER_CATEGORY = 4  # a category needs this many images (and captions) to take part
GAP_BINS = 40
REEMBED_CHECK = 8  # sample images re-embedded unperturbed to check the preprocessing split


def run(ctx: AnalysisContext) -> AnalysisOutput:
    start = time.perf_counter()
    cfg = ctx.cfg.topology
    field, why = S.pick_category_field(ctx.collection, cfg.category_field)
    result, cached = S.cached_result(ctx, STAGE, VERSION, cfg, {"field": field},
                                     lambda: compute(ctx, cfg, field, why))
    seconds = time.perf_counter() - start
    pages = topology_pages.pages(result)
    files = {"tables.json": S.json_bytes({k: v for k, v in result.items() if k not in ("diagrams", "timings")}),
             "diagrams.json": S.json_bytes(result.get("diagrams", {}))}
    out = metrics(result, seconds)
    out["claims"] = S.claims_report(topology_claims.claims(result), topology_pages.CLAIM_PAGES)
    return AnalysisOutput(files=files, pages=pages, metrics=out, cached=cached)


def metrics(result: dict, seconds: float) -> dict:
    gap = result.get("gap", {})
    out = {"modality_gap": gap.get("centroid_distance"), "modality_gap_share": gap.get("gap_share"),
           "category_field": result.get("field"), "categories": len(result.get("categories", []))}
    angles = result.get("angles", {}).get("images")
    if angles:
        out.update(angle_between_categories_deg=T.mean_off_diagonal(angles["mean"]),
                   angle_within_categories_deg=float(np.mean(angles["within"])),
                   angle_random_split_deg=angles["random"], subspace_dim=angles["dim"])
    out["compute_seconds"] = {k: round(v, 3) for k, v in result.get("timings", {}).items()}
    out["stage_seconds"] = round(seconds, 3)
    return out


# -- compute --------------------------------------------------------------------------------------

def single_threaded_blas():
    """BLAS on one thread. The matrices here are small (a few hundred rows, D columns), where
    threads gain little, and on a busy machine threads that wait by spinning made the same
    computations 10-25x slower (measured on the 2-core build machine under load)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def compute(ctx: AnalysisContext, cfg, field: str | None, why: str) -> dict:
    clock = StageClock()
    timings, lap = clock.laps, clock.lap
    names, img_lab = ctx.collection.categories(field, none_bucket=False)
    with single_threaded_blas():
        res = embedding_topology(ctx.image_emb, ctx.text_emb, ctx.caption_image, img_lab, names, cfg, field,
                                 why, ctx.log, lap)
    img_lab = np.array(res.pop("_labels"))
    res["perturbations"] = perturbations(ctx, cfg, img_lab, len(res["categories"]), lap)
    res["timings"] = timings
    return res


def embedding_topology(img: np.ndarray, txt: np.ndarray, caption_image, img_lab: np.ndarray, names: list[str],
                       cfg, field: str | None = None, why: str = "", log=print, lap=None) -> dict:
    """Everything that needs only the embeddings: modality gap, diagrams per category and over all
    points, distances between categories, subspace angles, cross-modal similarity.

    img float[I, D], txt float[C, D] (unit rows), caption_image int[C], img_lab int[I] category per
    image (-1: none) indexing `names`. Categories with fewer than MIN_PER_CATEGORY images or
    captions are dropped (listed); fewer than two left means no per-category parts (`why`).
    The returned dict carries the final labels under "_labels" for the perturbation part.
    """
    lap = lap or (lambda name: None)
    cap_img = np.asarray(caption_image, dtype=np.int64)
    img_lab = np.asarray(img_lab, dtype=np.int64)
    dropped = []
    if names:
        cap_lab = img_lab[cap_img] if len(cap_img) else np.zeros(0, np.int64)
        keep, img_lab = T.keep_groups(img_lab, cap_lab, len(names), MIN_PER_CATEGORY)
        dropped = [names[g] for g in range(len(names)) if g not in keep]
        names = [names[g] for g in keep]
        if len(names) < 2:
            why = why or f"fewer than two categories of {field!r} have {MIN_PER_CATEGORY} images and captions"
            names, img_lab = [], np.full(len(img), -1)
    cap_lab = img_lab[cap_img] if len(cap_img) else np.zeros(0, np.int64)
    G = len(names)
    res = {"version": VERSION, "field": field if G else None, "why_no_categories": "" if G else why,
           "categories": names, "dropped_categories": dropped, "_labels": img_lab,
           "counts": {"images": [int((img_lab == g).sum()) for g in range(G)],
                      "captions": [int((cap_lab == g).sum()) for g in range(G)],
                      "all_images": len(img), "all_captions": len(txt)},
           "params": {k: v for k, v in dataclasses.asdict(cfg).items() if k != "enabled"}}

    gap = T.modality_gap(img, txt, cap_img if len(txt) else None)
    hist = T.shared_histogram(gap["img_proj"], gap["txt_proj"], GAP_BINS)
    res["gap"] = {k: v for k, v in gap.items() if not k.endswith("_proj")}
    res["gap"]["histogram"] = {"edges": hist["edges"], "images": hist["a"], "captions": hist["b"]}
    lap("modality_gap")

    log(f"[topology] persistence of {G or 'no'} categories x 2 modalities (<= {cfg.max_points} points each)")
    dg = {"all": {"images": T.diagram_record(T.persistence(img, cfg.max_points)),
                  "captions": T.diagram_record(T.persistence(txt, cfg.max_points)) if len(txt) >= 2 else None}}
    if G:
        dg["images"] = [T.diagram_record(T.persistence(img[img_lab == g], cfg.max_points)) for g in range(G)]
        dg["captions"] = [T.diagram_record(T.persistence(txt[cap_lab == g], cfg.max_points)) for g in range(G)]
    res["diagrams"] = dg
    lap("diagrams")

    if G:
        res["distances"] = {m: {d: _matrix(T.distance_matrix([x[d] for x in dg[m]], cfg.exact_max_points,
                                                             cfg.sliced_directions))
                                for d in ("h0", "h1")} for m in ("images", "captions")}
        res["image_vs_caption"] = {d: [T.diagram_distance(dg["images"][g][d], dg["captions"][g][d],
                                                          cfg.exact_max_points, cfg.sliced_directions)
                                       for g in range(G)] for d in ("h0", "h1")}
        lap("distances")
        res["angles"] = {"images": T.subspace_angle_table(img[img_lab >= 0], img_lab[img_lab >= 0], G,
                                                          cfg.subspace_energy, cfg.subspace_max_dim, cfg.seed),
                         "captions": T.subspace_angle_table(txt[cap_lab >= 0], cap_lab[cap_lab >= 0], G,
                                                            cfg.subspace_energy, cfg.subspace_max_dim, cfg.seed)}
        res["cross_similarity"] = T.mean_cross_similarity(img, img_lab, txt, cap_lab, G)
        res["self_similarity"] = T.mean_cross_similarity(img, img_lab, img, img_lab, G)
        lap("angles")
    return res


def _matrix(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def perturbation_levels(cfg) -> list[tuple[str, float]]:
    return ([("blur", float(s)) for s in cfg.blur_sigmas] + [("gaussian", float(v)) for v in cfg.noise_std]
            + [("salt_pepper", float(v)) for v in cfg.salt_pepper])


def perturbations(ctx: AnalysisContext, cfg, img_lab: np.ndarray, G: int, lap) -> dict:
    """Re-embed a stratified sample under every blur / noise level; diagrams and distances to the
    original per category and pooled; a fixed-frame 2D PCA of the pooled sample per blur level."""
    p = ctx.model.preprocessing
    to_pixels, mean, std = p.to_pixels, p.mean, p.std
    if to_pixels is None:
        return {"skipped": p.why_not}
    records = ctx.collection.records
    idx = S.stratified_sample(img_lab, cfg.perturb_per_category, cfg.seed) if G else \
        S.random_sample(len(records), cfg.perturb_per_category * 8, cfg.seed)
    x, kept, failed, _ = S.load_pixels(records, idx, to_pixels)
    if len(kept) < 4:
        return {"skipped": "fewer than 4 sample images could be decoded"}
    kept = np.asarray(kept)
    lab = img_lab[kept] if G else np.zeros(len(kept), np.int64)
    levels = perturbation_levels(cfg)
    dev = ctx.model.device
    bs = ctx.cfg.embed.batch_size
    ctx.log(f"[topology] re-embedding {len(kept)} images at {len(levels)} perturbation levels")
    # Level 0 (blur sigma 0) is the original: the site's own embeddings. Re-embedding a few
    # checks that pixels -> normalise -> model reproduces them (the same preprocessing).
    check = R.embed_pixels(ctx.model.model, x[:REEMBED_CHECK].to(dev), mean, std, dev, bs)
    base = np.asarray(ctx.image_emb[kept], dtype=np.float32)
    embs = []
    with ctx.bar(len(levels), "topology: perturbed embeddings") as bar:
        for kind, level in levels:
            if level <= 0:
                embs.append(base)
            else:
                xp = R.perturb(x.to(dev), kind, level, cfg.seed)
                embs.append(R.embed_pixels(ctx.model.model, xp, mean, std, dev, bs))
            bar.update(1)
    lap("perturb_embed")
    out = {"levels": [{"kind": k, "level": v} for k, v in levels], "n_images": int(len(kept)),
           "failed": [list(f) for f in failed], "groups": "categories" if G else "all",
           "reembed_max_abs_diff": float(np.abs(check - base[:REEMBED_CHECK]).max()),
           "mean_cosine": [float((e * base).sum(1).mean()) for e in embs]}
    with single_threaded_blas():
        return _perturbation_topology(cfg, out, embs, lab, levels, G, lap)


def _perturbation_topology(cfg, out: dict, embs: list[np.ndarray], lab: np.ndarray, levels, G: int, lap) -> dict:
    pooled = [T.diagram_record(T.persistence(e, cfg.max_points)) for e in embs]
    out["pooled"] = {"diagrams": pooled,
                     "distance": {d: [T.diagram_distance(p[d], pooled[0][d], cfg.exact_max_points,
                                                         cfg.sliced_directions) for p in pooled]
                                  for d in ("h0", "h1")}}
    if G:
        per = []
        for g in range(G):
            rows = lab == g
            dgms = [T.persistence(e[rows], cfg.max_points) for e in embs]
            per.append({d: [T.diagram_distance(p[d], dgms[0][d], cfg.exact_max_points, cfg.sliced_directions)
                            for p in dgms] for d in ("h0", "h1")})
        out["per_category"] = per
    blur = [i for i, (k, _) in enumerate(levels) if k == "blur"]
    xy = T.pca_2d(embs[blur[0]], *[embs[i] for i in blur[1:]])
    out["pca"] = {"levels": [levels[i][1] for i in blur], "xy": [np.round(p, 4) for p in xy],
                  "group": lab}
    lap("perturb_topology")
    return out
