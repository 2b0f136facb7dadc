"""Names and meanings of the analyses' measurements (report metrics.<analysis>), for the metrics page.

`LABELS[analysis]` maps a key path (dots between levels; `*` stands for one level whose name
varies, such as a label field) to (name, meaning, format). Names and meanings may use {0} for the
`*` part. Formats: "pct" (a share 0..1), "pcts" (a list of shares), "num" (3 decimals), "deg"
(degrees), "cos" (5 decimals), "count", "text", "grid" (rows × columns), "curve" (a list of numbers). Rows that
differ only in a `*` part (e.g. a label field) are listed together. Timings and cache flags (`TIMING`) go to the build report instead.
A measurement without a label is still shown, under its key, with "not described" as its meaning.
Pure: dicts in, rows out.
"""

from __future__ import annotations

import fnmatch

from builder.render.markdown import _num, fmt_float, fmt_pct, fmt_value, md_text

TIMING = ("*seconds*", "maps_per_second", "cached.*", "device")

LABELS: dict[str, dict[str, tuple[str, str, str]]] = {
    "saliency": {
        "tower": ("Image tower", "the kind of image encoder the maps explain (vit: a vision transformer)", "text"),
        "method": ("Method", "how a map is computed (see the saliency method page)", "text"),
        "maps": ("Maps", "saliency maps computed, one per (image, prompt) pair", "count"),
        "grid": ("Map grid", "rows × columns of a map (one cell per image patch)", "grid"),
        "pointing_game.pairs": ("Pointing game: pairs", "(image, prompt) pairs with a known box of the named object",
                                "count"),
        "pointing_game.accuracy": ("Pointing game: accuracy", "share of pairs whose map peaks inside the named "
                                   "object's box", "pct"),
        "pointing_game.accuracy_tokens": ("Pointing game: token maps", "the same, for the gradient-free token maps "
                                          "(for comparison)", "pct"),
        "pointing_game.accuracy_without_word": ("Pointing game: images without a word", "accuracy on the images "
                                                "with no word written on them", "pct"),
        "pointing_game.accuracy_with_word": ("Pointing game: images with a word", "accuracy on the images with a "
                                             "word written on them (the word may draw the map away)", "pct"),
        "pointing_game.mean_box_area": ("Pointing game: chance level", "mean share of the image the boxes cover: "
                                        "what a map peaking at a random place would score", "pct"),
        "pointing_game.energy": ("Energy pointing game", "mean share of each map's positive mass that lies inside "
                                 "the named object's box", "pct"),
        "pointing_game.energy_margin": ("Energy pointing game: margin over chance", "mean of (share of mass in the "
                                        "box − share of the image the box covers)", "pct"),
        "pointing_game.energy_above_area": ("Energy pointing game: maps above chance", "share of maps with more of "
                                            "their mass in the box than the box's share of the image", "pct"),
        "pointing_game.energy_tokens": ("Energy pointing game: token maps", "the same share for the gradient-free "
                                        "token maps", "pct"),
        "word_pointing_game.pairs": ("Word pointing game: images", "images with a written word whose box is known, "
                                     "each asked about 'the word \"<word>\"'", "count"),
        "word_pointing_game.prompt": ("Word pointing game: prompt", "the prompt each image is asked about", "text"),
        "word_pointing_game.accuracy": ("Word pointing game: accuracy", "share of those maps that peak inside the "
                                        "written word's box", "pct"),
        "word_pointing_game.accuracy_tokens": ("Word pointing game: token maps", "the same, for the gradient-free "
                                               "token maps", "pct"),
        "word_pointing_game.mean_box_area": ("Word pointing game: chance level", "mean share of the image the "
                                             "word boxes cover", "pct"),
        "deletion.pairs": ("Deletion: pairs", "(image, prompt) pairs whose pixels were removed step by step", "count"),
        "deletion.steps": ("Deletion: steps", "equal steps from no pixel removed to all removed", "count"),
        "deletion.auc_salient": ("Deletion AUC, salient first", "area under the similarity curve when the most "
                                 "salient pixels go first; lower means the map found what the similarity depends on",
                                 "num"),
        "deletion.auc_random": ("Deletion AUC, random order", "the same with pixels removed in a random order (the "
                                "baseline)", "num"),
        "deletion.auc_tokens": ("Deletion AUC, token maps", "the same in the order of the token maps", "num"),
        "deletion.salient_below_random": ("Deletion: salient beats random", "share of pairs whose salient-first "
                                          "AUC is below their random-order AUC", "pct"),
        "deletion.curve_salient": ("Deletion curve, salient first", "mean cosine similarity with the prompt after "
                                   "each step (plotted on the saliency page)", "curve"),
        "deletion.curve_random": ("Deletion curve, random order", "the same, random order", "curve"),
        "deletion.curve_tokens": ("Deletion curve, token maps", "the same, in the token maps' order", "curve"),
        "typographic.images": ("Typographic attack: images", "images with a written word that does not name "
                               "their object", "count"),
        "typographic.word_win_rate": ("Typographic attack: word wins", "share of those images closer to a prompt "
                                      "naming the word than to one naming the object", "pct"),
        "typographic.mean_margin": ("Typographic attack: mean margin", "mean of cosine(image, word prompt) − "
                                    "cosine(image, object prompt); negative: the object wins", "num"),
        "typographic.by_kind.*.images": ("Typographic attack: {0} words", "images whose word is of this kind",
                                         "count"),
        "typographic.by_kind.*.word_wins": ("Typographic attack: {0} words win", "share of them where the word "
                                            "wins", "pct"),
    },
    "neurons": {
        "units": ("Units", "neurons (channels or hidden units) visualised", "count"),
        "layers": ("Layers", "the layers they belong to", "text"),
        "steps": ("Optimisation steps", "gradient steps per optimised image", "count"),
        "image_size": ("Image size", "side in pixels of the optimised images", "count"),
        "batch_size": ("Batch size", "units optimised together", "count"),
        "share_exceeding_dataset_max": ("Optimised beats the dataset", "share of units whose optimised image "
                                        "excites them more than their most exciting dataset image", "pct"),
        "median_ratio_to_dataset_max": ("Median ratio to the dataset's best", "optimised activation ÷ the best "
                                        "dataset image's, median over the units", "num"),
        "exemplar_label_agreement.*.exemplar_share": ("{0}: exemplars agree", "mean share of a unit's top dataset "
                                                      "images that have their most common {0}", "pct"),
        "exemplar_label_agreement.*.dataset_share": ("{0}: chance", "mean share that value has in the whole dataset "
                                                     "(what unrelated images would give)", "pct"),
        "exemplar_label_agreement.*.units_at_least_75pct": ("{0}: units with 75 % agreement", "share of units "
                                                            "whose top images agree on {0} at least 75 % of the "
                                                            "time", "pct"),
    },
    "topology": {
        "modality_gap": ("Modality gap", "distance between the mean image vector and the mean caption vector "
                         "(unit vectors: 0 to 2)", "num"),
        "modality_gap_share": ("Modality gap: share of variance", "share of the variance of all vectors explained "
                               "by being an image or a caption", "pct"),
        "category_field": ("Category field", "the label field whose groups are compared", "text"),
        "categories": ("Categories", "groups of that field with enough images", "count"),
        "angle_between_categories_deg": ("Angle between categories", "mean principal angle between two groups' "
                                         "subspaces of the image embeddings", "deg"),
        "angle_within_categories_deg": ("Angle within a category", "the same between two random halves of one "
                                        "group: what noise alone gives", "deg"),
        "angle_random_split_deg": ("Angle between random groups", "the same between groups of the same sizes "
                                   "drawn at random from all images", "deg"),
        "subspace_dim": ("Subspace dimension", "principal directions kept per group", "count"),
    },
    "robustness": {
        "images": ("Images", "sample images perturbed", "count"),
        "grey_cosine_at_max": ("Grey pixels, at most", "mean cosine between an image's embedding and that of its "
                               "copy with the largest share of pixels greyed out", "num"),
        "gaussian_cosine_at_max": ("Gaussian noise, at most", "the same with the strongest Gaussian noise", "num"),
        "salt_pepper_cosine_at_max": ("Salt and pepper, at most", "the same with the most black and white pixels",
                                      "num"),
        "blur_cosine_at_max": ("Blur, at most", "the same with the strongest blur", "num"),
        "grey_linear_r2": ("Grey pixels: linearity", "R² of a straight line through similarity vs. share of "
                           "pixels greyed (1: it falls linearly)", "num"),
        "sparsity_near_zero_first_last": ("Activations near zero, first and last block", "share of the vision "
                                          "tower's activations close to 0 in its first and its last block", "pcts"),
        "attack_flip_rate.*": ("Few-pixel attack: {0} px changed", "share of the correctly classified images "
                               "whose zero-shot class changes when that many pixels are changed", "pct"),
    },
    "browser_model": {
        "tokenizer.strings": ("Tokenizer: strings checked", "captions whose token ids were compared with open_clip's", "count"),
        "tokenizer.identical": ("Tokenizer: identical", "of those, with identical ids from the shipped tokenizer.json", "count"),
        "text.dtype": ("Text tower", "the shipped weights: int8 (quantised) or fp32", "text"),
        "text.min_cosine": ("Text tower: least cosine", "onnxruntime against torch, over the parity captions", "cos"),
        "text.mean_cosine": ("Text tower: mean cosine", "the same, on average", "cos"),
        "text.strings": ("Text tower: parity captions", "captions the parity was measured on", "count"),
        "text.int8_bytes": ("Text tower: int8 bytes", "size of the int8 file", "count"),
        "text.fp32_bytes": ("Text tower: fp32 bytes", "size of the fp32 file", "count"),
        "text.why_fp32": ("Text tower: why fp32", "why the int8 file was not shipped", "text"),
        "image.skipped": ("Image tower", "why it was not exported", "text"),
        "image.dtype": ("Image tower", "the shipped weights: int8 (quantised) or fp32", "text"),
        "image.min_cosine": ("Image tower: least cosine", "onnxruntime against torch, over the parity images", "cos"),
        "image.mean_cosine": ("Image tower: mean cosine", "the same, on average", "cos"),
        "image.images": ("Image tower: parity images", "dataset images the parity was measured on", "count"),
        "image.int8_bytes": ("Image tower: int8 bytes", "size of the int8 file", "count"),
        "image.fp32_bytes": ("Image tower: fp32 bytes", "size of the fp32 file", "count"),
        "image.why_fp32": ("Image tower: why fp32", "why the int8 file was not shipped", "text"),
        "index.rows": ("Query index: rows", "points in the index (images and captions)", "count"),
        "index.dim": ("Query index: dimensions", "embedding size of each int8 row", "count"),
        "index.sharded": ("Query index: sharded", "split into k-means shards fetched on demand", "text"),
        "index.clusters": ("Query index: shards", "k-means shards", "count"),
        "index.probe": ("Query index: probed shards", "shards scored per query", "count"),
        "index.queries": ("Query index: queries", "rows used as queries to measure recall", "count"),
        "index.recall_at_10": ("Query index: recall@10", "share of the exact float32 top 10 that int8 (and probed) "
                               "scoring finds", "pct"),
        "dense.method": ("Dense features", "how each patch is mapped into the joint space", "text"),
        "dense.images": ("Dense features: images", "images with dense features (any-prompt maps)", "count"),
        "dense.grid": ("Dense features: grid", "rows × columns of patches per image", "grid"),
        "dense.pointing_game.pairs": ("Any-prompt maps: pointing pairs", "(image, object prompt) pairs with a known box",
                                      "count"),
        "dense.pointing_game.accuracy": ("Any-prompt maps: pointing game", "share of pairs whose map (int8 features, "
                                         "prompt through the shipped text tower) peaks inside the object's box", "pct"),
        "dense.pointing_game.by_method.*": ("Pointing game, {0} features", "the same with that method, for comparison",
                                            "pct"),
        "dense.pointing_game.saliency_gradient": ("Pointing game, saliency gradient maps", "the saliency analysis's "
                                                  "gradient maps on the same pairs", "pct"),
        "dense.pointing_game.saliency_tokens": ("Pointing game, saliency token maps", "the saliency analysis's "
                                                "gradient-free token maps on the same pairs", "pct"),
    },
}


