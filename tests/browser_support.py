"""Where Chromium is and how to launch it, shared by every browser test. Never downloads one."""

from __future__ import annotations

import os

import pytest

CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# CI sets ATLAS_REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
REQUIRED = os.environ.get("ATLAS_REQUIRE_BROWSER") == "1"


def browser_unavailable(reason: str):
    (pytest.fail if REQUIRED else pytest.skip)(reason)
