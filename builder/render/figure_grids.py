"""Small multiples as SVG bytes: persistence diagrams, barcodes and 2D scatter plots, each panel
on one shared scale, two panels a row so that a grid stays WIDTH wide (the legibility rule of
builder.render.figures), drawn with its primitives (same conventions: deterministic,
self-contained, every label XML-escaped)."""

from __future__ import annotations

import math

import numpy as np

from builder.render.figures import (FONT_LABEL, FONT_SMALL, FONT_TITLE, WIDTH, Axes, Svg, category_colours,
                                    legend, nice_ticks, tick_label, wrap)

H0_COLOUR, H1_COLOUR = "#0072B2", "#D55E00"
COLS = 2
LEFT, GAP, PANEL = 58, 40, 150  # left margin (ticks, y title), room for the next panel's ticks, panel size


def _title(svg: Svg, title: str) -> float:
    if not title:
        return 16
    return 12 + svg.lines(12, 20, wrap(title, WIDTH - 24, FONT_TITLE, bold=True))


def _rows(n: int) -> int:
    return max(1, math.ceil(n / COLS))


def diagram_grid(panels: list[dict], title: str = "", unit: str = "distance") -> bytes:
    """Persistence diagrams as small multiples with one shared scale, two a row.

    panels: [{"title", "h0": [[b, d], ...], "h1": [...], "h0_infinite": int}]; H0 blue dots,
    H1 orange; the infinite H0 bar is a triangle on the dashed "∞" line above the largest death.
    Axes: birth and death, in `unit`.
    """
    deaths = [d for p in panels for k in ("h0", "h1") for _, d in p.get(k, [])]
    top_val = max(deaths, default=1.0) or 1.0
    inf_y = top_val * 1.08
    lim = inf_y * 1.04
    ph = PANEL + 74
    svg = Svg(WIDTH, 0, title or "Persistence diagrams")
    y0 = _title(svg, title) + 20
    for k, p in enumerate(panels):
        r, c = divmod(k, COLS)
        ax = Axes(svg, LEFT + c * (PANEL + GAP), y0 + r * ph, PANEL, PANEL, (0, lim), (0, lim))
        ax.frame(f"birth ({unit})", f"death ({unit})" if c == 0 else "", str(p.get("title", ""))[:22], n_ticks=4,
                 ylabel_dx=36)
        svg.line(ax.px(0), ax.py(0), ax.px(lim), ax.py(lim), "#888888")
        svg.line(ax.px(0), ax.py(inf_y), ax.px(lim), ax.py(inf_y), "#888888", 1, "3 3")
        svg.text(ax.px(lim) - 2, ax.py(inf_y) - 3, "∞", FONT_SMALL, "end", fill="#555555")
        for key, col in (("h0", H0_COLOUR), ("h1", H1_COLOUR)):
            for b, d in p.get(key, []):
                svg.circle(ax.px(b), ax.py(d), 2.2, col, 0.6)
        for _ in range(int(p.get("h0_infinite", 0))):
            x, y = ax.px(0), ax.py(inf_y)
            svg.polygon([(x - 4, y + 4), (x + 4, y + 4), (x, y - 4)], H0_COLOUR, 1.0)
    end = y0 + _rows(len(panels)) * ph
    svg.h = end + legend(svg, LEFT, end, ["H0 (components)", "H1 (loops)"], [H0_COLOUR, H1_COLOUR], WIDTH - LEFT)
    return svg.to_bytes()


def barcode_grid(panels: list[dict], top: int = 20, title: str = "", unit: str = "distance") -> bytes:
    """Barcodes of the `top` longest finite bars per dimension, per panel, on a shared x axis
    (birth to death, in `unit`); H0 bars above H1 bars, each group longest first."""
    deaths = [d for p in panels for k in ("h0", "h1") for _, d in p.get(k, [])]
    hi = max(deaths, default=1.0) or 1.0
    bar_h = 3
    most = max((min(len(p.get(k, [])), top) for p in panels for k in ("h0", "h1")), default=1)
    body = 2 * most * (bar_h + 1) + 10
    ph = body + 78
    svg = Svg(WIDTH, 0, title or "Barcodes")
    y_top = _title(svg, title) + 20
    for k, p in enumerate(panels):
        r, c = divmod(k, COLS)
        x0, y0, w = LEFT + c * (PANEL + GAP), y_top + r * ph, PANEL
        svg.text(x0 + w / 2, y0 - 8, str(p.get("title", ""))[:22], FONT_LABEL, "middle", "bold", cls="title")
        y = y0
        for key, col in (("h0", H0_COLOUR), ("h1", H1_COLOUR)):
            bars = sorted(p.get(key, []), key=lambda bd: bd[0] - bd[1])[:top]
            for b, d in bars:
                svg.rect(x0 + b / hi * w, y, max((d - b) / hi * w, 0.5), bar_h, col)
                y += bar_h + 1
            y += 10
        y = y0 + body
        svg.line(x0, y, x0 + w, y, "#999999")
        for v in nice_ticks(0, hi, 3):
            svg.tick("x", x0 + v / hi * w, y, x0 + v / hi * w, y + 4, x0 + v / hi * w, y + 17, tick_label(v), "middle")
        svg.text(x0 + w / 2, y + 35, f"birth to death ({unit})", FONT_LABEL, "middle", cls="xlabel")
        if c == 0:
            svg.text(x0 - 12, y0 + body / 2, "bars, longest first", FONT_LABEL, "middle", rotate=-90, cls="ylabel")
    end = y_top + _rows(len(panels)) * ph - 10
    svg.h = end + legend(svg, LEFT, end, [f"H0: {top} longest finite bars", f"H1: {top} longest bars"],
                         [H0_COLOUR, H1_COLOUR], WIDTH - LEFT)
    return svg.to_bytes()


def scatter_grid(panels: list[dict], names: list[str], title: str = "", xlabel: str = "PC 1",
                 ylabel: str = "PC 2") -> bytes:
    """2D scatter small multiples on one shared frame, two a row. panels: [{"title", "xy":
    [[x, y]...], "group": [int...]}]; groups coloured by `category_colours(names)` and named in
    the legend."""
    allxy = np.concatenate([np.asarray(p["xy"], dtype=np.float64).reshape(-1, 2) for p in panels]) \
        if panels else np.zeros((1, 2))
    (x0, y0), (x1, y1) = allxy.min(0), allxy.max(0)
    px_, py_ = (x1 - x0) * 0.04 or 0.5, (y1 - y0) * 0.04 or 0.5
    x0, x1, y0, y1 = x0 - px_, x1 + px_, y0 - py_, y1 + py_
    cols_ = category_colours(names)
    ph = PANEL + 74
    svg = Svg(WIDTH, 0, title or "Scatter")
    y_top = _title(svg, title) + 20
    for k, p in enumerate(panels):
        r, c = divmod(k, COLS)
        ax = Axes(svg, LEFT + c * (PANEL + GAP), y_top + r * ph, PANEL, PANEL, (x0, x1), (y0, y1))
        ax.frame(xlabel, ylabel if c == 0 else "", str(p.get("title", ""))[:22], n_ticks=4, ylabel_dx=36)
        for (x, y), g in zip(np.asarray(p["xy"]).reshape(-1, 2), p["group"]):
            svg.circle(ax.px(x), ax.py(y), 2.2, cols_[int(g)] if 0 <= int(g) < len(cols_) else "#999999", 0.75)
    end = y_top + _rows(len(panels)) * ph
    svg.h = end + legend(svg, LEFT, end, [str(n) for n in names], cols_, WIDTH - LEFT)
    return svg.to_bytes()
