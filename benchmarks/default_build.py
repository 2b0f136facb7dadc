"""Time the default build: `python -m builder build` with no options (the demo world, the demo
model, every analysis), cold and then as a no-op rebuild.

    python benchmarks/default_build.py [--demo-size N] [--work DIR] [--keep]

Runs the command twice in a fresh folder (its own --cache-dir and --out, so nothing is reused from
an earlier build): first cold, then again unchanged. Prints every stage's seconds (from each
run's build-report.json) for both runs, the wall-clock total of each process (imports included),
the ratio no-op / cold, and the load average before and after: on a shared machine the times are
pessimistic by about the load. The targets on 2 CPU cores: cold at most 300 s, no-op at most 15 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLD_TARGET, NOOP_TARGET = 300.0, 15.0


def run_build(work: Path, extra: list[str]) -> tuple[float, dict]:
    """One `python -m builder build` into work/site with cache work/cache -> (wall seconds, report)."""
    cmd = [sys.executable, "-m", "builder", "build", "--out", str(work / "site"), "--cache-dir", str(work / "cache"),
           "--no-progress", *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"build failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, json.loads((work / "site" / "build-report.json").read_text(encoding="utf-8"))


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--demo-size", type=int, default=None, help="demo world size (default: the build's, 5000)")
    ap.add_argument("--work", type=Path, default=None, help="folder for the cache and the site (default: a temp folder)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    a = ap.parse_args()
    if a.work is not None:
        a.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="atlas-default-build-", dir=a.work))
    extra = ["--demo-size", str(a.demo_size)] if a.demo_size else []
    print(f"cpus {os.cpu_count()}, load before {load()}, work {work}")
    try:
        cold_wall, cold = run_build(work, extra)
        print(f"load after the cold build {load()}")
        noop_wall, noop = run_build(work, extra)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load after the no-op build {load()}\n")
    noop_stages = {s["name"]: s for s in noop["stages"]}
    print(f"{'stage':16s} {'cold s':>9s} {'no-op s':>9s}  no-op from cache")
    for s in cold["stages"]:
        n = noop_stages.get(s["name"], {})
        print(f"{s['name']:16s} {s['seconds']:9.2f} {n.get('seconds', float('nan')):9.2f}  {n.get('cached', '')}")
    c = cold["dataset"]["counts"]
    print(f"\n{c['used']} images, {c['captions']} captions; analyses: "
          f"{', '.join(k for k in ('saliency', 'neurons', 'topology', 'robustness') if k in cold['metrics']) or 'none'}")
    print(f"{'total (build)':16s} {cold['seconds_total']:9.2f} {noop['seconds_total']:9.2f}")
    print(f"{'total (process)':16s} {cold_wall:9.2f} {noop_wall:9.2f}   targets {COLD_TARGET:.0f} / {NOOP_TARGET:.0f}")
    print(f"no-op / cold     {noop_wall / cold_wall:.3f}")


if __name__ == "__main__":
    main()
