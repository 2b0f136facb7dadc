"""Browser-test fixtures: a small synthetic site, served on 127.0.0.1 under /repo/ (like GitHub
Pages), and Chromium driven by Playwright through SwiftShader (WebGL without a GPU).

Every test that drives Chromium lives under tests/browser/ and shares the one session-wide
`browser` here. Never downloads a browser: tests are skipped when /usr/bin/chromium (or
$ATLAS_CHROMIUM) or the Python playwright package is missing, and when the explorer cannot be
bundled (run `make setup`); with ATLAS_REQUIRE_BROWSER=1 (CI) each of those is a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from builder.render.preview_server import serve_site

CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# CI sets ATLAS_REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
REQUIRED = os.environ.get("ATLAS_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str):
    (pytest.fail if REQUIRED else pytest.skip)(reason)

SITE_POINTS = 2000
VIEWPORT = {"width": 1280, "height": 800}


def _make_site(root: Path, n: int, **kw) -> dict:
    from builder.render.site import BundleError
    from synthetic_site import make_synthetic_site

    try:
        return make_synthetic_site(root, n, **kw)
    except BundleError as exc:
        _unavailable(f"explorer not bundled: {exc}")


# One Chromium for the whole session: Playwright allows one sync instance per process.
@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (set ATLAS_CHROMIUM)")
    try:
        import playwright.sync_api as sync_api
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    pw = sync_api.sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> dict:
    """A 2,000-point synthetic site; adds "captions" (list of str) for expected texts."""
    info = _make_site(tmp_path_factory.mktemp("site"), SITE_POINTS, k=30, seed=1)
    data = info["root"] / "data" / info["dataset"]
    blob = (data / "captions.txt").read_bytes()
    offsets = np.fromfile(data / "caption_offsets.bin", dtype="<u4")
    info["captions"] = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])]
    info["caption_image"] = np.fromfile(data / "caption_image.bin", dtype="<u4")
    return info


@pytest.fixture(scope="session")
def base_url(site) -> str:
    with serve_site(site["root"], prefix="/repo/") as url:
        yield url


@pytest.fixture(scope="session")
def bad_schema_url(tmp_path_factory) -> str:
    """A site whose manifest says schema_version 999."""
    info = _make_site(tmp_path_factory.mktemp("badschema"), 60, k=5, thumbs=False)
    path = info["root"] / "data" / info["dataset"] / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["schema_version"] = 999
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with serve_site(info["root"], prefix="/repo/") as url:
        yield url


@pytest.fixture
def page(browser):
    """A fresh page that records console errors, page errors and every request URL."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.errors = []
    pg.requests = []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    yield pg
    context.close()
