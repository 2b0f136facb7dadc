"""Summaries of the robustness measurements (builder.compute.robustness). Pure numpy: arrays in,
numbers and arrays out."""

from __future__ import annotations

import numpy as np


def level_stats(cos: np.ndarray) -> dict:
    """Per level (rows of cos float[L, B]): mean, median, quartiles, min, each float[L]."""
    q = np.quantile(cos, [0.25, 0.5, 0.75], axis=1) if cos.size else np.zeros((3, len(cos)))
    return {"mean": cos.mean(1), "q25": q[0], "median": q[1], "q75": q[2], "min": cos.min(1)}


def linear_fit(x, y) -> dict:
    """Least-squares line through (x, y): {"slope", "intercept", "r2"}; {} for fewer than 3 points.
    r2 is 1 when y is constant (the line explains all of nothing)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 3:
        return {}
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    tot = ((y - y.mean()) ** 2).sum()
    return {"slope": float(slope), "intercept": float(intercept), "r2": float(1 - (resid**2).sum() / tot) if tot > 0 else 1.0}


def similarity_summary(cos: np.ndarray) -> dict:
    """Mean, min, median of the cosine similarities `cos` and the share of them below 0.9."""
    return {"mean": float(cos.mean()), "min": float(cos.min()), "median": float(np.median(cos)),
            "share_below_0_9": float((cos < 0.9).mean())}


def mark_changed(clean: np.ndarray, changed: np.ndarray, colour=(255, 0, 255)) -> np.ndarray:
    """uint8[H, W, 3]: the image `clean` dimmed, with the pixels where `changed` differs from it in
    `colour` (any channel differs)."""
    where = (clean != changed).any(-1)
    marked = (clean * 0.35 + 120).astype(np.uint8)
    marked[where] = colour
    return marked
