"""Small multiples as SVG bytes: persistence diagrams, barcodes and 2D scatter plots, each panel
on one shared scale, drawn with the primitives of builder.render.figures (same conventions:
deterministic, self-contained, every label XML-escaped)."""

from __future__ import annotations

import math

import numpy as np

from builder.render.figures import Axes, Svg, category_colours, legend, nice_ticks, tick_label

H0_COLOUR, H1_COLOUR = "#0072B2", "#D55E00"


def diagram_grid(panels: list[dict], cols: int = 4, size: int = 200, title: str = "") -> bytes:
    """Persistence diagrams as small multiples with one shared scale.

    panels: [{"title", "h0": [[b, d], ...], "h1": [...], "h0_infinite": int}]; H0 blue dots,
    H1 orange; the infinite H0 bar is a triangle on the dashed "inf" line above the largest death.
    """
    deaths = [d for p in panels for k in ("h0", "h1") for _, d in p.get(k, [])]
    top_val = max(deaths, default=1.0) or 1.0
    inf_y = top_val * 1.08
    lim = inf_y * 1.04
    rows = max(1, math.ceil(len(panels) / cols))
    pw, ph = size + 60, size + 56
    svg = Svg(pw * min(cols, max(len(panels), 1)) + 20, ph * rows + 72, title or "Persistence diagrams")
    if title:
        svg.text(12, 20, title, 13, weight="bold")
    for k, p in enumerate(panels):
        r, c = divmod(k, cols)
        ax = Axes(svg, 60 + c * pw, 52 + r * ph, size - 10, size - 20, (0, lim), (0, lim))
        ax.frame("birth", "death" if c == 0 else "", str(p.get("title", ""))[:30], size=10)
        svg.line(ax.px(0), ax.py(0), ax.px(lim), ax.py(lim), "#888888")
        svg.line(ax.px(0), ax.py(inf_y), ax.px(lim), ax.py(inf_y), "#888888", 1, "3 3")
        svg.text(ax.px(lim) - 2, ax.py(inf_y) - 3, "∞", 10, "end", fill="#555555")
        for key, col in (("h0", H0_COLOUR), ("h1", H1_COLOUR)):
            for b, d in p.get(key, []):
                svg.circle(ax.px(b), ax.py(d), 2.0, col, 0.6)
        for _ in range(int(p.get("h0_infinite", 0))):
            x, y = ax.px(0), ax.py(inf_y)
            svg.polygon([(x - 4, y + 4), (x + 4, y + 4), (x, y - 4)], H0_COLOUR, 1.0)
    legend(svg, 60, 52 + rows * ph, ["H0 (components)", "H1 (loops)"], [H0_COLOUR, H1_COLOUR], 400)
    return svg.to_bytes()


def barcode_grid(panels: list[dict], top: int = 20, cols: int = 2, title: str = "") -> bytes:
    """Barcodes of the `top` longest finite bars per dimension, per panel, on a shared axis."""
    deaths = [d for p in panels for k in ("h0", "h1") for _, d in p.get(k, [])]
    hi = max(deaths, default=1.0) or 1.0
    bar_h = 4
    most = max((min(len(p.get(k, [])), top) for p in panels for k in ("h0", "h1")), default=1)
    ph = 2 * most * (bar_h + 1) + 70
    pw = 380
    rows = max(1, math.ceil(len(panels) / cols))
    svg = Svg(pw * min(cols, max(len(panels), 1)) + 30, ph * rows + 50, title or "Barcodes")
    if title:
        svg.text(12, 20, title, 13, weight="bold")
    for k, p in enumerate(panels):
        r, c = divmod(k, cols)
        x0, y0 = 30 + c * pw, 44 + r * ph
        w = pw - 60
        svg.text(x0 + w / 2, y0 - 6, str(p.get("title", ""))[:36], 11, "middle", "bold")
        y = y0
        for key, col in (("h0", H0_COLOUR), ("h1", H1_COLOUR)):
            bars = sorted(p.get(key, []), key=lambda bd: bd[0] - bd[1])[:top]
            for b, d in bars:
                svg.rect(x0 + b / hi * w, y, max((d - b) / hi * w, 0.5), bar_h, col)
                y += bar_h + 1
            y += 8
        svg.line(x0, y, x0 + w, y, "#999999")
        for v in nice_ticks(0, hi, 4):
            svg.line(x0 + v / hi * w, y, x0 + v / hi * w, y + 4, "#999999")
            svg.text(x0 + v / hi * w, y + 15, tick_label(v), 10, "middle")
    legend(svg, 30, ph * rows + 36, [f"H0: {top} longest finite bars", f"H1: {top} longest bars"],
            [H0_COLOUR, H1_COLOUR], 600)
    return svg.to_bytes()


def scatter_grid(panels: list[dict], names: list[str], cols: int = 3, size: int = 200, title: str = "") -> bytes:
    """2D scatter small multiples on one shared frame. panels: [{"title", "xy": [[x, y]...],
    "group": [int...]}]; groups coloured by `category_colours(names)` and named in the legend."""
    allxy = np.concatenate([np.asarray(p["xy"], dtype=np.float64).reshape(-1, 2) for p in panels]) \
        if panels else np.zeros((1, 2))
    (x0, y0), (x1, y1) = allxy.min(0), allxy.max(0)
    px_, py_ = (x1 - x0) * 0.04 or 0.5, (y1 - y0) * 0.04 or 0.5
    x0, x1, y0, y1 = x0 - px_, x1 + px_, y0 - py_, y1 + py_
    cols_ = category_colours(names)
    rows = max(1, math.ceil(len(panels) / cols))
    pw, ph = size + 20, size + 30
    svg = Svg(pw * min(cols, max(len(panels), 1)) + 20, ph * rows + 40 + 18 * (1 + len(names) // 6),
              title or "Scatter")
    for k, p in enumerate(panels):
        r, c = divmod(k, cols)
        ax = Axes(svg, 20 + c * pw, 30 + r * ph, size - 10, size - 10, (x0, x1), (y0, y1))
        ax.frame("", "", str(p.get("title", ""))[:30], ticks=False, size=10)
        for (x, y), g in zip(np.asarray(p["xy"]).reshape(-1, 2), p["group"]):
            svg.circle(ax.px(x), ax.py(y), 2.2, cols_[int(g)] if 0 <= int(g) < len(cols_) else "#999999", 0.75)
    legend(svg, 20, 30 + rows * ph + 10, [str(n) for n in names], cols_, pw * cols - 20)
    return svg.to_bytes()
