"""The saliency pages: the interactive page's frame and the method page, from the templates in
templates/ (the prose); this module computes the values they show. Pure: dicts in, markdown out.
Dataset text never reaches these pages (the interactive part sets it with textContent); numbers
and config values go through the escaping filters."""

from __future__ import annotations

import html

from builder.analyses.saliency import claims as saliency_claims
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
    return {"pg": _g(m, "pointing_game"), "de": _g(m, "deletion"), "ty": _g(m, "typographic")}


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
