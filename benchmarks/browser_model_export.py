"""The browser-model stage's figures (#14): export time, file sizes (fp32 and int8, text and image
towers), onnxruntime encode p95 per query (one text, batch of one, one thread) and the query
index's recall@10, for the demo model and an open_clip ViT-B-32 with random weights.

    python benchmarks/browser_model_export.py [--models demo,ViT-B-32] [--queries 200] [--index-rows 20000]

The index figure is on synthetic clustered 512-D rows (`--index-rows`; above `--shard-rows` it is
sharded by k-means and probed, as a large site is), besides the flat int8 index.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from builder.browser_model import export
from builder.browser_model.towers import tokenizer_facts
from builder.compute import query_index as Q

TEXTS = ["a red star", "a small blue circle on grass", "a photo of a dog", "two people riding bikes",
         "a green triangle with the word stop written on it"]


def _load(name: str):
    from builder.config import load
    from builder.models.loading import load_model, random_model
    from builder.models.registry import resolve

    if name == "demo":
        cfg = load(None)
        return load_model(resolve(cfg.model, cfg.base_dir), "cpu")
    return random_model(name, seed=0)


def _p95_ms(sess, tokens: np.ndarray, n: int) -> float:
    times = []
    for i in range(n):
        row = tokens[i % len(tokens)][None]
        t0 = time.perf_counter()
        export.run(sess, row)
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.percentile(times, 95))


def tower_figures(name: str, queries: int) -> None:
    lm = _load(name)
    facts, why = tokenizer_facts(lm)
    if facts is None:
        print(f"{name}: skipped ({why})")
        return
    tokens = lm.tokenizer(TEXTS, context_length=facts["context_length"]).numpy()
    t0 = time.perf_counter()
    fp32 = export.export_text(lm.model, facts["context_length"])
    t_export = time.perf_counter() - t0
    t0 = time.perf_counter()
    int8 = export.quantise(fp32)
    t_quant = time.perf_counter() - t0
    ref = export.reference(export.TextTower(lm.model), tokens)
    print(f"{name} text tower: export {t_export:.1f}s, quantise {t_quant:.1f}s, fp32 {len(fp32) / 1e6:.1f} MB, "
          f"int8 {len(int8) / 1e6:.1f} MB")
    for label, data in (("fp32", fp32), ("int8", int8)):
        sess = export.session(data)
        cos = export.parity(ref, export.run(sess, tokens))["min_cosine"]
        print(f"  {label}: encode p95 {_p95_ms(sess, tokens, queries):.2f} ms per query (onnxruntime, 1 thread), "
              f"min cosine to torch {cos:.5f} on {len(TEXTS)} texts")
    size = tuple(lm.preprocessing.input_size)
    t0 = time.perf_counter()
    img32 = export.export_image(lm.model, size)
    t_export = time.perf_counter() - t0
    img8 = export.quantise(img32)
    print(f"{name} image tower: export {t_export:.1f}s, fp32 {len(img32) / 1e6:.1f} MB, int8 {len(img8) / 1e6:.1f} MB")


def index_figures(rows: int, dim: int, shard_rows: int, probe: int, n_queries: int) -> None:
    rng = np.random.default_rng(0)
    centres = Q.normalise(rng.standard_normal((max(10, rows // 200), dim)))
    x = Q.normalise(centres[rng.integers(0, len(centres), rows)] + 1.4 * rng.standard_normal((rows, dim)) / np.sqrt(dim))
    queries = Q.query_sample(rows, n_queries, 0)
    q, scale = Q.quantise_rows(x)
    t0 = time.perf_counter()
    flat = Q.recall_flat(x, q, scale, queries)
    print(f"index {rows} x {dim}: flat int8 recall@10 {flat:.4f} ({len(queries)} queries, {time.perf_counter() - t0:.1f}s), "
          f"{q.nbytes / 1e6:.1f} MB + scales {scale.nbytes / 1e6:.2f} MB")
    if rows > shard_rows:
        c = Q.default_clusters(rows)
        t0 = time.perf_counter()
        idx = Q.sharded(x, c, 0)
        t_km = time.perf_counter() - t0
        for p in sorted({1, probe // 2 or 1, probe}):
            r = Q.recall_sharded(x, idx, queries, p)
            print(f"  sharded: {len(idx['ids'])} clusters (k-means {t_km:.1f}s), probe {p}: recall@10 {r:.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="demo,ViT-B-32")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--index-rows", type=int, default=20000)
    ap.add_argument("--index-dim", type=int, default=512)
    ap.add_argument("--shard-rows", type=int, default=10000)
    ap.add_argument("--probe", type=int, default=8)
    ap.add_argument("--recall-queries", type=int, default=200)
    a = ap.parse_args()
    for name in [m for m in a.models.split(",") if m]:
        tower_figures(name, a.queries)
    index_figures(a.index_rows, a.index_dim, a.shard_rows, a.probe, a.recall_queries)


if __name__ == "__main__":
    main()
