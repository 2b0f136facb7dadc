"""Markdown pages and SVG figures of the robustness analysis, from its (JSON) result."""

from __future__ import annotations

import base64

from builder.render import figures as fig
from builder.render.markdown import fmt_float, fmt_pct, md_code, md_table, md_text

SWEEPS = {
    "grey": ("Grey pixels", "share of pixels replaced by grey", "fraction"),
    "gaussian": ("Gaussian noise", "noise standard deviation (pixel values 0..1)", "std"),
    "salt_pepper": ("Salt and pepper", "share of pixels set to black or white", "fraction"),
    "blur": ("Gaussian blur", "blur sigma (pixels of the model input)", "sigma"),
}


def _f(v, digits=3) -> str:
    return fmt_float(v, digits) if v is not None else "n/a"


def pages(r: dict) -> dict:
    out: dict = {}
    out["robustness/index.md"] = index_page(r, out)
    out["robustness/activations.md"] = activations_page(r, out)
    return out


def index_page(r: dict, assets: dict) -> str:
    out = ["# Robustness\n",
           "How much does an image's embedding move when the image is damaged? Each curve takes a "
           "seeded sample of images, perturbs every one of them in the same way at increasing "
           "strength, re-embeds them and measures the cosine similarity between the perturbed and "
           "the original embedding: 1 means the model sees no difference. Lines are the mean over "
           "the sample, shaded bands the middle half of the images (25th to 75th percentile).\n"]
    if r.get("skipped"):
        out.append(f"_Not computed: {md_text(r['skipped'])}._\n")
        return "\n".join(out)
    p = r["params"]
    h, w = r["input_size"]
    out.append(f"**Sample:** {r['n_images']} images, drawn with seed {p['seed']}; perturbations are "
               f"applied at the model's input size ({w} × {h} px), after resizing and cropping and "
               f"before the model's colour normalisation, on the device `{md_text(r.get('device'))}`. "
               f"Check: the unperturbed sample re-embeds to the site's embeddings within "
               f"{r['reembed_max_abs_diff']:.1e}. Timings are in the [build report](../build-report.md) "
               f"(metrics, robustness).\n")
    out.append("See also [activation sparsity by depth](activations.md).\n")
    sweeps = r["sweeps"]
    for kind, (title, xlabel, col) in SWEEPS.items():
        s = sweeps.get(kind)
        if not s:
            continue
        assets[f"robustness/figures/{kind}.svg"] = fig.line_chart(
            [{"name": "mean cosine similarity", "x": s["levels"], "y": s["mean"], "lo": s["q25"], "hi": s["q75"]},
             {"name": "worst image", "x": s["levels"], "y": s["min"], "dash": True, "colour": "#999999"}],
            f"{title}: similarity to the original", xlabel, "cosine similarity")
        out.append(f"## {title}\n")
        out.append(_explain(kind, s))
        out.append(f"![Cosine similarity between original and perturbed embeddings against {xlabel}]"
                   f"(figures/{kind}.svg)\n")
        rows = [[f"{lv:g}", _f(s["mean"][i]), _f(s["median"][i]), _f(s["q25"][i]), _f(s["q75"][i]), _f(s["min"][i])]
                for i, lv in enumerate(s["levels"])]
        out.append(md_table([col.capitalize(), "Mean", "Median", "25th pct", "75th pct", "Min"], rows, "rrrrrr"))
    out.append(preprocessing_section(r, assets))
    out.append(attack_section(r, assets))
    out.append("## Limits\n")
    out.append("- The sample is small (a few dozen images) and the perturbations are synthetic; "
               "real-world damage (compression, occlusion by objects) behaves differently.\n"
               "- Cosine similarity measures how far the embedding moves, not whether the model "
               "still gets the content right; a move towards a wrong caption and a move towards "
               "nothing in particular look the same here. The few-pixel attack above measures the former.\n"
               "- Perturbations are applied at the model's input resolution; blurring the full-size "
               "image by the same sigma would be a much weaker blur after downscaling.\n")
    return "\n".join(out)


def _explain(kind: str, s: dict) -> str:
    if kind == "grey":
        fit = s.get("linear_fit") or {}
        line = (f" A straight line through the means has slope {fit['slope']:.3f} per unit share and "
                f"R² = {fit['r2']:.3f}: " + ("the decline is close to linear." if fit["r2"] > 0.95 else
                                             "the decline is not linear on this model and data.")) if fit else ""
        return ("A random share of the pixels is replaced by mid-grey (the same pixels in every colour "
                "channel; the pixels greyed at 20 % include those at 10 %). At 100 % the image is "
                "uniformly grey, so the last point is the similarity of each image with a blank one." + line + "\n")
    if kind == "gaussian":
        return ("Independent Gaussian noise added to every channel of every pixel, clipped to the "
                "valid range.\n")
    if kind == "salt_pepper":
        return "A random share of the pixels is set to pure black or pure white (half each).\n"
    return ("Gaussian blur of increasing standard deviation; at sigma 0 the image is unchanged and "
            "the similarity is exactly 1.\n")


