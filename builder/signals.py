"""Stopping a build on request: Ctrl-C (SIGINT) and SIGTERM take the same path.

Python turns SIGINT into KeyboardInterrupt; `sigterm_as_interrupt` makes SIGTERM raise
`Interrupted` (a KeyboardInterrupt) too, so every `finally` and cleanup runs (staging and
scratch folders removed, the previous site kept, DataLoader workers stopped). Code that can say
what was kept re-raises `Interrupted` with that message (e.g. the images embedded so far); the
command line prints it as one line and exits with 128 + the signal's number (130 or 143).
"""

from __future__ import annotations

import contextlib
import signal
import threading


class Interrupted(KeyboardInterrupt):
    """The build was stopped by a signal; the message says what was kept."""

    def __init__(self, message: str = "", signum: int = signal.SIGINT) -> None:
        super().__init__(message)
        self.signum = signum


def reraise(exc: KeyboardInterrupt, message: str) -> Interrupted:
    """`exc` (from either signal) as an Interrupted with `message`, keeping its signal."""
    return Interrupted(message, getattr(exc, "signum", signal.SIGINT))


def _raise(signum, frame):
    raise Interrupted("", signum)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Inside: SIGTERM raises Interrupted in the main thread, as Ctrl-C raises KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