def _flatten(d: dict, prefix: str = "") -> list[tuple[str, object]]:
    out = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out += _flatten(v, key + ".")
        else:
            out.append((key, v))
    return out


def is_timing(key: str) -> bool:
    return any(fnmatch.fnmatchcase(key, pattern) for pattern in TIMING)


def _match(pattern: str, key: str) -> list[str] | None:
    """The parts of `key` that the `*`s of `pattern` stand for, or None when it does not match."""
    parts, got = pattern.split("."), key.split(".")
    if len(parts) != len(got) or any(p != "*" and p != g for p, g in zip(parts, got)):
        return None
    return [g for p, g in zip(parts, got) if p == "*"]


def format_value(value, fmt: str) -> str:
    if fmt == "pct":
        return fmt_pct(value)
    if fmt == "deg":
        return f"{value:.1f}°" if _num(value) is not None else fmt_value(value)
    if fmt == "num" and _num(value) is not None:
        return fmt_float(value)
    if fmt == "cos" and _num(value) is not None:  # a cosine near 1: enough digits to tell 0.9999 from 1
        return fmt_float(value, 5)
    if fmt in ("curve", "pcts", "grid") and isinstance(value, (list, tuple)):
        one = {"curve": lambda v: fmt_float(v, 2), "pcts": fmt_pct, "grid": fmt_value}[fmt]
        return (" × " if fmt == "grid" else ", ").join(one(v) for v in value) or "–"
    if fmt == "text" and isinstance(value, str):
        return md_text(value, 200)
    return fmt_value(value)