def preprocessing_section(r: dict, assets: dict) -> str:
    pre = r.get("preprocessing", {})
    out = ["## Preprocessing choices\n",
           "The model was trained with one way of turning a picture into its input square. The same "
           "images prepared differently (aspect ratio squashed, padded, another interpolation, a "
           "tighter crop) give different embeddings; the table gives their cosine similarity with "
           "the embedding under the model's own preprocessing (the reference).\n"]
    v = pre.get("variants") or []
    if not v:
        out.append("_Not computed: the model's input is not square._\n")
        return "\n".join(out)
    sq = pre.get("square_share", 0)
    out.append(f"In this sample {fmt_pct(sq)} of the images are square (aspect ratios "
               f"{pre['aspect_min']:.2f} to {pre['aspect_max']:.2f})"
               + (": for square images squash, pad and crop coincide, and only interpolation and "
                  "crop size make a difference." if sq > 0.99 else ".") + "\n")
    assets["robustness/figures/preprocessing.svg"] = fig.bar_chart(
        [x["name"] for x in v], [x["mean"] for x in v], "Mean similarity with the reference preprocessing",
        "cosine similarity", ylim=(min(0.0, min(x["min"] for x in v)), 1.05))
    out.append("![Mean cosine similarity of each preprocessing variant with the reference]"
               "(figures/preprocessing.svg)\n")
    rows = [[md_code(x["name"]), md_text(x["description"]), _f(x["mean"]), _f(x["median"]), _f(x["min"]),
             fmt_pct(x["share_below_0_9"])] for x in v]
    out.append(md_table(["Variant", "What it does", "Mean", "Median", "Min", "Below 0.9"], rows, "llrrrr"))
    return "\n".join(out)


def attack_section(r: dict, assets: dict) -> str:
    a = r.get("attack", {})
    out = ["## A few changed pixels\n",
           "Can a handful of pixels change what the model sees? The zero-shot classifier for a label "
           "field (each value described by text prompts, the image given the value whose text "
           "embedding is closest) is attacked: the pixels where the classifier's margin is most "
           "sensitive (largest gradient) are set to black or white, channel by channel, whichever "
           "lowers the margin of the true value over the best other one. Only images that were "
           "classified correctly are attacked.\n"]
    if a.get("skipped"):
        out.append(f"_Not computed: {md_text(a['skipped'])}._\n")
        return "\n".join(out)
    out.append(f"Field {md_text(a['field'])} ({len(a['classes'])} values); {a['images']} images, "
               f"{a['attacked']} of them classified correctly before the attack "
               f"({fmt_pct(a['clean_accuracy'])}); an input image has {a['pixels']:,} pixels.\n")
    if a["attacked"]:
        assets["robustness/figures/attack.svg"] = fig.line_chart(
            [{"name": "class changed (share of attacked images)", "x": a["budgets"], "y": a["flip_rate"]},
             {"name": "cosine similarity to the clean embedding", "x": a["budgets"], "y": a["cosine"],
              "dash": True}], "Few-pixel attack", "pixels changed (log scale)", "share / similarity",
            ylim=(0, 1.05), xlog=True)
        out.append("![Share of images whose zero-shot class changed against the number of changed pixels]"
                   "(figures/attack.svg)\n")
        rows = [[f"{b:,}", fmt_pct(s), fmt_pct(f), _f(c)] for b, s, f, c in
                zip(a["budgets"], a["share"], a["flip_rate"], a["cosine"])]
        out.append(md_table(["Pixels changed", "Share of the image", "Class changed", "Cosine to clean"], rows, "rrrr"))
    ex = r.get("attack_example")
    if ex:
        assets["robustness/figures/attack-clean.png"] = base64.b64decode(ex["clean_png"])
        assets["robustness/figures/attack-adversarial.png"] = base64.b64decode(ex["adversarial_png"])
        assets["robustness/figures/attack-changed.png"] = base64.b64decode(ex["changed_png"])
        cl = a["classes"]
        px = "pixel" if ex["budget"] == 1 else "pixels"
        out.append(f"**Example** (item {md_code(ex['id'])}): classified as {md_text(cl[ex['before']])} "
                   f"before, as {md_text(cl[ex['after']])} after changing {ex['budget']:,} {px}. Left: the "
                   f"input; middle: the attacked input; right: the changed pixels in magenta (all shown "
                   f"enlarged, at the model's input resolution).\n")
        out.append("![The clean input image](figures/attack-clean.png){ width=\"220\" } "
                   "![The same image with the attacked pixels changed](figures/attack-adversarial.png){ width=\"220\" } "
                   "![Where the pixels were changed](figures/attack-changed.png){ width=\"220\" }\n")
    out.append("This is a white-box attack (it uses the model's gradients) and a greedy one: a "
               "stronger optimiser needs fewer pixels, so these counts are upper bounds.\n")
    return "\n".join(out)


