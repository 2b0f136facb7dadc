"""One clock for timed work: named stages for the build report, laps inside a stage.

    clock = StageClock(log=print)
    with clock.stage("knn") as entry:      # logs "[knn] ..." and "[knn] 1.23s"
        entry["cached"] = True             # a stage may annotate its entry
    clock.stages                           # [{"name": "knn", "seconds": 1.23, "cached": True}]
    clock.lap("diagrams")                  # adds the seconds since the previous lap to clock.laps
"""

from __future__ import annotations

import contextlib
import time


class StageClock:
    def __init__(self, log=None):
        self.log = log
        self.stages: list[dict] = []
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    @contextlib.contextmanager
    def stage(self, name: str):
        entry = {"name": name, "seconds": 0.0, "cached": False}
        start = time.perf_counter()
        self._say(f"[{name}] ...")
        try:
            yield entry
        finally:
            entry["seconds"] = round(time.perf_counter() - start, 3)
            self.stages.append(entry)
            self._say(f"[{name}] {entry['seconds']:.2f}s{' (cached)' if entry['cached'] else ''}")

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now

    def _say(self, message: str) -> None:
        if self.log is not None:
            self.log(message)
