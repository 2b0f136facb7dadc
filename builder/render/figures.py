"""Small static figures as SVG bytes: the drawing primitives (Svg, Axes, ticks, colours, legend,
text wrapping) and the legibility rule every figure follows. The charts are in
builder.render.figure_charts (line charts, heatmaps, histograms, bar charts), the small-multiple
grids in builder.render.figure_grids (persistence diagrams, barcodes, scatter plots).

Pure functions from numbers and labels to bytes, deterministic (fixed number formatting, no
timestamps). Every figure is self-contained: a white background (readable in the dark theme
too), system fonts only (no font files, no request of any kind), and every label, which may come
from the dataset, is XML-escaped. The docs embed them as <img>, where an SVG cannot run scripts
or load anything anyway.

Legibility: the docs shrink a figure to the width of the page's text column (PHONE_WIDTH on a
390 px wide phone) and never enlarge it, so a figure at most MAX_WIDTH user units wide whose
smallest text is FONT_SMALL shows that text at >= MIN_SCREEN_PX on a phone and at its own size
on a desktop. Wider content is stacked (small multiples in one column or two), not shrunk.

Semantics for tests and readers of the files: axis titles carry class "xlabel" / "ylabel",
ticks are <g class="xtick"> / <g class="ytick"> (a line and its label), bars class "bar".
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
PHONE_WIDTH = 358     # CSS px of the docs' text column at a 390 px wide viewport (Material's margins)
MIN_SCREEN_PX = 10    # the smallest text a reader has to read, on screen
FONT_SMALL = 12       # ticks, legends, cell values: the smallest text of any figure
FONT_LABEL = 13       # axis titles
FONT_TITLE = 14       # figure titles (bold)
MAX_WIDTH = math.floor(PHONE_WIDTH * FONT_SMALL / MIN_SCREEN_PX)  # 429: wider would shrink FONT_SMALL below 10 px
WIDTH = 420           # a single chart
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


def text_width(s: str, size: float, bold: bool = False) -> float:
    """A generous estimate of the width of `s` in a sans-serif font (DejaVu Sans is among the widest)."""
    return len(str(s)) * size * (0.64 if bold else 0.6)


def wrap(s: str, max_px: float, size: float, bold: bool = False) -> list[str]:
    """`s` broken at spaces into lines at most `max_px` wide (a longer word keeps its own line)."""
    lines: list[str] = []
    for word in str(s).split():
        if lines and text_width(lines[-1] + " " + word, size, bold) <= max_px:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


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


def log_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """Ticks 1, 2, 5, 10, 20, ... between 10**lo and 10**hi, placed at their log10."""
    out = []
    for e in range(math.floor(lo), math.ceil(hi) + 1):
        for m in (1, 2, 5):
            v = m * 10.0**e
            if lo - 1e-9 <= math.log10(v) <= hi + 1e-9:
                out.append((math.log10(v), f"{v:g}"))
    return out


def span(lo: float, hi: float) -> tuple[float, float]:
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.05 or 0.5
        return lo - pad, hi + pad
    return lo, hi


class Svg:
    """An SVG document built element by element; `h` (and `w`) may grow while drawing, the
    document takes their values when written."""

    def __init__(self, width: float, height: float, title: str = ""):
        self.w, self.h = width, height
        self.parts: list[str] = []
        self.title = title

    def add(self, s: str) -> None:
        self.parts.append(s)

    def text(self, x, y, s, size=FONT_SMALL, anchor="start", weight="normal", fill="#222222", rotate=None,
             cls=None) -> None:
        rot = f' transform="rotate({rotate} {_n(x)} {_n(y)})"' if rotate is not None else ""
        c = f' class="{cls}"' if cls else ""
        self.add(f'<text{c} x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" '
                 f'font-weight="{weight}" fill="{fill}"{rot}>{escape(str(s))}</text>')

    def lines(self, x, y, lines: list[str], size=FONT_TITLE, anchor="start", weight="bold", cls="title") -> float:
        """Lines of text from baseline `y` down; returns the height used."""
        for k, s in enumerate(lines):
            self.text(x, y + k * size * 1.3, s, size, anchor, weight, cls=cls)
        return len(lines) * size * 1.3

    def line(self, x1, y1, x2, y2, stroke="#444444", width=1.0, dash=None) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" '
                 f'stroke-width="{width}"{d}/>')

    def rect(self, x, y, w, h, fill, stroke=None, tip=None, cls=None) -> None:
        s = f' stroke="{stroke}"' if stroke else ""
        c = f' class="{cls}"' if cls else ""
        t = f"<title>{escape(tip)}</title>" if tip else ""
        self.add(f'<rect{c} x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"{s}>{t}</rect>')

    def circle(self, x, y, r, fill, opacity=1.0) -> None:
        self.add(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{r}" fill="{fill}" fill-opacity="{opacity}"/>')

    def polyline(self, pts, stroke, width=2.0, dash=None) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        p = " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)
        self.add(f'<polyline points="{p}" fill="none" stroke="{stroke}" stroke-width="{width}"{d}/>')

    def polygon(self, pts, fill, opacity=0.2) -> None:
        p = " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)
        self.add(f'<polygon points="{p}" fill="{fill}" fill-opacity="{opacity}" stroke="none"/>')

    def tick(self, axis: str, x1, y1, x2, y2, tx, ty, label, anchor, size=FONT_SMALL) -> None:
        """A tick mark and its label, grouped as <g class="xtick|ytick">."""
        self.add(f'<g class="{axis}tick">')
        self.line(x1, y1, x2, y2, "#999999")
        self.text(tx, ty, label, size, anchor)
        self.add("</g>")

    def to_bytes(self) -> bytes:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(self.w)} {_n(self.h)}" '
                f'width="{_n(self.w)}" height="{_n(self.h)}" font-family={quoteattr(FONT)} role="img">')
        title = f"<title>{escape(self.title)}</title>" if self.title else ""
        background = f'<rect width="{_n(self.w)}" height="{_n(self.h)}" fill="#ffffff"/>'
        return (head + title + background + "".join(self.parts) + "</svg>\n").encode("utf-8")


class Axes:
    """A data -> pixel mapping inside a box of an Svg, with ticks and labels."""

    def __init__(self, svg: Svg, x, y, w, h, xlim, ylim):
        self.svg, self.x, self.y, self.w, self.h = svg, x, y, w, h
        self.xlim, self.ylim = span(*xlim), span(*ylim)

    def px(self, v):
        lo, hi = self.xlim
        return self.x + (v - lo) / (hi - lo) * self.w

    def py(self, v):
        lo, hi = self.ylim
        return self.y + self.h - (v - lo) / (hi - lo) * self.h

    def frame(self, xlabel="", ylabel="", title="", ticks=True, xticks=None, n_ticks=5, ylabel_dx=48) -> None:
        """The box, grid lines, ticks (xticks: [(position, label)] instead of evenly spaced
        numbers), axis titles and a bold panel title above the box."""
        s = self.svg
        s.rect(self.x, self.y, self.w, self.h, "none", stroke="#999999")
        if ticks:
            for v, label in xticks or [(v, tick_label(v)) for v in nice_ticks(*self.xlim, n_ticks)]:
                s.tick("x", self.px(v), self.y + self.h, self.px(v), self.y + self.h + 4, self.px(v),
                       self.y + self.h + 17, label, "middle")
            for v in nice_ticks(*self.ylim, n_ticks):
                s.line(self.x, self.py(v), self.x + self.w, self.py(v), "#eeeeee")
                s.tick("y", self.x - 4, self.py(v), self.x, self.py(v), self.x - 6, self.py(v) + 4, tick_label(v), "end")
        if xlabel:
            s.text(self.x + self.w / 2, self.y + self.h + (35 if ticks else 18), xlabel, FONT_LABEL, "middle",
                   cls="xlabel")
        if ylabel:
            s.text(self.x - ylabel_dx, self.y + self.h / 2, ylabel, FONT_LABEL, "middle", rotate=-90, cls="ylabel")
        if title:
            s.text(self.x + self.w / 2, self.y - 8, title, FONT_LABEL, "middle", "bold", cls="title")


def legend(svg: Svg, x: float, y: float, names: list[str], colours: list[str], max_width: float,
           dashes: list[bool] | None = None) -> float:
    """Colour swatches (a dashed stroke for dashed lines) and names, wrapping into rows; returns
    the height used. Names longer than the row are cut with an ellipsis."""
    cx, cy = x, y
    for k, (name, c) in enumerate(zip(names, colours)):
        label = str(name)
        while len(label) > 4 and 20 + text_width(label, FONT_SMALL) > max_width:
            label = label[:-2].rstrip() + "…"
        w = 28 + text_width(label, FONT_SMALL)
        if cx + w > x + max_width and cx > x:
            cx, cy = x, cy + 19
        if dashes and dashes[k]:
            svg.line(cx, cy - 3, cx + 16, cy - 3, c, 2.5, "5 3")
        else:
            svg.rect(cx + 2, cy - 9, 12, 12, c)
        svg.text(cx + 20, cy + 1, label, FONT_SMALL, cls="legend")
        cx += w
    return cy - y + 19
