"""Shared fixtures over tests/support.py (one copy of each helper): tiny random models, a small
real dataset, one torch thread. Browser fixtures live in tests/browser/conftest.py."""

from __future__ import annotations

import contextlib
import io
import signal
from pathlib import Path

import pytest

from support import threads, tiny_model, tiny_resnet_with_live_blocks, write_colour_dataset

# A test run started in the background (`make test &`, nohup) inherits SIGINT ignored, and so would
# every build and server it starts: the tests that press Ctrl-C need it delivered as a terminal does.
# A Python handler here is reset to the default in each child at exec.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def colour_manifest(tmp_path) -> Path:
    return write_colour_dataset(tmp_path / "ds")


@pytest.fixture(scope="module")
def tiny_vit():
    """tiny-vit with random weights (seed 0), fresh for each test module."""
    with contextlib.redirect_stderr(io.StringIO()):
        return tiny_model("tiny-vit")


@pytest.fixture(scope="module")
def tiny_rn():
    """tiny-rn (64 px ModifiedResNet) with random weights whose bottlenecks are not all skip."""
    return tiny_resnet_with_live_blocks()


@pytest.fixture(scope="module")
def one_thread():
    """Tiny models run fastest on one thread; on a shared, loaded CPU two threads can be 20x slower."""
    with threads(1):
        yield
