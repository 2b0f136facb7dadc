"""What a reader's browser shows of a docs page, measured in the page: horizontal overflow, text
laid out a letter or two per line, tables outside a scroll box, and the smallest text of every
SVG figure on screen. Shared by the layout browser test and by scripts that take screenshots."""

from __future__ import annotations

# JS: returns {scrollWidth, clientWidth, narrowText: [...], tables: [...], figures: [...]}.
# A figure is an <img> of an .svg file: its text's on-screen size is the font size in the SVG times
# the image's rendered width over its viewBox width (SVG user units; the figures use no scaling
# transforms). The SVG is fetched from the site itself (same origin). Text of an SVG drawn in the
# page (by a page script) counts too, one entry per <text>.
MEASURE = """async () => {
  const out = {scrollWidth: document.scrollingElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
               narrowText: [], tables: [], figures: []};
  const article = document.querySelector('article') || document.body;
  // text laid out with very few characters per line: one rect per line box of a text node
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    if (text.length < 12 || !n.parentElement || n.parentElement.closest('svg, script, style, .md-code__nav, pre')) continue;
    if (!n.parentElement.getClientRects().length) continue;  // not displayed (a closed details block)
    const r = document.createRange(); r.selectNodeContents(n);
    const lines = new Set(Array.from(r.getClientRects()).filter(b => b.width > 0).map(b => Math.round(b.top)));
    if (lines.size >= 3 && text.length / lines.size < 6) {
      out.narrowText.push({text: text.slice(0, 40), lines: lines.size, tag: n.parentElement.tagName,
                           cls: n.parentElement.className});
    }
  }
  for (const t of article.querySelectorAll('table')) {
    if (!t.getClientRects().length) continue;
    let box = t.parentElement, scrolls = false;
    for (; box && box !== article; box = box.parentElement) {
      const ox = getComputedStyle(box).overflowX;
      if (ox === 'auto' || ox === 'scroll') { scrolls = true; break; }
    }
    const r = t.getBoundingClientRect(), b = box && box !== article ? box.getBoundingClientRect() : null;
    out.tables.push({scrolls, width: r.width, right: r.right, boxRight: b ? b.right : null,
                     head: (t.querySelector('th') || t).textContent.trim().slice(0, 30)});
  }
  for (const img of article.querySelectorAll('img')) {
    const src = img.currentSrc || img.src;
    if (!/\\.svg($|[?#])/.test(src)) continue;
    const svg = new DOMParser().parseFromString(await (await fetch(src)).text(), 'image/svg+xml').documentElement;
    const vb = (svg.getAttribute('viewBox') || '').split(/[ ,]+/).map(Number);
    const sizes = Array.from(svg.querySelectorAll('text')).map(t => {
      let el = t;
      while (el && el.nodeType === 1 && !el.getAttribute('font-size')) el = el.parentElement;
      return parseFloat((el && el.getAttribute && el.getAttribute('font-size')) || '16');
    });
    const r = img.getBoundingClientRect(), scale = r.width / vb[2];
    out.figures.push({src: src.split('/').slice(-2).join('/'), width: r.width, viewBox: vb[2], scale,
                      minFont: Math.min(...sizes), minPx: Math.min(...sizes) * scale, texts: sizes.length,
                      caption: !!img.closest('figure') && !!img.closest('figure').querySelector('figcaption')});
  }
  // SVG drawn in the page itself (e.g. by a page script): its text as laid out on screen
  for (const t of article.querySelectorAll('svg text')) {
    if (!t.getClientRects().length) continue;
    const svg = t.closest('svg'), vb = svg.viewBox && svg.viewBox.baseVal;
    const scale = vb && vb.width ? svg.getBoundingClientRect().width / vb.width : 1;
    const px = parseFloat(getComputedStyle(t).fontSize) * scale;
    out.figures.push({src: 'inline svg: ' + t.textContent.slice(0, 20), width: svg.getBoundingClientRect().width,
                      viewBox: vb ? vb.width : null, scale, minFont: px / scale, minPx: px, texts: 1, caption: true});
  }
  return out;
}"""


def measure(page) -> dict:
    return page.evaluate(MEASURE)


def problems(m: dict, tolerance: int = 2, min_px: float = 10.0) -> list[str]:
    """Every layout problem in a `measure` result, as sentences (empty: the page reads well)."""
    out = []
    if m["scrollWidth"] > m["clientWidth"] + tolerance:
        out.append(f"page scrolls sideways: {m['scrollWidth']} px wide in {m['clientWidth']} px")
    out += [f"text a few letters per line ({t['lines']} lines): {t['text']!r} in <{t['tag']} class={t['cls']!r}>"
            for t in m["narrowText"]]
    out += [f"table {t['head']!r} not in a scroll box" for t in m["tables"] if not t["scrolls"]]
    out += [f"figure {f['src']}: smallest text {f['minPx']:.1f} px on screen (font {f['minFont']:g} × {f['scale']:.2f})"
            for f in m["figures"] if f["texts"] and f["minPx"] < min_px - 1e-6]
    out += [f"figure {f['src']} has no caption" for f in m["figures"] if not f["caption"]]
    return out
