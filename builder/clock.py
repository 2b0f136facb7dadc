"""One clock for timed work: named stages for the build report, laps inside a stage.

    clock = StageClock(log=print)
    with clock.stage("knn") as entry:      # logs "[knn] ..." and "[knn] 1.23s (cached)"
        entry["cached"] = True             # a stage may annotate its entry; its "note" (e.g.
                                           # "embedded 5 of 84 images (79 from cache)") is logged
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
            note = entry.get("note") or ("cached" if entry["cached"] else "")
            self._say(f"[{name}] {entry['seconds']:.2f}s{f' ({note})' if note else ''}")

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now

    def _say(self, message: str) -> None:
        if self.log is not None:
            self.log(message)


def reuse_note(noun: str, computed: int, total: int) -> str:
    """What a stage that computes only what the cache lacks did: "embedded 5 of 84 images (79
    from cache)", "all 84 images from cache", "embedded all 84 images" ('' when there were none)."""
    if total <= 0:
        return ""
    if computed <= 0:
        return f"all {total:,} {noun} from cache"
    if computed >= total:
        return f"embedded all {total:,} {noun}"
    return f"embedded {computed:,} of {total:,} {noun} ({total - computed:,} from cache)"
