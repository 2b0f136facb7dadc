"""Units named in words (CLIP-Dissect style, builder.compute.unit_names): the vocabulary from the
dataset's label values and caption words, each concept's image-text similarity profile over the
dataset, and per unit the concepts whose profile best matches its activation profile."""

from __future__ import annotations

import numpy as np

from builder.compute import unit_names as U


def vocabulary(ctx) -> list[str]:
    cfg, col = ctx.cfg.neurons, ctx.collection
    if cfg.concepts == "none":
        return []
    values = [v for f in col.label_fields() for v in col.label_counts(f)] if "labels" in cfg.concepts else []
    captions = list(ctx.captions) if "captions" in cfg.concepts else []
    return U.vocabulary(captions, values, cfg.concept_min_count, cfg.concept_limit)


def concept_profiles(ctx, concepts: list[str]) -> np.ndarray:
    """float32[I, K]: every image's cosine with every concept's text embedding."""
    from builder.compute.embed import encode_texts

    lm = ctx.model
    texts = [ctx.cfg.neurons.concept_template.replace("{}", c) for c in concepts]
    emb = encode_texts(lm.model, lm.tokenizer, texts, lm.device)
    return (ctx.image_emb @ emb.T).astype(np.float32)


def name_units(ctx, units: dict[str, list[int]], acts: dict) -> dict:
    """{"concepts": [...], "layers": {layer: {"index": int64[U, k], "score": float32[U, k], "scores":
    float32[U, K]}}, "accuracy": {field: {"units", "accuracy"}}, "weak_below": a name's score under
    which it is marked weak (U.weak_below), "weak_rule": what sets that bar (U.weak_rule), "chance_best"}
    (empty when there is no vocabulary)."""
    concepts = vocabulary(ctx)
    if not concepts or not len(ctx.image_emb):
        return {"concepts": [], "layers": {}, "accuracy": {}, "weak_below": None, "weak_rule": None, "chance_best": None}
    profiles = concept_profiles(ctx, concepts)
    k = ctx.cfg.neurons.names
    layers = {}
    for name in units:
        scores = U.rank_correlation(acts[name]["mean"], profiles)
        idx, top = U.top_concepts(scores, k)
        layers[name] = {"index": idx, "score": top, "scores": scores}
    return {"concepts": concepts, "layers": layers, "accuracy": accuracy(ctx, units, acts, concepts, layers),
            "weak_below": U.weak_below(len(ctx.image_emb), len(concepts)),
            "weak_rule": U.weak_rule(len(ctx.image_emb), len(concepts)),
            "chance_best": round(U.chance_best(len(ctx.image_emb), len(concepts)), 3)}


def accuracy(ctx, units, acts, concepts, layers) -> dict:
    """Per label field: of the units selective for one of its values, the share named by that value
    (among the field's values)."""
    col = ctx.collection
    out = {}
    if not units:
        return out
    all_acts = np.concatenate([acts[n]["mean"] for n in units], axis=1)
    all_scores = np.concatenate([layers[n]["scores"] for n in units], axis=0)
    for field in col.label_fields():
        values = list(col.label_counts(field))
        pos = {v: i for i, v in enumerate(values)}
        labels = np.array([pos.get(str(r.labels[field]), -1) if field in r.labels else -1 for r in col.records], np.int64)
        if len(values) < 2:
            continue
        out[field] = U.naming_accuracy(all_acts, labels, values, concepts, all_scores)
    return out
