"""Shared fixtures: small real datasets written to tmp folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS, browser_unavailable
from sample_data import write_colour_dataset


@pytest.fixture
def colour_manifest(tmp_path) -> Path:
    return write_colour_dataset(tmp_path / "ds")


# One Chromium for the whole session: Playwright allows one sync instance per process.
@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        browser_unavailable(f"no Chromium at {CHROMIUM} (set ATLAS_CHROMIUM)")
    try:
        import playwright.sync_api as sync_api
    except ImportError:
        browser_unavailable("the playwright Python package is not installed")
    pw = sync_api.sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()
    pw.stop()


