"""Every page of a demo build with every analysis (saliency, neurons, topology, robustness), read
as on a desktop (1280 × 800) and on a phone (390 × 844): the page never scrolls sideways, no
text is laid out a few letters per line, tables scroll inside their own box, every SVG figure's
text is at least 10 px on screen and every figure has a caption. The SVG files themselves are
checked too (axis titles, bars from zero, legible at a phone's width)."""

from __future__ import annotations

import pytest

from builder import config
from builder.pipeline import build
from builder.render.preview_server import serve_site
from figure_checks import svg_problems
from layout_checks import measure, problems

pytestmark = pytest.mark.slow

SIZE = 300
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
ANALYSIS_PAGES = {"saliency/index.html", "saliency/method.html", "neurons/index.html", "neurons/method.html",
                  "topology/index.html", "topology/diagrams.html", "topology/perturbations.html",
                  "topology/geometry.html", "robustness/index.html", "robustness/activations.html"}


@pytest.fixture(scope="module")
def full_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("full-site")
    cfg = config.load(None, dataset__size=SIZE, cache_dir=str(root / "cache"), saliency__enabled=True,
                      neurons__enabled=True, neurons__units="0:2", neurons__steps=16, topology__enabled=True,
                      robustness__enabled=True)
    build(cfg, root / "site", progress=False, log=lambda m: None)
    site = root / "site"
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if p.relative_to(site).parts[0] not in ("assets", "data", "search"))
    with serve_site(site, prefix="/repo/") as url:
        yield {"root": site, "url": url, "pages": pages}


def test_every_svg_figure_reads_well(full_site):
    svgs = sorted(p for p in full_site["root"].rglob("*.svg") if "assets" not in p.parts)
    assert len(svgs) >= 25, svgs  # topology, robustness and the saliency method page all have figures
    found = [q for p in svgs for q in svg_problems(p.read_bytes(), p.relative_to(full_site["root"]).as_posix())]
    assert found == []


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_every_page_reads_well(browser, full_site, viewport):
    assert ANALYSIS_PAGES <= set(full_site["pages"]) and "index.html" in full_site["pages"]
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    pg = context.new_page()
    errors, found, figures, tables = [], {}, 0, 0
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for path in full_site["pages"]:
            pg.goto(full_site["url"] + path, wait_until="load")
            if path == "saliency/index.html":
                pg.wait_for_selector(".sal-row:not(.sal-head)", timeout=15_000)
            if path == "neurons/index.html":
                pg.wait_for_selector(".neuron-cell img", timeout=15_000)
            m = measure(pg)
            figures += len(m["figures"])
            tables += len(m["tables"])
            if problems(m):
                found[path] = problems(m)
    finally:
        context.close()
    assert found == {}
    assert figures >= 25 and tables >= 20  # the checks saw the figures and tables they check
    assert errors == []
