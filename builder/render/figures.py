"""Small static figures as SVG bytes: the drawing primitives (Svg, Axes, ticks, colours, legend)
and the charts (line charts, heatmaps, histograms, bar charts); the small-multiple grids
(persistence diagrams, barcodes, scatter plots) are in builder.render.figure_grids.

Pure functions from numbers and labels to bytes, deterministic (fixed number formatting, no
timestamps). Every figure is self-contained: a white background (readable in the dark theme
too), system fonts only (no font files, no request of any kind), and every label, which may come
from the dataset, is XML-escaped. The docs embed them with `![alt](figures/name.svg)`, i.e. as
<img>, where an SVG cannot run scripts or load anything anyway.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

import numpy as np

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
# Okabe-Ito, then a few more distinct colours: readable for the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#999999", "#882255", "#44AA99", "#117733")
# Viridis at 9 stops, interpolated linearly.
_VIRIDIS = ((68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141), (39, 173, 129),
            (92, 200, 99), (170, 220, 50), (253, 231, 37))


# Category names that are colour words get their own colour (a colour category drawn in another
# colour is confusing); pale ones a darker shade so that they show on white.
NAMED = {"red": "#d62728", "orange": "#ff7f0e", "yellow": "#c9a800", "green": "#2ca02c", "cyan": "#17becf",
         "blue": "#1f4fd6", "purple": "#8a2be2", "violet": "#8a2be2", "pink": "#f062b0", "magenta": "#d01fb0",
         "brown": "#8c564b", "black": "#111111", "white": "#b0b0b0", "grey": "#7f7f7f", "gray": "#7f7f7f"}


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def category_colours(names) -> list[str]:
    """The colour words' own colours when every name is one (e.g. a "colour" label field),
    else PALETTE in order."""
    keys = [str(n).strip().lower() for n in names]
    if keys and all(k in NAMED for k in keys) and len(set(keys)) == len(keys):
        return [NAMED[k] for k in keys]
    return [colour(i) for i in range(len(keys))]


def viridis(t: float) -> str:
    t = 0.0 if not math.isfinite(t) else min(max(t, 0.0), 1.0)
    x = t * (len(_VIRIDIS) - 1)
    i = min(int(x), len(_VIRIDIS) - 2)
    f = x - i
    c = [round(a + (b - a) * f) for a, b in zip(_VIRIDIS[i], _VIRIDIS[i + 1])]
    return "#%02x%02x%02x" % tuple(c)


def _n(v: float) -> str:
    """A coordinate, rounded: small files, identical bytes for identical input."""
    return f"{v:.1f}".rstrip("0").rstrip(".") if math.isfinite(v) else "0"


def tick_label(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000 or a < 0.01:
        return f"{v:.1e}"
    return f"{v:.3g}"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 2.5, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    start = math.ceil(lo / step - 1e-9) * step
    return [round(start + k * step, 12) for k in range(int((hi - start) / step + 1e-9) + 1)]


class Svg:
    """An SVG document built element by element."""

    def __init__(self, width: float, height: float, title: str = ""):
        self.w, self.h = width, height
        self.parts = [f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>']
        self.title = title

    def add(self, s: str) -> None:
        self.parts.append(s)

    def text(self, x, y, s, size=12, anchor="start", weight="normal", fill="#222222", rotate=None) -> None:
        rot = f' transform="rotate({rotate} {_n(x)} {_n(y)})"' if rotate is not None else ""
        self.add(f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" '
                 f'font-weight="{weight}" fill="{fill}"{rot}>{escape(str(s))}</text>')

    def line(self, x1, y1, x2, y2, stroke="#444444", width=1.0, dash=None) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" '
                 f'stroke-width="{width}"{d}/>')

    def rect(self, x, y, w, h, fill, stroke=None, tip=None) -> None:
        s = f' stroke="{stroke}"' if stroke else ""
        t = f"<title>{escape(tip)}</title>" if tip else ""
        self.add(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"{s}>{t}</rect>')

    def circle(self, x, y, r, fill, opacity=1.0) -> None:
        self.add(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r}" fill="{fill}" fill-opacity="{opacity}"/>')

    def polyline(self, pts, stroke, width=2.0, dash=None) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        p = " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)
        self.add(f'<polyline points="{p}" fill="none" stroke="{stroke}" stroke-width="{width}"{d}/>')

    def polygon(self, pts, fill, opacity=0.2) -> None:
        p = " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)
        self.add(f'<polygon points="{p}" fill="{fill}" fill-opacity="{opacity}" stroke="none"/>')

    def to_bytes(self) -> bytes:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(self.w)} {_n(self.h)}" '
                f'width="{_n(self.w)}" height="{_n(self.h)}" font-family={quoteattr(FONT)} role="img">')
        title = f"<title>{escape(self.title)}</title>" if self.title else ""
        return (head + title + "".join(self.parts) + "</svg>\n").encode("utf-8")


class Axes:
    """A data -> pixel mapping inside a box of an Svg, with ticks and labels."""

    def __init__(self, svg: Svg, x, y, w, h, xlim, ylim):
        self.svg, self.x, self.y, self.w, self.h = svg, x, y, w, h
        self.xlim, self.ylim = _span(*xlim), _span(*ylim)

    def px(self, v):
        lo, hi = self.xlim
        return self.x + (v - lo) / (hi - lo) * self.w

    def py(self, v):
        lo, hi = self.ylim
        return self.y + self.h - (v - lo) / (hi - lo) * self.h

    def frame(self, xlabel="", ylabel="", title="", ticks=True, size=11, xticks=None) -> None:
        """xticks: [(position, label)] instead of evenly spaced numbers."""
        s = self.svg
        s.rect(self.x, self.y, self.w, self.h, "none", stroke="#999999")
        if ticks:
            for v, label in xticks or [(v, tick_label(v)) for v in nice_ticks(*self.xlim)]:
                s.line(self.px(v), self.y + self.h, self.px(v), self.y + self.h + 4, "#999999")
                s.text(self.px(v), self.y + self.h + 15, label, size - 1, "middle")
            for v in nice_ticks(*self.ylim):
                s.line(self.x - 4, self.py(v), self.x, self.py(v), "#999999")
                s.line(self.x, self.py(v), self.x + self.w, self.py(v), "#eeeeee")
                s.text(self.x - 6, self.py(v) + 4, tick_label(v), size - 1, "end")
        if xlabel:
            s.text(self.x + self.w / 2, self.y + self.h + 32, xlabel, size, "middle")
        if ylabel:
            s.text(self.x - 44, self.y + self.h / 2, ylabel, size, "middle", rotate=-90)
        if title:
            s.text(self.x + self.w / 2, self.y - 8, title, size + 1, "middle", "bold")


def _log_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """Ticks 1, 2, 5, 10, 20, ... between 10**lo and 10**hi, placed at their log10."""
    out = []
    for e in range(math.floor(lo), math.ceil(hi) + 1):
        for m in (1, 2, 5):
            v = m * 10.0**e
            if lo - 1e-9 <= math.log10(v) <= hi + 1e-9:
                out.append((math.log10(v), f"{v:g}"))
    return out


def _span(lo: float, hi: float) -> tuple[float, float]:
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.05 or 0.5
        return lo - pad, hi + pad
    return lo, hi


def legend(svg: Svg, x: float, y: float, names: list[str], colours: list[str], max_width: float) -> float:
    """One row (wrapping) of colour swatches and names; returns the height used."""
    cx, cy = x, y
    for name, c in zip(names, colours):
        label = str(name)[:44]
        w = 22 + 7 * len(label)
        if cx + w > x + max_width and cx > x:
            cx, cy = x, cy + 18
        svg.rect(cx, cy - 9, 12, 12, c)
        svg.text(cx + 16, cy + 1, label, 11)
        cx += w
    return cy - y + 18


# -- charts ---------------------------------------------------------------------------------------

def line_chart(series: list[dict], title: str, xlabel: str, ylabel: str, ylim=None, width=640,
               height=340, markers=True, xlog=False) -> bytes:
    """series: [{"name", "x": [...], "y": [...], "lo": [...]?, "hi": [...]?, "dash": bool?,
    "colour": str?}]; lo/hi draw a shaded band (e.g. the interquartile range)."""
    names = [str(s["name"]) for s in series]
    colours = [s.get("colour") or colour(i) for i, s in enumerate(series)]
    legend_h = legend(Svg(1, 1), 70, 0, names, colours, width - 90)
    svg = Svg(width, height + legend_h, title)
    tx = (lambda v: math.log10(v) if v > 0 else float("nan")) if xlog else float  # noqa: E731
    series = [{**s, "x": [tx(float(v)) for v in s["x"]]} for s in series]
    xs = [float(v) for s in series for v in s["x"]]
    ys = [float(v) for s in series for k in ("y", "lo", "hi") for v in (s.get(k) or []) if v is not None]
    xs = [v for v in xs if math.isfinite(v)] or [0.0, 1.0]
    ys = [v for v in ys if math.isfinite(v)] or [0.0, 1.0]
    lo_y, hi_y = ylim if ylim else (min(ys), max(ys))
    if not ylim:
        pad = (hi_y - lo_y) * 0.05 or 0.05
        lo_y, hi_y = lo_y - pad, hi_y + pad
    ax = Axes(svg, 70, 34, width - 90, height - 84, (min(xs), max(xs)), (lo_y, hi_y))
    ax.frame(xlabel, ylabel, title, xticks=_log_ticks(*ax.xlim) if xlog else None)
    for s, c in zip(series, colours):
        pts = [(ax.px(float(x)), ax.py(float(y))) for x, y in zip(s["x"], s["y"])
               if y is not None and math.isfinite(float(y))]
        if s.get("lo") is not None and s.get("hi") is not None:
            band = [(ax.px(float(x)), ax.py(float(v))) for x, v in zip(s["x"], s["hi"])]
            band += [(ax.px(float(x)), ax.py(float(v))) for x, v in reversed(list(zip(s["x"], s["lo"])))]
            svg.polygon(band, c, 0.15)
        svg.polyline(pts, c, 2.0, "6 4" if s.get("dash") else None)
        if markers:
            for x, y in pts:
                svg.circle(x, y, 2.5, c)
    legend(svg, 70, height + 4, names, colours, width - 90)
    return svg.to_bytes()


def heatmap(matrix, rows: list[str], cols: list[str], title: str, fmt: str = "{:.3g}",
            vmin=None, vmax=None, note: str = "") -> bytes:
    """A labelled matrix with a viridis scale; values printed in the cells (NaN cells grey)."""
    m = np.asarray(matrix, dtype=np.float64)
    n_r, n_c = m.shape
    cell = max(34, min(64, 520 // max(n_c, 1)))
    left = 12 + 7 * min(max((len(str(r)) for r in rows), default=4), 24)
    top = 34 + 5 * min(max((len(str(c)) for c in cols), default=4), 24)
    width = max(left + cell * n_c + 90, 24 + 7.5 * len(title))
    height = top + cell * n_r + (40 if note else 20)
    svg = Svg(width, height, title)
    svg.text(12, 20, title, 13, weight="bold")
    finite = m[np.isfinite(m)]
    lo = float(vmin if vmin is not None else (finite.min() if finite.size else 0.0))
    hi = float(vmax if vmax is not None else (finite.max() if finite.size else 1.0))
    lo, hi = _span(lo, hi)
    for i in range(n_r):
        svg.text(left - 6, top + cell * i + cell / 2 + 4, str(rows[i])[:24], 11, "end")
        for j in range(n_c):
            v = m[i, j]
            x, y = left + cell * j, top + cell * i
            if not math.isfinite(v):
                svg.rect(x, y, cell, cell, "#dddddd", "#ffffff")
                continue
            t = (v - lo) / (hi - lo)
            svg.rect(x, y, cell, cell, viridis(t), "#ffffff", tip=f"{rows[i]} / {cols[j]}: {fmt.format(v)}")
            svg.text(x + cell / 2, y + cell / 2 + 4, fmt.format(v), 10 if cell < 44 else 11, "middle",
                     fill="#ffffff" if t < 0.6 else "#111111")
    for j in range(n_c):
        x = left + cell * j + cell / 2
        svg.text(x, top - 6, str(cols[j])[:24], 11, "start", rotate=-50)
    # colour bar
    bx = left + cell * n_c + 24
    for k in range(50):
        svg.rect(bx, top + cell * n_r * (1 - (k + 1) / 50), 14, cell * n_r / 50 + 0.5, viridis(k / 49))
    svg.text(bx + 18, top + 8, fmt.format(hi), 10)
    svg.text(bx + 18, top + cell * n_r, fmt.format(lo), 10)
    if note:
        svg.text(12, height - 12, note, 11, fill="#555555")
    return svg.to_bytes()


def histogram(groups: list[dict], edges, title: str, xlabel: str, width=640, height=300) -> bytes:
    """Overlaid histograms (outlines, shared bins). groups: [{"name", "counts": [...]}], counts
    are shown as shares of each group's total so groups of different sizes compare."""
    edges = [float(e) for e in edges]
    svg = Svg(width, height + 20, title)
    shares = []
    for g in groups:
        c = np.asarray(g["counts"], dtype=np.float64)
        shares.append(c / c.sum() if c.sum() > 0 else c)
    hi = max((float(s.max()) for s in shares if s.size), default=1.0)
    ax = Axes(svg, 70, 34, width - 90, height - 90, (edges[0], edges[-1]), (0, hi * 1.05))
    ax.frame(xlabel, "share of points", title)
    for i, s in enumerate(shares):
        pts = []
        for k, v in enumerate(s):
            pts += [(ax.px(edges[k]), ax.py(v)), (ax.px(edges[k + 1]), ax.py(v))]
        base = [(ax.px(edges[-1]), ax.py(0)), (ax.px(edges[0]), ax.py(0))]
        svg.polygon(pts + base, colour(i), 0.25)
        svg.polyline(pts, colour(i), 1.5)
    legend(svg, 70, height - 8, [str(g["name"]) for g in groups], [colour(i) for i in range(len(groups))],
            width - 90)
    return svg.to_bytes()


