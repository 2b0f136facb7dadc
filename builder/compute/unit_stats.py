"""Statistics of the neuron galleries' units, pure: arrays and counts in, arrays and numbers out.

rounded(x, digits)               x to `digits` significant digits, None when not finite
curve_points(values, n)          at most n evenly spaced samples of an optimisation curve
unit_statistics(mean, peak, top) each unit's dataset max / mean and its exemplars' activations
label_frequencies(counts)        each label value's share of the dataset
label_agreement(values, base)    the exemplars' majority value, its share there and overall
agreement_summary(entries)       per field, those shares averaged over the units
"""

from __future__ import annotations

import numpy as np


def rounded(x, digits: int = 4) -> float | None:
    """float(x) to `digits` significant digits (as JSON shows it); None for inf and NaN."""
    x = float(x)
    return None if not np.isfinite(x) else float(f"{x:.{digits}g}")


def curve_points(values: np.ndarray, n: int) -> list[float | None]:
    """At most `n` samples of `values` at evenly spaced positions, first and last included,
    rounded to 3 significant digits."""
    if len(values) == 0:
        return []
    idx = np.unique(np.linspace(0, len(values) - 1, min(n, len(values))).round().astype(int))
    return [rounded(values[i], 3) for i in idx]


def unit_statistics(mean: np.ndarray, peak: np.ndarray, top: np.ndarray) -> dict[str, np.ndarray]:
    """mean, peak float[I, U] (each unit's activation on every image, -inf = unreadable image) and
    top int[U, k] (each unit's exemplar rows) -> the exemplars' mean and peak float[U, k], and
    per unit the dataset's best mean, best peak and average mean float[U] (NaN without images)."""
    n_units = top.shape[0]
    finite = np.where(np.isfinite(mean), mean, np.nan)
    return {
        "top_mean": np.take_along_axis(mean.T, top, axis=1),
        "top_peak": np.take_along_axis(peak.T, top, axis=1),
        "dataset_max": np.nanmax(finite, axis=0) if len(mean) else np.full(n_units, np.nan),
        "dataset_peak_max": np.nanmax(np.where(np.isfinite(peak), peak, np.nan), axis=0) if len(peak)
        else np.full(n_units, np.nan),
        "dataset_mean": np.nanmean(finite, axis=0) if len(mean) else np.full(n_units, np.nan),
    }


def label_frequencies(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    """{field: {value: count}} -> {field: {value: share of the images that have the field}}, for
    the fields with at least two values, in field order."""
    out = {}
    for f in sorted(counts):
        total = sum(counts[f].values())
        if len(counts[f]) >= 2:
            out[f] = {v: c / total for v, c in counts[f].items()}
    return out


def label_agreement(values: dict[str, list], base: dict[str, dict[str, float]]) -> list[dict]:
    """Per field of `base` (label_frequencies): the most common of the exemplars' `values[field]`
    (ties: the smallest), its share among them and its share in the dataset. Fields without
    values are left out."""
    out = []
    for field, freq in base.items():
        vals = [v for v in values.get(field, []) if v is not None]
        if not vals:
            continue
        counts: dict[str, int] = {}
        for v in vals:
            counts[v] = counts.get(v, 0) + 1
        value = sorted(counts, key=lambda v: (-counts[v], v))[0]
        out.append({"field": field, "value": value, "share": rounded(counts[value] / len(vals), 3),
                    "base": rounded(freq.get(value, 0.0), 3)})
    return out


def agreement_summary(entries) -> dict:
    """`label_agreement` entries of all units -> per field (sorted): the mean share of the
    exemplars' majority value, the mean share that value has in the dataset (what chance would
    give), and the share of units where it is at least 75 %."""
    per: dict[str, list[tuple[float, float]]] = {}
    for e in entries:
        per.setdefault(e["field"], []).append((e["share"], e["base"]))
    return {f: {"exemplar_share": rounded(np.mean([s for s, _ in v]), 3),
                "dataset_share": rounded(np.mean([b for _, b in v]), 3),
                "units_at_least_75pct": rounded(np.mean([s >= 0.75 for s, _ in v]), 3)} for f, v in sorted(per.items())}
