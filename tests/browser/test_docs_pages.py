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
