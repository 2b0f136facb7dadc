"""How the build grows with N (#17): cold builds of the demo world at several sizes, and a build
from synthetic precomputed embeddings (clip-retrieval layout, 512-D) through the no-model path.

    python benchmarks/scale_build.py --sizes 5000,20000 [--byo 1000000] [--work DIR] [--analyses none]

Each build runs in its own process with its own --cache-dir (cold) and --out; the script prints
every stage's seconds (from build-report.json), the wall total, the peak RSS of that build's
process tree (getrusage RUSAGE_CHILDREN of a fresh intermediate process), the site's bytes per
point, its largest file, and, over the sizes, a growth exponent per stage: the slope of
log(seconds) against log(points) fitted by least squares (1 = linear, 2 = quadratic). The load
average before and after each build is printed: on a shared machine times are pessimistic by
about the load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def measured(cmd: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """Run `cmd` in a fresh intermediate Python -> (wall s, peak RSS GB of its children, rc, stderr tail)."""
    probe = ("import resource, subprocess, sys, time, json; t = time.perf_counter(); "
             "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
             "p.returncode, p.stderr[-3000:]]))")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], cwd=cwd, env=ENV, capture_output=True, text=True)
    wall, rss_kb, rc, err = json.loads(out.stdout.strip().splitlines()[-1])
    return wall, rss_kb / 1024 ** 2, rc, err


def site_figures(site: Path, points: int) -> dict:
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    big = max(files, key=lambda p: p.stat().st_size)
    return {"site_bytes": total, "bytes_per_point": round(total / max(points, 1), 1),
            "largest_file": f"{big.relative_to(site)} ({big.stat().st_size / 1e6:.1f} MB)"}


def one_build(work: Path, extra: list[str], label: str) -> dict:
    cmd = [sys.executable, "-m", "builder", "build", "--out", str(work / "site"), "--cache-dir", str(work / "cache"),
           "--no-progress", *extra]
    load0 = os.getloadavg()[0]
    wall, rss, rc, err = measured(cmd, work)
    load1 = os.getloadavg()[0]
    if rc != 0:
        print(f"{label}: build failed ({rc}):\n{err}", flush=True)
        return {}
    report = json.loads((work / "site" / "build-report.json").read_text(encoding="utf-8"))
    c = report["dataset"]["counts"]
    points = c["used"] + c.get("captions", 0)
    stages = {}
    for s in report["stages"]:
        stages[s["name"]] = stages.get(s["name"], 0.0) + s["seconds"]
    row = {"label": label, "points": points, "wall": round(wall, 1), "total": report["seconds_total"],
           "peak_rss_gb": round(rss, 2), "load": (round(load0, 1), round(load1, 1)), "stages": stages,
           **site_figures(work / "site", points), "metrics": {k: report["metrics"].get(k) for k in (
               "duplicates", "knn", "umap", "umap_trustworthiness", "retrieval_queries")}}
    print(json.dumps(row, indent=1, default=str), flush=True)
    return row


def synthetic_clip_retrieval(root: Path, n: int, d: int = 512, part: int = 250_000, seed: int = 0) -> Path:
    """n unit vectors around 1,000 topics in clip-retrieval's layout (img_emb/img_emb_<i>.npy), no
    images and no captions (pure embeddings)."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(1000, d)).astype(np.float32)
    (root / "img_emb").mkdir(parents=True, exist_ok=True)
    for p, s in enumerate(range(0, n, part)):
        m = min(part, n - s)
        x = topics[rng.integers(0, 1000, m)] + 0.5 * rng.normal(size=(m, d)).astype(np.float32)
        np.save(root / "img_emb" / f"img_emb_{p}.npy", x / np.linalg.norm(x, axis=1, keepdims=True))
    return root


def exponents(rows: list[dict]) -> dict[str, float]:
    """Per stage (and total): slope of log seconds vs log points over the builds."""
    rows = [r for r in rows if r]
    if len(rows) < 2:
        return {}
    n = np.log([r["points"] for r in rows])
    out = {}
    for name in list(rows[0]["stages"]) + ["total"]:
        t = [r["total"] if name == "total" else r["stages"].get(name, 0.0) for r in rows]
        if all(v > 0.05 for v in t):
            out[name] = round(float(np.polyfit(n, np.log(t), 1)[0]), 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="5000,20000", help="demo world sizes (images), comma-separated; '' for none")
    ap.add_argument("--byo", type=int, default=0, help="points of the synthetic precomputed-embedding build (0 = none)")
    ap.add_argument("--work", default="", help="working folder (default: a temporary one)")
    ap.add_argument("--analyses", default="none", help="--analyses of the demo builds (default: none)")
    ap.add_argument("--extra", default="", help="more build options, space-separated")
    a = ap.parse_args()
    work = Path(a.work or tempfile.mkdtemp(prefix="scale-build-")).absolute()
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder {work}; cores {os.cpu_count()}; load {os.getloadavg()}", flush=True)
    rows = []
    for size in [int(s) for s in a.sizes.split(",") if s.strip()]:
        w = work / f"demo-{size}"
        w.mkdir(exist_ok=True)
        rows.append(one_build(w, ["--demo-size", str(size), "--analyses", a.analyses, *a.extra.split()], f"demo {size}"))
    if len(rows) > 1:
        print("growth exponents (log seconds / log points):", json.dumps(exponents(rows)), flush=True)
    if a.byo:
        w = work / f"byo-{a.byo}"
        w.mkdir(exist_ok=True)
        t = time.perf_counter()
        data = synthetic_clip_retrieval(w / "data", a.byo)
        print(f"wrote {a.byo:,} synthetic 512-D embeddings in {time.perf_counter() - t:.1f}s", flush=True)
        one_build(w, ["--dataset", "embeddings", "--data", str(data), *a.extra.split()], f"byo {a.byo}")


if __name__ == "__main__":
    main()
