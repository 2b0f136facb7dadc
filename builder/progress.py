"""Progress bars: one place decides whether they are drawn.

A bar is drawn only when it is wanted (not `--no-progress`) and standard error is a terminal:
redirected to a file or a CI log, tqdm's redraws would pile up line after line.
"""

from __future__ import annotations

import sys


def bars_wanted(progress: bool = True) -> bool:
    return bool(progress) and sys.stderr.isatty()


def progress_bar(iterable=None, *, total: int | None = None, desc: str = "", unit: str = "it",
                 progress: bool = True):
    """A tqdm bar (usable as a context manager and an iterator), drawn only when bars_wanted()."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=not bars_wanted(progress), leave=False,
                dynamic_ncols=True)
