"""What a reader needs from a figure, checked on the SVG bytes and on the markdown that shows it:
text that stays >= 10 px on a 390 px phone, axis titles on every axis, bars that start at zero,
and a caption under every figure. Used by the figure unit tests, the analyses' tests and the
full-site browser test."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from builder.render.figures import MIN_SCREEN_PX, PHONE_WIDTH

NS = "{http://www.w3.org/2000/svg}"
FIGURE_RE = re.compile(r'<figure class="atlas-figure" markdown="span">\n!\[([^\]]+)\]\(([^)]+\.svg)\)\n'
                       r"<figcaption markdown>([^<]+)</figcaption>\n</figure>")


def _texts(root, cls: str) -> list[str]:
    return [(t.text or "").strip() for t in root.iter(NS + "text") if t.get("class") == cls]


def _float(v) -> float:
    return float(v or 0)


def zero_line_y(root) -> float | None:
    """The y of the y-axis tick labelled 0, or None when the axis has none."""
    for g in root.iter(NS + "g"):
        if g.get("class") == "ytick" and (g.find(NS + "text").text or "").strip() == "0":
            return _float(g.find(NS + "line").get("y1"))
    return None


def svg_problems(data: bytes, name: str = "figure") -> list[str]:
    """Every problem of one SVG figure, as sentences (empty: the figure reads well)."""
    root = ET.fromstring(data)
    out = []
    width = float(root.get("viewBox").split()[2])
    sizes = [float(t.get("font-size")) for t in root.iter(NS + "text")]
    if sizes and min(sizes) * min(1.0, PHONE_WIDTH / width) < MIN_SCREEN_PX:
        out.append(f"{name}: text of {min(sizes):g} in a {width:g} wide figure is "
                   f"{min(sizes) * PHONE_WIDTH / width:.1f} px on a phone")
    if not (root.find(NS + "title") is not None and (root.find(NS + "title").text or "").strip()):
        out.append(f"{name}: no <title>")
    for axis in ("xlabel", "ylabel"):
        labels = _texts(root, axis)
        if not labels or not all(labels):
            out.append(f"{name}: no {axis}")
    bars = [r for r in root.iter(NS + "rect") if r.get("class") == "bar"]
    if bars:
        zero = zero_line_y(root)
        if zero is None:
            out.append(f"{name}: bars but no 0 on the y axis")
        else:
            for r in bars:
                top, bottom = _float(r.get("y")), _float(r.get("y")) + _float(r.get("height"))
                if min(abs(top - zero), abs(bottom - zero)) > 0.11:
                    out.append(f"{name}: a bar from {top:g} to {bottom:g} does not start at the zero line {zero:g}")
    return out


def page_figures(markdown: str) -> list[tuple[str, str, str]]:
    """(alt, src, caption) of every captioned figure of a page."""
    return FIGURE_RE.findall(markdown)


def uncaptioned(markdown: str) -> list[str]:
    """SVG images of a page that are not inside a captioned figure."""
    shown = re.findall(r"!\[[^\]]*\]\(([^)]+\.svg)\)", markdown)
    captioned = {src for _, src, cap in page_figures(markdown) if cap.strip()}
    return [src for src in shown if src not in captioned]
