"""Charts as SVG bytes, drawn with the primitives of builder.render.figures and following its
legibility rule (at most WIDTH wide, no text below FONT_SMALL): line charts (one panel or a
column of panels sharing the x axis, for series on different scales), heatmaps, histograms and
bar charts (always from zero)."""

from __future__ import annotations

import math

import numpy as np

from builder.render.figures import (FONT_LABEL, FONT_SMALL, FONT_TITLE, WIDTH, Axes, Svg, colour, legend,
                                    log_ticks, nice_ticks, span, text_width, tick_label, viridis, wrap)

LEFT, RIGHT = 64, 16  # room for tick labels and the rotated y-axis title; the right margin
PANEL_H = 200         # plotting height of one panel of a line chart


def _title(svg: Svg, title: str, width: float) -> float:
    """The figure's title, wrapped, at the top; returns the y where the content may start."""
    if not title:
        return 12
    return 16 + svg.lines(12, 20, wrap(title, width - 24, FONT_TITLE, bold=True))


def line_panels(panels: list[dict], title: str, xlabel: str, xlog: bool = False, width: int = WIDTH,
                markers: bool = True) -> bytes:
    """Line charts stacked in one column on one shared x axis, each panel on its own y scale (so
    that no series is squashed under another's).

    panels: [{"series": [...], "ylabel": str, "ylim": (lo, hi)?, "title": str?, "legend": bool?}]
    (legend: name the series under the panel, default True); a series is
    {"name", "x": [...], "y": [...], "lo": [...]?, "hi": [...]?, "dash": bool?, "colour": str?},
    lo/hi a shaded band (e.g. the interquartile range). xlog: x on a log10 scale (x > 0)."""
    aw = width - LEFT - RIGHT
    probe = Svg(1, 1)
    heights = []
    for p in panels:
        names = [str(s["name"]) for s in p["series"]]
        lh = legend(probe, LEFT, 0, names, ["#000"] * len(names), aw) if p.get("legend", True) else 0
        heights.append((22 if p.get("title") else 8) + PANEL_H + 44 + lh)
    svg = Svg(width, 0, title)
    y = _title(svg, title, width)
    tx = (lambda v: math.log10(v) if v > 0 else float("nan")) if xlog else float  # noqa: E731
    xs = [tx(float(v)) for p in panels for s in p["series"] for v in s["x"]]
    xs = [v for v in xs if math.isfinite(v)] or [0.0, 1.0]
    for p, h in zip(panels, heights):
        series = [{**s, "x": [tx(float(v)) for v in s["x"]]} for s in p["series"]]
        colours = [s.get("colour") or colour(i) for i, s in enumerate(series)]
        ys = [float(v) for s in series for k in ("y", "lo", "hi") for v in (s.get(k) or []) if v is not None]
        ys = [v for v in ys if math.isfinite(v)] or [0.0, 1.0]
        lo_y, hi_y = p.get("ylim") or (min(ys), max(ys))
        if not p.get("ylim"):
            pad = (hi_y - lo_y) * 0.06 or 0.05
            lo_y, hi_y = lo_y - pad, hi_y + pad
        top = y + (22 if p.get("title") else 8)
        ax = Axes(svg, LEFT, top, aw, PANEL_H, (min(xs), max(xs)), (lo_y, hi_y))
        ax.frame(xlabel, p["ylabel"], p.get("title", ""), xticks=log_ticks(*ax.xlim) if xlog else None)
        for s, c in zip(series, colours):
            pts = [(ax.px(float(a)), ax.py(float(b))) for a, b in zip(s["x"], s["y"])
                   if b is not None and math.isfinite(float(b)) and math.isfinite(float(a))]
            if s.get("lo") is not None and s.get("hi") is not None:
                band = [(ax.px(float(a)), ax.py(float(v))) for a, v in zip(s["x"], s["hi"])]
                band += [(ax.px(float(a)), ax.py(float(v))) for a, v in reversed(list(zip(s["x"], s["lo"])))]
                svg.polygon(band, c, 0.15)
            svg.polyline(pts, c, 2.0, "6 4" if s.get("dash") else None)
            if markers:
                for a, b in pts:
                    svg.circle(a, b, 2.5, c)
        if p.get("legend", True):
            legend(svg, LEFT, top + PANEL_H + 56, [str(s["name"]) for s in series], colours, aw,
                   [bool(s.get("dash")) for s in series])
        y += h
    svg.h = y + 4
    return svg.to_bytes()


