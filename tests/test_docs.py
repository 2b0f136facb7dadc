"""The explanatory pages: generated markdown, the MkDocs build, escaping, no external requests."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import markdown
import pytest

from builder.render import pages
from builder.render.docs import FIXED_NAV, MARKDOWN_EXTENSIONS, DocsBuildError, default_nav
from support import write_docs
from builder.render.markdown import md_code, md_text
from builder.render.pages import report_pages
from support import CONTENT, build_sample_docs, sample_report
from support import REPORT_HOSTILE as HOSTILE


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_sample_docs(tmp_path_factory.mktemp("site"))


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
                "saliency/prefixes.html", "your-own.html"]  # a content page after the generated sections
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
    write_docs(tmp_path, CONTENT, report_pages({}), title="Atlas")
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
        write_docs(out, CONTENT, {"extra.md": "# Extra\n\n[x](nowhere.md)\n"}, title="t")
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("path", ["../escape.md", "/abs.md", "a/../../b.md", "", ".hidden.md"])
def test_generated_paths_must_stay_inside(tmp_path, path):
    with pytest.raises(DocsBuildError, match="relative path"):
        write_docs(tmp_path, CONTENT, {path: "# x\n"}, title="t")


def test_generated_may_not_shadow_content(tmp_path):
    with pytest.raises(DocsBuildError, match="would replace"):
        write_docs(tmp_path, CONTENT, {"index.md": "# Other home\n"}, title="t")


def test_without_content_dir_needs_a_home(tmp_path):
    with pytest.raises(DocsBuildError, match="home page"):
        write_docs(tmp_path / "o", tmp_path / "missing", {"a.md": "# A\n"}, title="t")
    write_docs(tmp_path / "o", tmp_path / "missing", {"index.md": "# Home\n"}, title="t")
    assert (tmp_path / "o" / "index.html").is_file()


def test_build_is_quiet(tmp_path, capfd):
    write_docs(tmp_path, CONTENT, report_pages(sample_report()), title="t")
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