def measurement_rows(analysis: str, metrics: dict) -> list[list[str]]:
    """[name, value, meaning] (safe markdown) for every measurement of one analysis, timings left
    out, in the order of LABELS, then the measurements without a label under their key."""
    labels = list(LABELS.get(analysis, {}).items())
    first = {p.split("*")[0]: r for r, (p, _) in reversed(list(enumerate(labels)))}
    ranked, extra = [], []
    for key, value in _flatten(metrics if isinstance(metrics, dict) else {}):
        if is_timing(key) or key in ("skipped", "claims") or value is None:  # claims: on the analysis and home pages
            continue
        for rank, (pattern, (name, meaning, fmt)) in enumerate(labels):
            wild = _match(pattern, key)
            if wild is not None:
                group = first.setdefault(pattern.split("*")[0], rank)  # the rank of its family's first label
                ranked.append(((group, wild, rank), [md_text(name.format(*wild)), format_value(value, fmt),
                                                     md_text(meaning.format(*wild))]))
                break
        else:
            extra.append([md_text(key), format_value(value, "num"), "not described"])
    return [row for _, row in sorted(ranked, key=lambda r: r[0])] + extra


def timing_rows(metrics: dict) -> list[list[str]]:
    """[analysis, part, value] (safe markdown) for every timing or cache flag in the analyses'
    metrics: "12.30 s", "40.1 maps/s", "from cache" or "computed"."""
    out = []
    for analysis, m in (metrics or {}).items():
        if analysis not in LABELS or not isinstance(m, dict):
            continue
        for key, value in _flatten(m):
            if not is_timing(key) or key == "device":
                continue
            if isinstance(value, bool):
                shown = "from cache" if value else "computed"
            elif _num(value) is None:
                shown = fmt_value(value)
            elif key.endswith("per_second"):
                shown = f"{value:.1f} {key[: -len('_per_second')]}/s"
            else:
                shown = f"{value:.2f} s"
            out.append([md_text(analysis), md_text(key.replace("_", " ").replace(".", ": ")), shown])
    return out
