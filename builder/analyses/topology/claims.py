"""The topology pages' claims (builder.analyses.insights): the modality gap and the subspace
angles (geometry page), Wasserstein distance growing with blur (perturbations page). Pure:
result dict in, claims out."""

from __future__ import annotations

import numpy as np

from builder.analyses.insights import INSIGHTS
from builder.render.claims import Claim

RISING = 0.8  # rank correlation with sigma above which a distance curve "rises with the blur"


def gap(r: dict) -> Claim:
    g = r.get("gap") or {}
    return INSIGHTS["gap"].measure("" if g else "the modality gap was not measured",
                                   share=g.get("gap_share"), distance=g.get("centroid_distance"))


def ranks(a) -> np.ndarray:
    """Ranks 0..n-1 of the values of `a`, ties sharing their mean rank."""
    _, inverse, counts = np.unique(np.asarray(a, float), return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + ends - 1) / 2.0)[inverse]


def rank_correlation(x, y) -> float:
    """Spearman's rank correlation of x and y (NaN when either is constant)."""
    rx, ry = ranks(x), ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    den = np.sqrt((rx**2).sum() * (ry**2).sum())
    return float((rx * ry).sum() / den) if den > 0 else float("nan")


def rising(sigmas, distances) -> bool:
    """Whether a distance curve rises with sigma: rank correlation >= RISING (a constant curve
    does not rise)."""
    d = np.asarray(distances, float)
    if len(d) < 3 or not np.all(np.isfinite(d)):
        return False
    rho = rank_correlation(sigmas, d)
    return bool(np.isfinite(rho) and rho >= RISING)


def blur(r: dict) -> Claim:
    spec = INSIGHTS["blur"]
    p = r.get("perturbations") or {}
    if "skipped" in p or not p.get("per_category"):
        return spec.measure("the blur comparison needs categories" if "skipped" not in p else f"not computed: {p['skipped']}")
    levels = p["levels"]
    blur_at = [i for i, lv in enumerate(levels) if lv["kind"] == "blur"]
    if len(blur_at) < 3:
        return spec.measure("fewer than three blur levels were measured")
    sig = [levels[i]["level"] for i in blur_at]
    curves = [[cat[d][i]["wasserstein"] for i in blur_at] for cat in p["per_category"] for d in ("h0", "h1")]
    ups = sum(rising(sig, c) for c in curves)
    return spec.measure(share=ups / len(curves), curves=len(curves))


def angles(r: dict) -> Claim:
    spec = INSIGHTS["angles"]
    ang = (r.get("angles") or {}).get("images")
    if not ang:
        return spec.measure(f"needs categories: {r.get('why_no_categories') or 'none'}")
    mean, within, rand = np.asarray(ang["mean"], float), np.asarray(ang["within"], float), float(ang["random"])
    g = len(within)
    pairs = [(i, j) for i in range(g) for j in range(i + 1, g)]
    if not pairs:
        return spec.measure("there is only one category")
    above = sum(mean[i, j] > max(within[i], within[j], rand) for i, j in pairs)
    between = float(np.mean([mean[i, j] for i, j in pairs]))
    return spec.measure(between=between, within=float(np.mean(within)), random=rand, share=above / len(pairs),
                        pairs=len(pairs))


def claims(r: dict) -> dict[str, Claim]:
    return {"gap": gap(r), "blur": blur(r), "angles": angles(r)}
