"""Names in words for units, CLIP-Dissect style: pure, arrays in, arrays out.

A concept (a word or label value, as text) has an image-text similarity profile over the dataset:
the cosine of every image's embedding with the concept's text embedding. A unit has an activation
profile over the same images (its mean over positions). A unit's names are the concepts whose
profiles match its profile best. The match is Spearman's rank correlation (the Pearson correlation
of the two profiles' ranks) — simpler than CLIP-Dissect's soft-WPMI, needs no threshold, and is
unchanged by any monotone rescaling of the unit or of the similarity.

    vocabulary(captions, label_values, min_count, limit) -> concepts (label values first)
    rank_correlation(unit_acts float[I, U], profiles float[I, K]) -> float32[U, K]
    top_concepts(scores, k) -> (int64[U, k], float32[U, k])
    chance_best(images, concepts), weak_below(images, concepts) -> what chance gives the best of K
                              concepts, and the score under which a name is marked weak
    preferred_values(unit_acts, labels) -> per unit the label value it fires on most, and how selectively
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

STOP_WORDS = frozenset(
    "a an the of on in at to and or with without is are was were be been it its this that these those "
    "there here some one two three for from by as into onto over under near next behind front has have "
    "image picture photo photograph showing shows shown".split())
WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


def vocabulary(captions: list[str], label_values: list[str], min_count: int = 5, limit: int = 500) -> list[str]:
    """Concepts: every distinct label value (in the given order), then caption words (lowercased,
    letters only, two or more, stop words left out) used at least `min_count` times, most frequent first, ties
    alphabetical; at most `limit` in all."""
    out = list(dict.fromkeys(v.strip() for v in label_values if v and v.strip()))
    seen = {c.lower() for c in out}
    counts = Counter(w for text in captions for w in WORD.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS)
    words = sorted((w for w, c in counts.items() if c >= min_count and w not in seen), key=lambda w: (-counts[w], w))
    return (out + words)[:max(0, limit)]


def _ranks(x: np.ndarray) -> np.ndarray:
    """Column-wise ranks of float[I, N] (ties share their average rank, as Spearman's does),
    centred and scaled to unit norm (a constant column stays all zeros)."""
    from scipy.stats import rankdata

    ranks = rankdata(x, axis=0, method="average").astype(np.float64)
    ranks -= ranks.mean(0, keepdims=True)
    norm = np.linalg.norm(ranks, axis=0, keepdims=True)
    return ranks / np.where(norm > 1e-9, norm, np.inf)


def rank_correlation(unit_acts: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    """Spearman correlation float32[U, K] of every unit's column of float[I, U] with every concept's
    column of float[I, K] (rows: the same images). Non-finite activations (unread images) count as
    the lowest; a constant column correlates 0 with everything."""
    a = np.where(np.isfinite(unit_acts), unit_acts, -np.inf)
    if a.shape[0] != profiles.shape[0]:
        raise ValueError(f"{a.shape[0]} activation rows but {profiles.shape[0]} profile rows")
    if a.shape[0] < 2:
        return np.zeros((a.shape[1], profiles.shape[1]), np.float32)
    return (_ranks(a).T @ _ranks(profiles)).astype(np.float32)


def top_concepts(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best concepts per unit (row of float[U, K]), best first, ties by the lower index."""
    k = min(k, scores.shape[1])
    idx = np.lexsort((np.broadcast_to(np.arange(scores.shape[1]), scores.shape), -scores), axis=1)[:, :k]
    return idx.astype(np.int64), np.take_along_axis(scores, idx, axis=1).astype(np.float32)


MIN_STRONG_RHO = 0.2  # a name under this explains < 4 % of the rank variance, whatever the dataset size


def chance_best(images: int, concepts: int) -> float:
    """The best rank correlation that chance alone gives among `concepts` unrelated profiles over
    `images` images: the expected maximum of K null correlations, about sqrt(2 ln K / (I - 1))."""
    if images < 3 or concepts < 1:
        return 1.0
    return float(np.sqrt(2.0 * np.log(max(concepts, 2)) / (images - 1)))


def weak_below(images: int, concepts: int) -> float:
    """The score under which a name is marked weak: twice chance_best, and never under
    MIN_STRONG_RHO (nor over 1: with too few images, chance_best is 1 and no name clears it)."""
    return round(min(1.0, max(MIN_STRONG_RHO, 2.0 * chance_best(images, concepts))), 3)


def weak_rule(images: int, concepts: int) -> str:
    """Which part of weak_below sets the bar: "chance" (twice chance_best), "floor"
    (MIN_STRONG_RHO) or "cap" (1: too few images). Decided here, on the unrounded figures, so a
    page need not guess it from rounded ones."""
    twice = 2.0 * chance_best(images, concepts)
    return "floor" if twice < MIN_STRONG_RHO else "cap" if twice > 1.0 else "chance"


def preferred_values(unit_acts: np.ndarray, labels: np.ndarray, values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per unit (column of float[I, U]): the index into `values` of the label value (labels: int[I],
    -1 for none) whose images it fires on most (mean activation), and its selectivity: that mean
    minus the mean over the other images, in units of the unit's standard deviation."""
    a = np.where(np.isfinite(unit_acts), unit_acts, np.nan)
    means = np.stack([np.nanmean(a[labels == v], axis=0) if np.any(labels == v) else np.full(a.shape[1], np.nan)
                      for v in range(len(values))])  # [V, U]
    best = np.nanargmax(np.where(np.isnan(means), -np.inf, means), axis=0)
    rest = np.stack([np.nanmean(a[(labels != b) & (labels >= 0), u]) for u, b in enumerate(best)])
    sd = np.nanstd(a, axis=0)
    sel = (means[best, np.arange(a.shape[1])] - rest) / np.where(sd > 0, sd, np.inf)
    return best.astype(np.int64), np.nan_to_num(sel).astype(np.float32)


def naming_accuracy(unit_acts: np.ndarray, labels: np.ndarray, values: list[str], concepts: list[str],
                    scores: np.ndarray, min_selectivity: float = 1.0) -> dict:
    """For one label field: among units selective for one of its values (selectivity >= the
    threshold), the share whose best-matching concept among the field's values is that value."""
    best, sel = preferred_values(unit_acts, labels, values)
    col = {c: i for i, c in enumerate(concepts)}
    cols = [col.get(v, -1) for v in values]
    chosen = np.flatnonzero(sel >= min_selectivity)
    if not len(chosen) or min(cols) < 0:
        return {"units": int(len(chosen)), "accuracy": None}
    named = np.asarray(cols)[np.argmax(scores[chosen][:, cols], axis=1)]
    right = named == np.asarray(cols)[best[chosen]]
    return {"units": int(len(chosen)), "accuracy": round(float(right.mean()), 4)}
