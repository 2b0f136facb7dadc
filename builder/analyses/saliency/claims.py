"""The saliency pages' claims (builder.analyses.insights): descriptions are not labels, a prefix
changes the result, written words dominate, measured from index.json and the metrics. Pure."""

from __future__ import annotations

import numpy as np

from builder.analyses.insights import INSIGHTS
from builder.render.claims import Claim

NEAR_MISSES = ("wrong-colour", "wrong-shape", "wrong-label")


def _near_miss_pairs(images: list[dict]):
    """(image, object prompt, best near miss prompt) for every curated image that has both."""
    for im in images:
        prompts = im.get("prompts") or []
        k = im.get("object_prompt")
        if not isinstance(k, int) or not 0 <= k < len(prompts) or prompts[k].get("role") != "object":
            continue
        misses = [p for p in prompts if p.get("role") in NEAR_MISSES]
        if misses:
            yield im, prompts[k], max(misses, key=lambda p: p["sim"])


def descriptions(index: dict) -> Claim:
    """Mean softmax weight of the best one-word-wrong description relative to the right one
    (capped at 1 per image: a near miss that wins counts as 100 %)."""
    spec = INSIGHTS["descriptions"]
    ratios = [min(1.0, miss["p"] / obj["p"]) if obj["p"] > 0 else 1.0
              for _, obj, miss in _near_miss_pairs(index.get("images") or [])]
    if not ratios:
        return spec.measure("no curated image has both a right description and one with a wrong word")
    return spec.measure(weight=float(np.mean(ratios)), images=len(ratios))


def prefix(index: dict) -> Claim:
    """Mean spread (max - min) of the right description's similarity over the prefixes, against
    its mean margin over the best near miss."""
    spec = INSIGHTS["prefix"]
    spreads, margins = [], []
    for im, obj, miss in _near_miss_pairs(index.get("images") or []):
        prompts = im["prompts"]
        sims = [prompts[g["prompt"]]["sim"] for g in im.get("prefixes") or [] if 0 <= g.get("prompt", -1) < len(prompts)]
        if len(sims) >= 2:
            spreads.append(max(sims) - min(sims))
            margins.append(obj["sim"] - miss["sim"])
    if not spreads:
        return spec.measure("no curated image has the right description under two prefixes and a near miss")
    spread, margin = float(np.mean(spreads)), float(np.mean(margins))
    if margin <= 0:
        return spec.measure(f"the right description does not score above a one-word-wrong one on average "
                            f"(margin {margin:.3f}), so there is no margin to compare the prefix with")
    return spec.measure(spread=spread, ratio=spread / margin, margin=margin)


def typographic(metrics: dict) -> Claim:
    spec = INSIGHTS["typographic"]
    ty = metrics.get("typographic") if isinstance(metrics, dict) else None
    if not ty:
        return spec.measure("no image carries a written word that differs from its object")
    return spec.measure(rate=ty.get("word_win_rate"), images=ty.get("images"))


def claims(index: dict, metrics: dict) -> dict[str, Claim]:
    return {"descriptions": descriptions(index), "prefix": prefix(index), "typographic": typographic(metrics)}