def activations_page(r: dict, assets: dict) -> str:
    out = ["# Activation sparsity by depth\n"]
    sp = r.get("sparsity", {})
    if r.get("skipped") or not sp or sp.get("skipped"):
        out.append(f"_Not computed: {md_text(r.get('skipped') or sp.get('skipped') or 'no result')}._\n")
        return "\n".join(out)
    eps = r["params"]["sparsity_eps"]
    blocks = sp["blocks"]
    tower = "vision transformer" if sp["tower"] == "vit" else "ResNet"
    out.append(f"How many units of each block of the {tower} are (nearly) silent for the sample "
               f"images. Measured with forward hooks on: {md_text(sp['what'])}. An activation a is "
               f"*near zero* when |a| < {eps:g}; *non-positive* counts a ≤ 0 "
               + ("(for GELU, units on the suppressed side; GELU outputs are slightly negative there, "
                  "down to about −0.17, so near zero and non-positive differ)" if sp["tower"] == "vit"
                  else "(after a ReLU, exact zeros: the two measures agree)")
               + ". Rising sparsity towards the last blocks, where few units respond to a given image, "
               "is what the original notebooks read as more abstract, more selective features.\n")
    x = list(range(len(blocks)))
    assets["robustness/figures/sparsity.svg"] = fig.line_chart(
        [{"name": f"near zero (|a| < {eps:g})", "x": x, "y": [b["near_zero"] for b in blocks]},
         {"name": "non-positive (a ≤ 0)", "x": x, "y": [b["nonpositive"] for b in blocks], "dash": True}],
        "Share of silent activations by depth", "block (0 = first)", "share of activations", ylim=(0, 1))
    out.append("![Share of near-zero activations in each block of the vision tower](figures/sparsity.svg)\n")
    rows = [[str(i), md_text(b["name"]), fmt_pct(b["near_zero"]), fmt_pct(b["nonpositive"]), _f(b["mean_abs"])]
            for i, b in enumerate(blocks)]
    out.append(md_table(["Depth", "Block", "Near zero", "Non-positive", "Mean \\|a\\|"], rows, "rlrrr"))

    bl = r.get("blend")
    if bl:
        out.append("## From noise to image\n")
        out.append(f"The same measure while an image emerges from noise: the input is (1 − t) × noise + "
                   f"t × image, from pure uniform noise (t = 0) to the image (t = 1), on "
                   f"{bl['images']} images. One line per t. Compare how the first and the last blocks "
                   f"react: the original notebook found that they change in opposite directions.\n")
        near = bl["near_zero"]
        series = [{"name": f"t = {t:.2f}", "x": list(range(len(bl["blocks"]))), "y": near[i],
                   "colour": fig.viridis(0.85 * t)} for i, t in enumerate(bl["t"])]
        assets["robustness/figures/blend.svg"] = fig.line_chart(
            series, "Near-zero share by depth, noise (t = 0) to image (t = 1)", "block (0 = first)",
            "share near zero")
        out.append("![Near-zero activation share per block for inputs blended from noise to image]"
                   "(figures/blend.svg)\n")
        rows = [[f"{t:.2f}", fmt_pct(near[i][0]), fmt_pct(near[i][-1]), fmt_pct(bl["nonpositive"][i][0]),
                 fmt_pct(bl["nonpositive"][i][-1]), _f(bl["similarity"][i])] for i, t in enumerate(bl["t"])]
        out.append(md_table(["t", "Near zero, first block", "Near zero, last block", "Non-positive, first",
                             "Non-positive, last", "Cosine to the image"], rows, "rrrrrr"))
    out.append("## Limits\n")
    out.append(f"- The threshold {eps:g} is absolute; blocks whose activations have a larger scale look "
               "less sparse at the same threshold (the mean \\|a\\| column shows the scale).\n"
               "- Shares are over all tokens (or positions) and units together; a few always-on units "
               "and many always-off ones give the same share as uniformly sparse units.\n")
    return "\n".join(out)
