"""Shared fixtures: small real datasets written to tmp folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from sample_data import write_colour_dataset


@pytest.fixture
def colour_manifest(tmp_path) -> Path:
    return write_colour_dataset(tmp_path / "ds")
