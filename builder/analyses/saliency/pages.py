"""Markdown of the saliency pages: the interactive page's frame and the method page. Pure:
dicts in, markdown out. Dataset text never reaches these pages (the interactive part sets it
with textContent); numbers and config values go through the escaping helpers."""

from __future__ import annotations

import html

from builder.render.markdown import fmt_float, fmt_pct, md_table, md_text


def _g(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def figures_table(m: dict) -> str:
    """The measured figures, as a markdown table (what was not measured is left out)."""
    rows = []
    pg, de, ty = _g(m, "pointing_game"), _g(m, "deletion"), _g(m, "typographic")
    if pg:
        rows.append(["Pointing game: the map's maximum inside the object's box",
                     f"{fmt_pct(pg.get('accuracy'))} of {pg.get('pairs')} images"])
        rows.append(["… with the gradient-free token map instead", fmt_pct(pg.get("accuracy_tokens"))])
        if pg.get("accuracy_without_word") is not None and pg.get("accuracy_with_word") is not None:
            rows.append(["… images without / with a written word",
                         f"{fmt_pct(pg['accuracy_without_word'])} / {fmt_pct(pg['accuracy_with_word'])}"])
        rows.append(["Chance level (mean box area)", fmt_pct(pg.get("mean_box_area"))])
    if de:
        rows.append(["Deletion AUC, most salient pixels first (lower is better)", fmt_float(de.get("auc_salient"))])
        rows.append(["Deletion AUC, random pixels first", fmt_float(de.get("auc_random"))])
        rows.append(["Deletion AUC, token map order", fmt_float(de.get("auc_tokens"))])
        rows.append(["Images where salient-first beats random", fmt_pct(de.get("salient_below_random"))])
    if ty:
        rows.append(["Typographic attack: the written word beats the object",
                     f"{fmt_pct(ty.get('word_win_rate'))} of {ty.get('images')} images"])
        for kind, v in sorted((ty.get("by_kind") or {}).items()):
            rows.append([f"… when the word is {md_text('a ' + kind + ' name' if kind != 'other' else 'another word')}",
                         f"{fmt_pct(_g(v, 'word_wins'))} of {_g(v, 'images')}"])
    return md_table(["Figure", "Value"], rows, "lr")


def index_page(slug: str, index: dict, metrics: dict) -> str:
    src = html.escape(f"../data/{slug}/saliency/index.json", quote=True)
    tower = "ViT" if metrics.get("tower") == "vit" else "ResNet"
    method = "attention relevancy" if metrics.get("tower") == "vit" else "Grad-CAM"
    n_img = len(index.get("images", []))
    return "\n".join([
        "---\nhide:\n  - toc\n---\n",
        "# Saliency\n",
        "Where in an image does the model find a description? Pick an image; each row on the right "
        "is one text prompt, with its cosine similarity to the image and its share of a softmax over "
        "this image's prompts. Click a prompt to see its map over the image: bright where changing "
        f"the image would most raise that prompt's similarity ({method}, the method for this "
        f"{tower} image tower). Images marked **Aa** carry a written word. "
        "[How the maps are made, and what they cannot tell you](method.md).\n",
        '<link rel="stylesheet" href="saliency.css">',
        f'<div id="saliency-app" class="sal-app" data-index="{src}">'
        "<noscript>This page draws the maps with JavaScript.</noscript></div>",
        '<script src="saliency.js"></script>\n',
        "## Typographic attacks\n",
        "Images that carry a written word, asked about the word and about the object. CLIP-style "
        "models learn to read, and a written word can outweigh what is drawn. Each pair shows where "
        "each prompt looks; click a map to open that image above. Where the word wins on some "
        "images, up to half of these examples are chosen among them, so the gallery over-represents "
        "wins: the rate over all images with a word is in the figures below.\n",
        '<div id="saliency-typographic" class="sal-gallery"></div>\n',
        "## Figures\n",
        f"Measured when this site was built ({n_img} curated images; the figures use other images "
        "with ground-truth boxes too). See the [method](method.md) for what each one measures.\n",
        figures_table(metrics),
    ])


def deletion_svg(metrics: dict) -> bytes | None:
    """The mean deletion curves as a small self-contained SVG line chart (None if not measured)."""
    de = _g(metrics, "deletion") or {}
    curves = [(de.get("curve_salient"), "#3b528b", "most salient first (gradients)"),
              (de.get("curve_tokens"), "#21918c", "most salient first (token map)"),
              (de.get("curve_random"), "#b5b5b5", "random order")]
    curves = [c for c in curves if isinstance(c[0], list) and len(c[0]) >= 2]
    if not curves:
        return None
    w, h, left, top, right, bottom = 480, 240, 48, 12, 28, 52
    lo = min(min(c[0]) for c in curves)
    hi = max(max(c[0]) for c in curves)
    lo, hi = (lo, hi) if hi > lo else (lo - 1, hi + 1)
    x = lambda i, n: left + (w - left - right) * i / (n - 1)  # noqa: E731
    y = lambda v: top + (h - top - bottom) * (hi - v) / (hi - lo)  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
           'font-family="sans-serif" font-size="11">',
           f'<rect x="{left}" y="{top}" width="{w - left - right}" height="{h - top - bottom}" fill="none" stroke="#999"/>']
    for v in (lo, (lo + hi) / 2, hi):
        out.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#777">{v:.3f}</text>')
    for f in (0, 50, 100):
        out.append(f'<text x="{left + (w - left - right) * f / 100:.1f}" y="{h - bottom + 14}" text-anchor="middle" '
                   f'fill="#777">{f} %</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - bottom + 28}" text-anchor="middle" fill="#777">'
               'pixels removed</text>')
    for n, (c, colour, label) in enumerate(curves):
        pts = " ".join(f"{x(i, len(c)):.1f},{y(v):.1f}" for i, v in enumerate(c))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        lx = left + 150 * n
        out.append(f'<line x1="{lx}" y1="{h - 8}" x2="{lx + 14}" y2="{h - 8}" stroke="{colour}" stroke-width="2"/>'
                   f'<text x="{lx + 18}" y="{h - 4}" fill="#777" font-size="9">{html.escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out).encode("utf-8")


def unsupported_page(reason: str) -> str:
    return ("# Saliency\n\nNo saliency maps were computed for this model: "
            f"{md_text(reason)}.\n")


def method_page(metrics: dict, cfg) -> str:
    vit = metrics.get("tower") == "vit"
    blocks = getattr(cfg, "vit_blocks", 0)
    grid = metrics.get("grid") or []
    grid_text = f"{grid[0]} × {grid[1]}" if len(grid) == 2 else "coarse"
    de = _g(metrics, "deletion") or {}
    return "\n".join([
        "# How the saliency maps are made\n",
        "## What a map shows\n",
        "A saliency map answers one question about one image and one text prompt: *which parts of "
        "the image does the similarity between the two depend on?* The model turns the image and the "
        "prompt into vectors; their cosine similarity is the score the map explains. Bright regions "
        "are those the score is most sensitive to, according to the model's own gradients. The map "
        "is shown over the image the model actually saw (after its resize and centre crop).\n",
        "Read a map *relative to the others*: with the default per-map scale every map spans the "
        "whole colour range, even when the prompt fits the image badly. Tick *same scale for all "
        "prompts* to compare strengths between prompts of one image. A bright spot on a wrong prompt "
        "(\"a blue circle\" on a red circle) usually marks the same object: the model still looks at "
        "the circle, it just scores it lower.\n",
        "## Methods\n",
        md_table(["Image tower", "Map with gradients", "Map without gradients"], [
            ["Vision transformer (ViT)",
             "Gradient-weighted attention relevancy (Chefer, Gur and Wolf, 2021): for every attention "
             "block, the attention probabilities are multiplied by the gradient of the similarity with "
             "respect to them, negative values are dropped and heads averaged (Ā); starting from the "
             "identity, relevancy accumulates as R ← R + Ā·R. The map is the row of R of the token that "
             "becomes the image embedding (the class token), over the patch tokens.",
             "Every patch token after the last block, passed through the final layer norm and projection "
             "as if it were the class token, and compared with the prompt (cosine)."],
            ["ResNet (e.g. RN50)",
             "Grad-CAM (Selvaraju et al., 2017) on the last residual stage (layer4): its channels "
             "weighted by the mean gradient of the similarity, summed, negatives dropped. This is what "
             "miniClip showed.",
             "Every layer4 position through the attention pool's value and output projections (the "
             "terms the pool averages), compared with the prompt."],
        ]),
        ("Here the relevancy runs through " + ("all attention blocks" if not blocks else f"the last {blocks} block(s)")
         + ". " if vit else "") +
        "Prompts are encoded once. Each image's layers below the first one the method needs run once "
        "without gradients; the rest runs forward once per image, and the backward pass is vectorised "
        "over that image's prompts, so a map costs about one backward pass. The maps are stored "
        f"as 8-bit grids at the tower's resolution ({grid_text}) and upsampled bilinearly when drawn.\n",
        "## Checks\n",
        "- **Pointing game**: on images with a known object box, does the map's maximum fall inside "
        "the box of the object the prompt names? Chance is about the box's share of the image.\n"
        "- **Deletion curve** (Petsiuk et al., 2018): grey out pixels in order of decreasing saliency "
        "and track the similarity; a faithful map makes it fall faster than greying out random pixels. "
        "The area under the curve (AUC) sums this up: lower is better.\n"
        "- **Randomisation** (Adebayo et al., 2018): maps from the trained model must differ from maps "
        "of the same architecture with random weights; if they did not, the map would show the "
        "architecture or the image, not what the model learnt. The test suite checks this.\n"
        "- **Typographic attacks**: for images with a written word, how often does the prompt naming "
        "the word score higher than the prompt naming the object?\n",
        figures_table(metrics),
        ("Here the gradient-free token map orders the pixels no better than chance (its deletion AUC is "
         "not below the random order's): scoring patch tokens as if each were the image embedding does "
         "not say what the embedding depends on in this model. It is shown for comparison only.\n"
         if de.get("auc_tokens") is not None and de.get("auc_random") is not None
         and de["auc_tokens"] >= de["auc_random"] else ""),
        (f"Mean deletion curves ({de.get('steps')} steps; the cosine similarity of each image with its "
         "own object description after removing 0 … 100 % of the pixels):\n\n"
         "![Mean deletion curves: similarity against the share of pixels removed](deletion.svg)\n\n" + md_table(
             ["Removed", "Salient first", "Random", "Token order"],
             [[f"{round(100 * k / de['steps'])} %", fmt_float(a), fmt_float(b), fmt_float(c)]
              for k, (a, b, c) in enumerate(zip(de["curve_salient"], de["curve_random"], de["curve_tokens"]))],
             "rrrr") if de.get("curve_salient") else ""),
        "## Limits\n",
        "- **Gradients explain the model, not the world.** A map shows what this model's score "
        "depends on, including its mistakes and shortcuts; a confident map on a wrong prompt is not "
        "evidence that the prompt is right.\n"
        "- **Resolution is the patch grid.** A ViT sees the image in square patches, a ResNet's "
        "layer4 in 32-pixel cells; anything finer is interpolation. Small objects can fall between "
        "cells.\n"
        "- **Local, first-order.** Gradients describe small changes around this image; removing a "
        "whole region can matter more or less than its brightness suggests (the deletion curve tests "
        "this on average, not per pixel).\n"
        "- **Scaling hides strength.** Each map is scaled to its own range unless the shared scale is "
        "chosen; the similarity bars, not the map's brightness, say how well a prompt fits.\n"
        "- **Text dominates.** CLIP-style models read: a written word can pull both the similarity "
        "and the map towards itself, whatever is drawn (see the typographic attacks).\n"
        "- **Prefixes matter.** The same description with another prefix (\"a photo of\", \"an image "
        "of\", nothing) changes the similarity, while the map usually changes little.\n",
    ])
