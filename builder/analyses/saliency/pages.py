"""The saliency pages: the interactive page's frame and the method page, from the templates in
templates/ (the prose); this module computes the values they show. Pure: dicts in, markdown out.
Dataset text never reaches these pages (the interactive part sets it with textContent); numbers
and config values go through the escaping filters."""

from __future__ import annotations

import html

from builder.analyses.saliency import claims as saliency_claims
from builder.render import figure_charts as charts
from builder.render.markdown import fmt_float
from builder.render.templates import render

PACKAGE = "builder.analyses.saliency"


def _g(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _figures(m: dict) -> dict:
    """The measured figures' sections (figures.md.j2 leaves out what was not measured)."""
    return {"pg": _g(m, "pointing_game"), "wp": _g(m, "word_pointing_game"), "de": _g(m, "deletion"),
            "ty": _g(m, "typographic")}


def figures_table(m: dict) -> str:
    """The measured figures, as a markdown table (what was not measured is left out)."""
    return render(PACKAGE, "figures.md.j2", **_figures(m))


def index_page(slug: str, index: dict, metrics: dict) -> str:
    vit = metrics.get("tower") == "vit"
    return render(PACKAGE, "index.md.j2", index_src=html.escape(f"../data/{slug}/saliency/index.json", quote=True),
                  tower="ViT" if vit else "ResNet", method="attention relevancy" if vit else "Grad-CAM",
                  images=len(index.get("images", [])), claims=saliency_claims.claims(index, metrics),
                  **_figures(metrics))


def deletion_svg(metrics: dict) -> bytes | None:
    """The mean deletion curves as a line chart (None if not measured)."""
    de = _g(metrics, "deletion") or {}
    curves = [(de.get("curve_salient"), "#3b528b", "most salient first (gradients)", False),  # the table's order
              (de.get("curve_random"), "#777777", "random order", True),
              (de.get("curve_tokens"), "#21918c", "most salient first (token map)", False)]
    curves = [c for c in curves if isinstance(c[0], list) and len(c[0]) >= 2]
    if not curves:
        return None
    return charts.line_chart(
        [{"name": label, "x": [100 * k / (len(c) - 1) for k in range(len(c))], "y": c, "colour": colour, "dash": dash}
         for c, colour, label, dash in curves],
        "Deletion curves: similarity as pixels are removed", "pixels removed (%)", "cosine to the prompt")


def unsupported_page(reason: str) -> str:
    return render(PACKAGE, "unsupported.md.j2", reason=reason)


def method_page(metrics: dict, cfg) -> str:
    grid = metrics.get("grid") or []
    de = _g(metrics, "deletion") or {}
    curve_rows = [[f"{round(100 * k / de['steps'])} %", fmt_float(a), fmt_float(b), fmt_float(c)]
                  for k, (a, b, c) in enumerate(zip(de["curve_salient"], de["curve_random"], de["curve_tokens"]))
                  ] if de.get("curve_salient") else []
    return render(PACKAGE, "method.md.j2", vit=metrics.get("tower") == "vit", blocks=getattr(cfg, "vit_blocks", 0),
                  grid_text=f"{grid[0]} × {grid[1]}" if len(grid) == 2 else "coarse",
                  tokens_no_better=de.get("auc_tokens") is not None and de.get("auc_random") is not None
                  and de["auc_tokens"] >= de["auc_random"],
                  curve_rows=curve_rows, steps=de.get("steps"), **_figures(metrics))
