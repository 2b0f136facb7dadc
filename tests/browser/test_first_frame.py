"""The explorer's first frame (#18): the global view is read in a worker while the main thread
creates the WebGL context; without that worker the page still loads; a set bigger than the
motion budget draws its uniform sample first and every point right after."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import pytest

from builder.render.preview_server import serve_site
from conftest import _make_site
from explorer_helpers import open_explorer, open_explorer_patiently

MOTION_BUDGET = 100_000  # gl/lod.js


def test_the_global_view_is_read_in_a_worker_of_the_pages_version(page, base_url, site):
    open_explorer(page, base_url, text=False)
    paths = [urlsplit(u) for u in page.requests]
    app = [u for u in paths if u.path.endswith("/explorer/app.js")]
    worker = [u for u in paths if u.path.endswith("/explorer/load-worker.js")]
    assert app and worker, page.requests
    assert worker[0].query == app[0].query and worker[0].query.startswith("v="), (worker[0], app[0])
    assert page.evaluate("window.__atlas.firstFrameDrawn") == site["counts"]["N"]
    assert not page.errors, page.errors


def test_without_its_worker_script_the_explorer_still_loads(page, site, tmp_path):
    root = tmp_path / "site"
    shutil.copytree(site["root"], root)
    (root / "explorer" / "load-worker.js").unlink()
    with serve_site(root, prefix="/repo/") as url:
        open_explorer(page, url, text=False)
        assert page.evaluate("window.__atlas.pointCount") == site["counts"]["N"]
        assert page.evaluate("window.__atlas.scene.stats.drawn") == site["counts"]["N"]


@pytest.fixture(scope="module")
def big_url(tmp_path_factory):
    info = _make_site(tmp_path_factory.mktemp("big"), MOTION_BUDGET + 20_000, k=5, thumbs=False)
    with serve_site(info["root"], prefix="/repo/") as url:
        yield url, info["counts"]["N"]


def test_a_big_set_draws_its_uniform_sample_first_then_every_point(page, big_url):
    url, n = big_url
    open_explorer_patiently(page, url, text=False)
    assert page.evaluate("window.__atlas.firstFrameDrawn") == MOTION_BUDGET
    page.wait_for_function("window.__atlas.marks.allDrawn > 0")
    marks = page.evaluate("window.__atlas.marks")
    assert marks["allDrawn"] >= marks["frame"], marks
    assert page.evaluate("window.__atlas.scene.stats.drawn") == n
