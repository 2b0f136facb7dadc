"""Atomic output: build into a staging folder beside the target, swap it in only on success.

A failed or interrupted build leaves the previous site untouched (and at worst a stale staging
folder, which the next build removes).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

MARKER = "build-report.json"


from builder.errors import OutputError  # noqa: E402,F401 (re-exported)


def check_replaceable(out: Path) -> None:
    """Raise OutputError unless `out` is missing, empty, or a site this builder made."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {str(out)!r} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputError(f"output folder {str(out)!r} is not empty and was not made by CLIP Atlas "
                          f"(no {MARKER}); choose another --out or empty it")


@contextlib.contextmanager
def staging_folder(out: Path):
    """Yield an empty staging folder; on normal exit it replaces `out` (old site removed)."""
    out = Path(out).absolute()
    check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)