def bar_chart(names: list[str], values: list[float], title: str, ylabel: str, ylim=None,
              width=640, height=320, fmt="{:.3f}") -> bytes:
    """Vertical bars with their values written above them."""
    vals = [float(v) for v in values]
    lo, hi = ylim if ylim else (min(0.0, min(vals, default=0.0)), max(vals, default=1.0) * 1.1 or 1.0)
    bottom = 40 + 7 * min(max((len(str(n)) for n in names), default=4), 28)
    svg = Svg(width, height + bottom - 40, title)
    ax = Axes(svg, 70, 34, width - 90, height - 74, (0, max(len(vals), 1)), (lo, hi))
    ax.frame("", ylabel, title, ticks=False)
    for v in nice_ticks(lo, hi):
        svg.line(ax.x - 4, ax.py(v), ax.x + ax.w, ax.py(v), "#eeeeee")
        svg.text(ax.x - 6, ax.py(v) + 4, tick_label(v), 10, "end")
    for i, (n, v) in enumerate(zip(names, vals)):
        x = ax.px(i + 0.15)
        bw = ax.px(i + 0.85) - x
        y = ax.py(max(min(v, hi), lo))
        svg.rect(x, min(y, ax.py(max(lo, 0))), bw, abs(ax.py(max(lo, 0)) - y), colour(i))
        svg.text(x + bw / 2, y - 4, fmt.format(v), 10, "middle")
        svg.text(x + bw / 2, ax.y + ax.h + 12, str(n)[:28], 10, "end", rotate=-35)
    return svg.to_bytes()