def line_chart(series: list[dict], title: str, xlabel: str, ylabel: str, ylim=None, width: int = WIDTH,
               markers: bool = True, xlog: bool = False) -> bytes:
    """One panel of `line_panels`: series that share a quantity and a scale."""
    return line_panels([{"series": series, "ylabel": ylabel, "ylim": ylim}], title, xlabel, xlog, width, markers)


def heatmap(matrix, rows: list[str], cols: list[str], title: str, fmt: str = "{:.3g}", vmin=None, vmax=None,
            note: str = "", xlabel: str = "", ylabel: str = "", unit: str = "") -> bytes:
    """A labelled matrix on a viridis scale, WIDTH wide whatever the number of columns (cells
    shrink; values are printed in the cells while they fit, and are always in each cell's
    tooltip). NaN cells are grey. xlabel / ylabel name what the columns / rows are; the colour
    bar below the matrix is labelled with `unit`."""
    m = np.asarray(matrix, dtype=np.float64)
    n_r, n_c = m.shape
    row_names = [_cut(r, 16) for r in rows]
    col_names = [_cut(c, 16) for c in cols]
    left = 12 + (22 if ylabel else 0) + max((text_width(r, FONT_SMALL) for r in row_names), default=20) + 6
    cell = max(12.0, min(56.0, (WIDTH - left - RIGHT) / max(n_c, 1)))
    cell_h = max(cell, 18.0)
    svg = Svg(WIDTH, 0, title)
    y = _title(svg, title, WIDTH)
    if xlabel:
        svg.text(left + cell * n_c / 2, y + 10, xlabel, FONT_LABEL, "middle", cls="xlabel")
        y += 16
    top = y + 8 + 0.77 * max((text_width(c, FONT_SMALL) for c in col_names), default=20)
    finite = m[np.isfinite(m)]
    lo = float(vmin if vmin is not None else (finite.min() if finite.size else 0.0))
    hi = float(vmax if vmax is not None else (finite.max() if finite.size else 1.0))
    lo, hi = span(lo, hi)
    values_fit = all(text_width(fmt.format(v), FONT_SMALL) <= cell - 3 for v in finite) and cell_h >= 18
    for i in range(n_r):
        svg.text(left - 6, top + cell_h * i + cell_h / 2 + 4, row_names[i], FONT_SMALL, "end")
        for j in range(n_c):
            v = m[i, j]
            x, yy = left + cell * j, top + cell_h * i
            if not math.isfinite(v):
                svg.rect(x, yy, cell, cell_h, "#dddddd", "#ffffff")
                continue
            t = (v - lo) / (hi - lo)
            svg.rect(x, yy, cell, cell_h, viridis(t), "#ffffff", tip=f"{rows[i]} / {cols[j]}: {fmt.format(v)}")
            if values_fit:
                svg.text(x + cell / 2, yy + cell_h / 2 + 4, fmt.format(v), FONT_SMALL, "middle",
                         fill="#ffffff" if t < 0.6 else "#111111")
    for j in range(n_c):
        svg.text(left + cell * j + cell / 2 + 4, top - 6, col_names[j], FONT_SMALL, "start", rotate=-50)
    if ylabel:
        svg.text(20, top + cell_h * n_r / 2, ylabel, FONT_LABEL, "middle", rotate=-90, cls="ylabel")
    # the colour bar, below the matrix: lowest value left, highest right
    by, bw = top + cell_h * n_r + 16, cell * n_c
    for k in range(50):
        svg.rect(left + bw * k / 50, by, bw / 50 + 0.5, 12, viridis(k / 49))
    svg.text(left, by + 27, fmt.format(lo), FONT_SMALL, "start")
    svg.text(left + bw, by + 27, fmt.format(hi), FONT_SMALL, "end")
    if unit:
        svg.text(left + bw / 2, by + 27, unit, FONT_SMALL, "middle", cls="unit")
    end = by + 34
    if note:
        end += 4 + svg.lines(12, end + 14, wrap(note, WIDTH - 24, FONT_SMALL), FONT_SMALL, weight="normal", cls="note")
    svg.h = end + 8
    return svg.to_bytes()


