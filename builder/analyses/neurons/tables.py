"""Per-unit tables of the neuron galleries: each unit's exemplars, their crop boxes, the dataset
statistics, the nearest captions and the label agreement (the maths is in builder.compute)."""

from __future__ import annotations

import numpy as np

from builder.compute import neurons as N
from builder.compute import unit_stats as S


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
        out.append({"text": text, "cos": S.rounded(s, 3), "image": int(ctx.caption_image[i])})
        if len(out) == k:
            break
    return out


def _label_agreement(records, rows: np.ndarray, base: dict[str, dict[str, float]]) -> list[dict]:
    """Per label field: the most common value among the exemplars, its share there and in the dataset."""
    return S.label_agreement({f: [records[r].labels.get(f) for r in rows.tolist()] for f in base}, base)


def _names(named: dict | None, layer: str, n: int) -> list[list[dict]]:
    """Per unit: its best concepts [{"concept", "score", "weak"}], best first (empty without a
    vocabulary); weak: the score is under the chance-based bar (unit_names.weak_below)."""
    part = (named or {}).get("layers", {}).get(layer)
    if part is None:
        return [[] for _ in range(n)]
    concepts, bar = named["concepts"], named.get("weak_below")
    return [[{"concept": concepts[int(i)], "score": S.rounded(float(v), 3), "weak": bool(bar is not None and v < bar)}
             for i, v in zip(idx, sc)] for idx, sc in zip(part["index"], part["score"])]


def strong_name_share(table: dict) -> float | None:
    """Share of the named units whose best name is not weak (None when no unit is named)."""
    best = [names[0] for t in table.values() for names in t["names"] if names]
    return round(float(np.mean([not b["weak"] for b in best])), 4) if best else None


def kind_summary(model, table: dict) -> list[dict]:
    """Per unit kind: units shown and the share whose optimised image beats the dataset maximum."""
    from builder.compute.fvis.probes import probes_for

    probes = probes_for(model)
    by: dict[str, list[np.ndarray]] = {}
    for name, t in table.items():
        by.setdefault(probes[name].kind, []).append(np.asarray(t["optimised"] > t["dataset_max"]))
    return [{"kind": k, "units": int(sum(len(v) for v in vs)),
             "share_exceeding_dataset_max": round(float(np.mean(np.concatenate(vs))), 4) if any(len(v) for v in vs)
             else None} for k, vs in by.items()]


def unit_table(ctx, units: dict[str, list[int]], acts: dict, opt: dict, named: dict | None = None) -> dict[str, dict]:
    """Per layer: units, dataset max/mean, top rows, crop boxes, optimised activation and image,
    nearest captions, label agreement of the exemplars and the unit's names in words."""
    cfg = ctx.cfg.neurons
    records = ctx.collection.records
    col = ctx.collection
    base = S.label_frequencies({f: col.label_counts(f) for f in col.label_fields()})
    out, start = {}, 0
    for name, us in units.items():
        a = acts[name]
        top = N.top_exemplars(a["peak"] if cfg.exemplars == "peak" else a["mean"], cfg.top_k)
        grid = tuple(int(g) for g in a["grid"])
        boxes = [[N.crop_box(a["argmax"][r, j], grid, cfg.crop) for r in top[j]] for j in range(len(us))]
        sl = slice(start, start + len(us))
        start += len(us)
        out[name] = {
            "units": us, "grid": grid, "top": top, "boxes": boxes,
            **S.unit_statistics(a["mean"], a["peak"], top),
            "optimised": np.asarray(opt["activation"][sl], np.float64),
            "optimised_peak": np.asarray(opt["peak"][sl], np.float64),
            "images": opt["images"][sl],
            "curve": opt["curve"][:, sl],
            "captions": [_unique_captions(ctx, top[j], cfg.captions) for j in range(len(us))],
            "labels": [_label_agreement(records, top[j], base) for j in range(len(us))],
            "names": _names(named, name, len(us)),
        }
    return out


def label_agreement_summary(table: dict) -> dict:
    """Per label field, over all units: mean share of the exemplars' majority value, and the mean
    share that value has in the whole dataset (what chance would give)."""
    return S.agreement_summary(e for t in table.values() for entries in t["labels"] for e in entries)
