"""Time of the embedding part of the topology stage for N synthetic points, and its method choices.

    python benchmarks/topology_stage.py [--images 5000] [--captions 2] [--dim 256] [--categories 8]
                                        [--max-points 256] [--exact-max-points 300]

Synthetic data shaped like CLIP embeddings: unit vectors in `dim` dimensions, a shared mean
direction (the "cone"), one offset per category, captions offset from their images (a modality
gap). Runs `builder.analyses.topology.analysis.embedding_topology` (modality gap, diagrams per category and
over all points, distances between categories, subspace angles, cross-modal similarity) with the
config's defaults unless overridden, and prints the time of each part and which distance method
(exact or sliced) each table got. The re-embedding of blurred / noisy images is not included: its
cost is the model's forward time (perturb_per_category x categories x levels images).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout, uninstalled
from builder.analyses.topology.analysis import embedding_topology, single_threaded_blas  # noqa: E402
from builder.analyses.topology.config import TopologyConfig  # noqa: E402


def synthetic(n_images: int, per_image: int, dim: int, n_cat: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    unit = lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)  # noqa: E731
    cone = unit(rng.normal(size=dim))
    cats = unit(rng.normal(size=(n_cat, dim)))
    gap = unit(rng.normal(size=dim))
    labels = rng.integers(0, n_cat, n_images)
    img = unit(2.0 * cone + 1.0 * cats[labels] + 0.6 * unit(rng.normal(size=(n_images, dim))))
    cap_img = np.repeat(np.arange(n_images), per_image)
    txt = unit(img[cap_img] + 0.8 * gap + 0.5 * unit(rng.normal(size=(len(cap_img), dim))))
    return img.astype(np.float32), txt.astype(np.float32), cap_img, labels


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--captions", type=int, default=2, help="captions per image")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--categories", type=int, default=8)
    ap.add_argument("--max-points", type=int, default=TopologyConfig.max_points)
    ap.add_argument("--exact-max-points", type=int, default=TopologyConfig.exact_max_points)
    ap.add_argument("--threads", type=int, default=2, help="torch/BLAS threads (the build machine has 2 cores)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg = dataclasses.replace(TopologyConfig(enabled=True), max_points=a.max_points,
                              exact_max_points=a.exact_max_points)
    img, txt, cap_img, labels = synthetic(a.images, a.captions, a.dim, a.categories)
    names = [f"category {i}" for i in range(a.categories)]
    timings: dict[str, float] = {}
    last = [time.perf_counter()]

    def lap(name):
        now = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + now - last[0]
        last[0] = now

    start = time.perf_counter()
    with single_threaded_blas():  # as the analysis runs it
        r = embedding_topology(img, txt, cap_img, labels, names, cfg, "synthetic", "", lambda s: None, lap)
    total = time.perf_counter() - start
    print(f"{a.images:,} images + {len(txt):,} captions, {a.dim}-D, {a.categories} categories; "
          f"max_points={cfg.max_points}, exact_max_points={cfg.exact_max_points}")
    for k, v in timings.items():
        print(f"  {k:<14} {v:7.2f} s")
    print(f"  {'total':<14} {total:7.2f} s")
    d = r["diagrams"]
    sizes = [len(x[k]) for m in ("images", "captions") for x in d[m] for k in ("h0", "h1")]
    print(f"diagram sizes (finite points): {min(sizes)}..{max(sizes)}")
    for m in ("images", "captions"):
        for dim in ("h0", "h1"):
            print(f"  {m:<8} {dim}: {r['distances'][m][dim]['method']}")
    a_img = r["angles"]["images"]
    between = np.asarray(a_img["mean"])[~np.eye(a.categories, dtype=bool)].mean()
    print(f"subspace k={a_img['dim']}: between {between:.1f} deg, within {np.mean(a_img['within']):.1f} deg, "
          f"random {a_img['random']:.1f} deg; modality gap {r['gap']['centroid_distance']:.3f} "
          f"(share {r['gap']['gap_share']:.1%})")


if __name__ == "__main__":
    main()
