"""The explanatory pages: generated markdown, the MkDocs build, escaping, no external requests."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import markdown
import pytest

from builder.render import pages
from builder.render.docs import FIXED_NAV, MARKDOWN_EXTENSIONS, SITE_SCRIPTS, DocsBuildError, build_docs, default_nav
from builder.render.pages import md_code, md_text, report_pages
from builder.render.site import page_assets

CONTENT = Path(__file__).resolve().parents[1] / "content"

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '{: onclick="alert(1)"}',
    "[click](javascript:alert(1))",
    "<https://evil.example/x.js>",
    "a | b || c",
    "`code` **bold** _em_ ~~del~~ # not a heading",
    "&lt;already escaped&gt; &amp; &#60;",
    "back\\slash \\<b\\>",
    "line one\nline two\n\n# heading\n- item",
    "<!-- comment --> <![CDATA[x]]> <?php ?>",
    "' \" > <",
]
SCRIPT = HOSTILE[0]
IMG = HOSTILE[1]


def sample_report() -> dict:
    h = " ".join(HOSTILE[:2])
    return {
        "schema_version": 1,
        "config": {
            "dataset": {"kind": "manifest", "path": "/data/" + h, "name": "web", "limit": 0, "seed": 0,
                        "size": 500},
            "model": {"name": "ViT-B-32/openai", "arch": "", "pretrained": "", "checkpoint": h},
            "embed": {"batch_size": 64, "workers": 2, "device": "auto"},
            "projection": {"n_neighbors": 15, "min_dist": 0.1, "seed": 0},
            "local": {"k": 30, "rows_per_shard": 256},
            "cluster": {"n_clusters": 12, "seed": 0},
            "site": {"title": "CLIP Atlas", "thumb_size": 64},
            "strict": False,
        },
        "model": {"name": "ViT-B-32/openai", "arch": "ViT-B-32-quickgelu", "weights_source": "openai",
                  "embed_dim": 512, "image_size": 224, "params": 151_277_313},
        "dataset": {
            "name": "web " + h,
            "description": h,
            "counts": {"read": 510, "used": 500, "skipped": 10, "repaired": 3, "captions": 2500},
            "labels": {"shape": {"circle": 200, "square": 150, IMG: 150}, SCRIPT: {"a": 3, "b": 1}},
        },
        "stages": [{"name": "embed", "seconds": 12.3, "cached": False},
                   {"name": SCRIPT, "seconds": 0.4, "cached": True}],
        "issues": [{"id": s, "source": "/data/" + s, "action": "skipped", "reason": s} for s in HOSTILE],
        "metrics": {
            "retrieval": {"i2t@1": 0.41, "i2t@5": 0.7, "i2t@10": 0.8, "t2i@1": 0.3, "t2i@5": 0.6,
                          "t2i@10": 0.72},
            "zero_shot": {"shape": {"accuracy": 0.93, "classes": 8, "rule": "mean"},
                          SCRIPT: {"accuracy": 0.5, "classes": 2, "rule": "mean"}},
            "umap_trustworthiness": {"value": 0.951, "k": 15, "sample": 3000},
            "modality_gap": {"centroid_distance": 0.81, IMG: 1},
        },
        "published": {"i2t@1": 0.5, "source": "CLIP paper " + IMG},
    }


EXTRA = {
    "saliency/index.md": "# Saliency\n\nWhere a prompt looks.\n",
    "saliency/prefixes.md": "# Prompt prefixes\n\nBack to [saliency](index.md).\n",
    "neurons/index.md": "# Neurons\n\nGalleries.\n",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    (out / "explorer").mkdir()
    (out / "explorer" / "index.html").write_text("<!doctype html><title>explorer stub</title>")
    generated = {**report_pages(sample_report()), **EXTRA, **page_assets(SITE_SCRIPTS)}  # as write_site does
    build_docs(out, CONTENT, generated, title="CLIP Atlas <b>&</b>")
    return out


# -- HTML scanning helpers ------------------------------------------------------------------------

class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(path: Path) -> _Tags:
    p = _Tags()
    p.feed(path.read_text("utf-8"))
    return p


# Attributes through which a browser fetches something by itself (not on a click).
FETCH_ATTRS = {"src", "srcset", "poster", "data", "background", "action", "formaction"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def fetched_urls(root: Path) -> list[tuple[str, str]]:
    """(file, url) for every URL a browser would load on its own from the built HTML and CSS."""
    found = []
    for html_file in root.rglob("*.html"):
        doc = parse(html_file)
        for tag, attrs in doc.tags:
            for name, value in attrs.items():
                if value is None:
                    continue
                if name in FETCH_ATTRS or (name == "href" and tag in {"link", "base", "use", "image"}):
                    for part in value.split(","):  # srcset lists
                        if part.strip():
                            found.append((str(html_file), part.strip().split()[0]))
                if name == "style":
                    found += [(str(html_file), a or b) for a, b in CSS_URL.findall(value)]
    for css in root.rglob("*.css"):
        found += [(str(css), a or b) for a, b in CSS_URL.findall(css.read_text("utf-8"))]
    return found


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme not in ("", "data")


def nav_hrefs(html_file: Path) -> list[str]:
    """Page links of the primary navigation, in order (no in-page anchors, no duplicates)."""
    out = []
    for tag, attrs in parse(html_file).tags:
        cls = attrs.get("class") or ""
        href = attrs.get("href") or ""
        if tag == "a" and "md-nav__link" in cls.split() and href and not href.startswith("#"):
            if href not in out:
                out.append(href)
    return out


# -- the built site -------------------------------------------------------------------------------

def test_pages_exist(site):
    for name in ["index", "explorer", "reading", "method", "dataset", "metrics", "build-report"]:
        assert (site / f"{name}.html").is_file(), name
    assert (site / "saliency" / "index.html").is_file()
    assert (site / "saliency" / "prefixes.html").is_file()
    assert (site / "search" / "search_index.json").is_file()
    assert (site / "javascripts" / "tablesort.js").is_file()
    assert (site / "stylesheets" / "atlas.css").is_file()
    # The build merges into out_dir: what was there (the explorer) stays.
    assert "explorer stub" in (site / "explorer" / "index.html").read_text()
    # Written without a site_url these would hold root-absolute links / nothing.
    assert not (site / "404.html").exists() and not (site / "sitemap.xml").exists()


def test_nav_order(site):
    expected = ["index.html", "explorer.html", "reading.html", "method.html", "dataset.html",
                "metrics.html", "build-report.html", "neurons/index.html", "saliency/index.html",
                "saliency/prefixes.html"]
    assert nav_hrefs(site / "index.html") == expected
    # Same order from a page one folder down, with links relative to it.
    assert nav_hrefs(site / "saliency" / "prefixes.html") == [
        "../" + h if not h.startswith("saliency/") else h.removeprefix("saliency/") for h in expected
    ]


def test_default_nav_groups_new_sections():
    nav = default_nav(["zeta.md", "index.md", "metrics.md", "b/x.md", "b/index.md", "a/index.md",
                       "b/deep/y.md", "explorer.md"])
    assert nav == [
        {"Home": "index.md"}, {"Explorer": "explorer.md"}, {"Metrics": "metrics.md"},
        {"A": ["a/index.md"]},
        {"B": ["b/index.md", {"Deep": ["b/deep/y.md"]}, "b/x.md"]},
        "zeta.md",
    ]
    assert [next(iter(e.values())) for e in default_nav([p for _, p in FIXED_NAV])] == [
        p for _, p in FIXED_NAV]


def test_hostile_text_is_inert(site):
    for html_file in site.rglob("*.html"):
        text = html_file.read_text("utf-8")
        doc = parse(html_file)
        assert "<script>alert" not in text, html_file
        assert "<img src=x" not in text, html_file
        for tag, attrs in doc.tags:
            assert not any(k.startswith("on") for k in attrs), (html_file, tag, attrs)
            assert not (attrs.get("href") or "").lower().startswith("javascript:"), (html_file, attrs)
            assert tag != "img" or attrs.get("src") != "x", html_file
        assert not any("alert(1)" in s for s in doc.scripts), html_file
    # ...and it is still there, as visible text.
    for name in ["dataset.html", "build-report.html", "metrics.html"]:
        text = (site / name).read_text("utf-8")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, name
        assert "&lt;img src=x onerror=alert(1)&gt;" in text, name
    # The site title is escaped too (Material inserts site_name unescaped).
    assert "<b>&</b>" not in (site / "index.html").read_text("utf-8")


def test_no_external_fetches(site):
    urls = fetched_urls(site)
    assert urls, "the scan found nothing at all: the parser is broken"
    external = [(f, u) for f, u in urls if is_external(u)]
    assert not external, external
    # Relative only, so the site works under any sub-path.
    rooted = [(f, u) for f, u in urls if u.startswith("/")]
    assert not rooted, rooted
    for html_file in site.rglob("*.html"):
        for tag, attrs in parse(html_file).tags:
            href = attrs.get("href") or ""
            if tag == "a" and href.startswith("/"):
                pytest.fail(f"root-absolute link {href} in {html_file}")


def test_no_font_or_cdn_in_any_file(site):
    banned = re.compile(r"fonts\.googleapis|fonts\.gstatic|jsdelivr|cdnjs|googletagmanager|"
                        r"google-analytics|unpkg\.com")
    # Material's bundle can lazy-load two things from unpkg: a ResizeObserver polyfill (only in
    # browsers without ResizeObserver, i.e. none it supports) and mermaid (only for pages with a
    # mermaid diagram). Allow exactly those strings, and check that no page has a diagram.
    allowed = {"https://unpkg.com/resize-observer-polyfill", "https://unpkg.com/mermaid"}
    for f in list(site.rglob("*.html")) + list(site.rglob("*.css")) + list(site.rglob("*.js")):
        text = f.read_text("utf-8", errors="replace")
        for m in banned.finditer(text):
            url = re.match(r"[^\s\"'`)]*", text[max(0, m.start() - 8):]).group(0)
            assert any(a in text[m.start() - 8: m.start() + 60] for a in allowed), (f, url)
        if f.suffix == ".html":
            assert 'class="mermaid"' not in text, f
    config = (site / "index.html").read_text("utf-8")
    assert "md-source" not in config  # no repo_url: no GitHub API call for repository facts


def test_explorer_page_embeds_app_relatively(site):
    iframes = [a for t, a in parse(site / "explorer.html").tags if t == "iframe"]
    assert [a.get("src") for a in iframes] == ["explorer/index.html"]
    links = [a.get("href") for t, a in parse(site / "explorer.html").tags if t == "a"]
    assert "explorer/index.html" in links


def test_tables_get_sortable_script(site):
    doc = parse(site / "metrics.html")
    srcs = [a.get("src") for t, a in doc.tags if t == "script" and a.get("src")]
    assert "javascripts/tablesort.js" in srcs
    assert any(t == "table" for t, _ in doc.tags)


# -- escaping, unit level -------------------------------------------------------------------------

def _visible(html_text: str) -> str:
    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts, self.tags = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

        def handle_data(self, data):
            self.parts.append(data)

    p = Text()
    p.feed(html_text)
    return "".join(p.parts), p.tags


@pytest.mark.parametrize("s", HOSTILE)
def test_md_text_renders_as_the_same_text(s):
    exts = [e if isinstance(e, str) else next(iter(e)) for e in MARKDOWN_EXTENSIONS]
    out = markdown.markdown("Caption: " + md_text(s), extensions=exts)
    text, tags = _visible(out)
    assert tags == ["p"], (s, out)
    assert text == "Caption: " + " ".join(s.split())
    # In a table cell too: the cell stays one cell.
    table = markdown.markdown(f"| a | b |\n| - | - |\n| {md_text(s)} | {md_code(s)} |", extensions=exts)
    text, tags = _visible(table)
    assert tags.count("td") == 2 and "script" not in tags and "img" not in tags, table


def test_md_text_truncates_and_handles_none():
    assert md_text(None) == ""
    assert md_text("abcdef", max_len=4) == "abc…"
    assert md_text(3.5) == "3\\.5"


# -- robustness to missing or malformed report keys -----------------------------------------------

@pytest.mark.parametrize("report", [
    {},
    None,
    {"config": None, "model": 3, "dataset": [], "stages": "x", "issues": {"a": 1}, "metrics": "y"},
    {"dataset": {"counts": None, "labels": {"shape": None, "x": {"a": "many"}}},
     "metrics": {"retrieval": {"i2t@1": None}, "zero_shot": {"shape": "high"},
                 "umap_trustworthiness": float("nan")},
     "stages": [{"seconds": "slow"}, None], "issues": [None, {"id": None}],
     "published": {"i2t@1": {"value": 0.5}}},
])
def test_pages_survive_missing_keys(report):
    for fn in (pages.method_page, pages.dataset_page, pages.metrics_page, pages.build_report_page):
        text = fn(report)
        assert text.startswith("# ")


def test_build_with_empty_report(tmp_path):
    build_docs(tmp_path, CONTENT, report_pages({}), title="Atlas")
    assert (tmp_path / "metrics.html").is_file()
    assert "Not recorded in this build" in (tmp_path / "metrics.html").read_text("utf-8")


def test_issue_list_is_capped():
    report = {"issues": [{"id": f"i{n}", "source": "s", "action": "skipped", "reason": "bad"}
                         for n in range(30)]}
    text = pages.build_report_page(report, max_issues=10)
    assert "first 10 of 30" in text
    assert "i9</code>" in text and "i10</code>" not in text


# -- errors ---------------------------------------------------------------------------------------

def test_broken_link_raises_and_leaves_out_dir_alone(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    with pytest.raises(DocsBuildError, match="nowhere.md"):
        build_docs(out, CONTENT, {"extra.md": "# Extra\n\n[x](nowhere.md)\n"}, title="t")
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("path", ["../escape.md", "/abs.md", "a/../../b.md", "", ".hidden.md"])
def test_generated_paths_must_stay_inside(tmp_path, path):
    with pytest.raises(DocsBuildError, match="relative path"):
        build_docs(tmp_path, CONTENT, {path: "# x\n"}, title="t")


def test_generated_may_not_shadow_content(tmp_path):
    with pytest.raises(DocsBuildError, match="would replace"):
        build_docs(tmp_path, CONTENT, {"index.md": "# Other home\n"}, title="t")


def test_without_content_dir_needs_a_home(tmp_path):
    with pytest.raises(DocsBuildError, match="home page"):
        build_docs(tmp_path / "o", tmp_path / "missing", {"a.md": "# A\n"}, title="t")
    build_docs(tmp_path / "o", tmp_path / "missing", {"index.md": "# Home\n"}, title="t")
    assert (tmp_path / "o" / "index.html").is_file()


def test_build_is_quiet(tmp_path, capfd):
    build_docs(tmp_path, CONTENT, report_pages(sample_report()), title="t")
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


# -- in a real browser ----------------------------------------------------------------------------



@pytest.mark.browser
@pytest.mark.slow
def test_browser_loads_only_own_origin(site, browser):
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    requests, dialogs = [], []
    try:
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for name in ["index.html", "explorer.html", "reading.html", "dataset.html",
                     "build-report.html", "saliency/prefixes.html"]:
            page.goto(f"{origin}/{name}", wait_until="networkidle")
        # Sortable tables: click "Images" twice on the dataset page -> descending counts.
        page.goto(f"{origin}/dataset.html", wait_until="networkidle")
        header = page.locator("article table thead th", has_text="Images").first
        header.click()
        assert header.get_attribute("aria-sort") == "ascending"
        header.click()
        assert header.get_attribute("aria-sort") == "descending"
        counts = page.locator("article table").nth(2).locator("tbody tr td:nth-child(2)")
        values = [int(v.replace(",", "")) for v in counts.all_inner_texts()]
        assert values == sorted(values, reverse=True)
        # Search for the hostile text: results must show it as text, not run it.
        page.locator("input.md-search__input").click()
        page.locator("input.md-search__input").press_sequentially("onerror", delay=20)
        page.wait_for_selector(".md-search-result__item", timeout=10_000)
        results = page.locator(".md-search-result__list")
        assert "&lt;img src=x" in results.inner_html()
        assert results.locator("img, script").count() == 0
        page.close()
    finally:
        server.shutdown()
    assert requests and all(u.startswith(origin) for u in requests), [
        u for u in requests if not u.startswith(origin)]
    assert dialogs == []