def _cut(s, n: int) -> str:
    s = str(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def histogram(groups: list[dict], edges, title: str, xlabel: str, width: int = WIDTH, height: int = 190) -> bytes:
    """Overlaid histograms (outlines, shared bins). groups: [{"name", "counts": [...]}], counts
    are shown as shares of each group's total so groups of different sizes compare."""
    edges = [float(e) for e in edges]
    shares = []
    for g in groups:
        c = np.asarray(g["counts"], dtype=np.float64)
        shares.append(c / c.sum() if c.sum() > 0 else c)
    hi = max((float(s.max()) for s in shares if s.size), default=1.0)
    svg = Svg(width, 0, title)
    top = _title(svg, title, width) + 8
    ax = Axes(svg, LEFT, top, width - LEFT - RIGHT, height, (edges[0], edges[-1]), (0, hi * 1.05))
    ax.frame(xlabel, "share of points", n_ticks=4)
    for i, s in enumerate(shares):
        pts = []
        for k, v in enumerate(s):
            pts += [(ax.px(edges[k]), ax.py(v)), (ax.px(edges[k + 1]), ax.py(v))]
        base = [(ax.px(edges[-1]), ax.py(0)), (ax.px(edges[0]), ax.py(0))]
        svg.polygon(pts + base, colour(i), 0.25)
        svg.polyline(pts, colour(i), 1.5)
    lh = legend(svg, LEFT, top + height + 56, [str(g["name"]) for g in groups],
                [colour(i) for i in range(len(groups))], width - LEFT - RIGHT)
    svg.h = top + height + 44 + lh + 4
    return svg.to_bytes()


def bar_chart(names: list[str], values: list[float], title: str, ylabel: str, xlabel: str = "", ymax=None,
              width: int = WIDTH, height: int = 190, fmt: str = "{:.3f}") -> bytes:
    """Vertical bars from zero, with their values written above them while they fit. The y axis
    always contains 0 (a bar's length is its value); `ymax` fixes its other end."""
    vals = [float(v) for v in values]
    lo = min(0.0, min(vals, default=0.0))
    hi = max(0.0, max(vals, default=1.0) * 1.1) if ymax is None else max(float(ymax), 0.0)
    lo, hi = span(lo, hi)
    names = [_cut(n, 24) for n in names]
    label_h = 0.57 * max((text_width(n, FONT_SMALL) for n in names), default=20) + 12
    svg = Svg(width, 0, title)
    top = _title(svg, title, width) + 12
    ax = Axes(svg, LEFT, top, width - LEFT - RIGHT, height, (0, max(len(vals), 1)), (lo, hi))
    ax.frame("", ylabel, ticks=False)
    for v in nice_ticks(lo, hi, 5):
        svg.line(ax.x, ax.py(v), ax.x + ax.w, ax.py(v), "#eeeeee")
        svg.tick("y", ax.x - 4, ax.py(v), ax.x, ax.py(v), ax.x - 6, ax.py(v) + 4, tick_label(v), "end")
    zero = ax.py(0.0)
    slot = ax.px(1) - ax.px(0)
    show_values = all(text_width(fmt.format(v), FONT_SMALL) <= slot for v in vals)
    for i, (n, v) in enumerate(zip(names, vals)):
        x = ax.px(i + 0.15)
        bw = ax.px(i + 0.85) - x
        y = ax.py(max(min(v, hi), lo))
        svg.rect(x, min(y, zero), bw, abs(zero - y), colour(i), tip=f"{n}: {fmt.format(v)}", cls="bar")
        if show_values:
            svg.text(x + bw / 2, (y - 4) if v >= 0 else (y + 14), fmt.format(v), FONT_SMALL, "middle")
        svg.text(x + bw / 2 + 4, ax.y + ax.h + 14, n, FONT_SMALL, "end", rotate=-35)
    svg.line(ax.x, zero, ax.x + ax.w, zero, "#444444", 1.0)
    end = top + height + label_h
    if xlabel:
        svg.text(ax.x + ax.w / 2, end + 10, xlabel, FONT_LABEL, "middle", cls="xlabel")
        end += 18
    svg.h = end + 8
    return svg.to_bytes()
