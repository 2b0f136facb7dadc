"""The explanatory pages in a real browser: the docs site of a sample report with hostile text
(tests/support.py), served on 127.0.0.1: no request leaves the origin, no dialog opens, sortable
tables sort, and search shows the hostile text as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import build_sample_docs


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory) -> Path:
    return build_sample_docs(tmp_path_factory.mktemp("docs-site"))


@pytest.mark.browser
@pytest.mark.slow
def test_browser_loads_only_own_origin(docs_site, browser):
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(docs_site))
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


@pytest.fixture(scope="module")
def many_issues_site(tmp_path_factory) -> Path:
    """The docs of a report with 3,000 missing files, 250 repaired captions and a hostile item."""
    from builder.render.pages import report_pages
    from support import CONTENT, write_docs

    issues = [{"id": f"gone{i}", "source": f"m.jsonl:{i + 1}", "action": "skipped",
               "reason": f"missing file 'images/gone-{i:05d}.png'"} for i in range(3000)]
    issues += [{"id": f"cap{i}", "source": f"m.jsonl:{3001 + i}", "action": "repaired",
                "reason": f"caption {i % 3} is empty or whitespace; dropped"} for i in range(250)]
    issues.append({"id": "<img src=x onerror=alert(1)>", "source": "x.png", "action": "skipped",
                   "reason": "not an image file"})
    out = tmp_path_factory.mktemp("issues-site")
    write_docs(out, CONTENT, report_pages({"issues": issues, "stages": [{"name": "collect", "seconds": 1.0}]}),
               title="t")
    return out


@pytest.mark.browser
def test_build_report_groups_issues_and_collapses_their_items(many_issues_site, browser):
    from builder.render.preview_server import serve_site

    with serve_site(many_issues_site, prefix="/repo/") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url + "build-report.html", wait_until="networkidle")
        kinds = page.locator("article table", has_text="Kind of issue").first.locator("tbody tr")
        assert kinds.count() == 3
        assert kinds.nth(0).locator("td").all_inner_texts()[:2] == ["skipped: missing file …", "3,000"]
        assert kinds.nth(1).locator("td").all_inner_texts()[:2] == ["repaired: caption N is empty or whitespace; dropped",
                                                                     "250"]
        lists = page.locator("details.note")
        assert lists.count() == 3
        first = lists.nth(0)
        assert first.get_attribute("open") is None and not first.locator("table").is_visible()
        assert "(3,000 items)" in first.locator("summary").inner_text()
        first.locator("summary").click()
        assert first.locator("table").is_visible() and first.locator("tbody tr").count() == 200
        assert first.locator("tbody tr").first.locator("td").all_inner_texts()[0] == "gone0"
        hostile = lists.nth(2)
        hostile.locator("summary").click()
        assert hostile.locator("td code").first.inner_text() == "<img src=x onerror=alert(1)>"
        assert hostile.locator("img").count() == 0
        href = page.locator("article a", has_text="build-issues.csv").first.get_attribute("href")
        csv_text = page.request.get(url + href).text()
        assert csv_text.count("\n") == 3252  # the header and every issue
        page.close()
    assert dialogs == []
