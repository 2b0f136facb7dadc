"""Ask on a large sharded query index, in headless Chromium (#14: "a 1,000,000-point synthetic
index (512-D): query p95 <= 300 ms, browser memory for the index <= 300 MB, recall@10 >= 0.9
against exact search").

The site: tests/synthetic_site.make_synthetic_site at --rows points, with the model in the browser
added: a text tower and tokenizer (--tower ViT-B-32: an open_clip ViT-B-32 with random weights,
its text tower exported and quantised to int8, 512-D; or --tower SITE: the model/ files of a built
site, at that model's embedding size), and as query index --rows unit vectors drawn from a seeded
mixture of rows/200 Gaussian clusters (as benchmarks/browser_model_export.py --index-rows), indexed
by the builder's own code (builder.browser_model.stage.build_index + index_entry: spherical k-means
shards, about 2 sqrt(rows) of them, int8 rows).

Printed: the index's build time and size on disk; in Chromium, per query row (--queries seeded
rows of the index, their own row left out) the end-to-end time of atlas.query({vector}, 11) the
first time (its shards fetched: cold) and at once again (warm), recall@10 against exact float32
numpy search over every row, the worker's bytes held for the index (atlas model stats), the
renderer's RSS growth (/proc) from before the model loaded, the text tower's encode p95 in the
browser (atlas.embedText) and its download size, and atlas.ask p95 (the UI path: shading and panel).

    python benchmarks/ask_index_bench.py [--rows 1000000] [--queries 100] [--tower ViT-B-32] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from builder import config  # noqa: E402
from builder.browser_model.stage import build_index, index_entry  # noqa: E402
from builder.compute import query_index as Q  # noqa: E402

CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TARGETS = {"query_p95_ms": 300, "index_bytes_held": 300e6, "recall_at_10": 0.9}
TEXTS = [f"a {c} {s} on a {b} background" for c in ("red", "blue", "green", "yellow", "purple")
         for s in ("star", "circle", "square", "heart") for b in ("white", "dark", "grassy", "sandy", "grey")]


def p95(xs) -> float:
    xs = sorted(xs)
    return round(float(xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]), 1)


def clustered_rows(n: int, dim: int, seed: int = 0, chunk: int = 100_000) -> np.ndarray:
    """n unit vectors from a seeded mixture of n/200 Gaussian clusters (float32[n, dim])."""
    rng = np.random.default_rng(seed)
    centres = Q.normalise(rng.standard_normal((max(10, n // 200), dim)).astype(np.float32))
    out = np.empty((n, dim), np.float32)
    for s in range(0, n, chunk):
        m = min(chunk, n - s)
        noise = rng.standard_normal((m, dim), dtype=np.float32) * np.float32(1.4 / np.sqrt(dim))
        out[s : s + m] = Q.normalise(centres[rng.integers(0, len(centres), m)] + noise)
    return out


def _file(files: dict, rel: str, data: bytes) -> dict:
    files[rel] = data
    return {"file": rel, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def tower_files(tower: str, work: Path) -> tuple[dict, dict]:
    """({tokenizer, text, embed_dim, context_length, logit_scale, model}, files) of the text tower."""
    files: dict[str, bytes] = {}
    if tower != "ViT-B-32":  # a built site's model/ folder
        data = next(Path(tower).glob("data/*/manifest.json"))
        bm = json.loads(data.read_text())["browser_model"]
        for part in ("tokenizer", "text"):
            files[bm[part]["file"]] = (data.parent / bm[part]["file"]).read_bytes()
        return {k: bm[k] for k in ("tokenizer", "text", "embed_dim", "context_length", "logit_scale", "model")}, files
    cached = work / "vit-b-32-text.int8.onnx"
    from builder.browser_model import export, tokenizer as T
    from builder.browser_model.towers import tokenizer_facts
    from builder.models.loading import random_model

    lm = random_model("ViT-B-32", seed=0)
    facts, _ = tokenizer_facts(lm)
    if not cached.is_file():
        t0 = time.perf_counter()
        cached.write_bytes(export.quantise(export.export_text(lm.model, facts["context_length"])))
        print(f"exported ViT-B-32's text tower (random weights) to int8 in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    tok = T.tokenizer_json(facts["bpe"])
    spec = {"model": "ViT-B-32 (random weights)", "embed_dim": 512, "context_length": facts["context_length"],
            "logit_scale": 100.0,
            "tokenizer": {"kind": "clip-bpe", "format": "huggingface-tokenizers", **_file(files, "model/tokenizer.json", tok),
                          "sot": facts["sot"], "eot": facts["eot"], "pad": 0, "lowercase": True, "html_unescape": 2,
                          "parity": {"strings": 0, "identical": 0}},
            "text": {**_file(files, "model/text.onnx", cached.read_bytes()), "dtype": "int8", "input": "tokens",
                     "output": "embedding", "parity": {}}}
    return spec, files


def make_site(args, work: Path) -> dict:
    from synthetic_site import make_synthetic_site

    spec, files = tower_files(args.tower, work)
    dim = spec["embed_dim"]
    t0 = time.perf_counter()
    x = clustered_rows(args.rows, dim, args.seed)
    gen_s = time.perf_counter() - t0
    probe = {"browser_model__probe": args.probe} if args.probe else {}  # 0: the builder's default
    bm = config.load(None, browser_model__shard_rows=args.shard_rows, **probe,
                     browser_model__shard_clusters=args.clusters, browser_model__recall_queries=args.build_recall_queries, browser_model__seed=args.seed).browser_model
    t0 = time.perf_counter()
    res = build_index(bm, x)
    build_s = time.perf_counter() - t0
    index = index_entry(files, res)
    index_bytes = sum(len(b) for rel, b in files.items() if rel.startswith("model/index"))
    entry = {"version": 1, "fingerprint": "synthetic", "image": None, "dense": None, "index": index, **spec}
    site = work / "site"
    if site.exists():
        shutil.rmtree(site)
    t0 = time.perf_counter()
    make_synthetic_site(site, args.rows, browser_model=(entry, files))
    site_s = time.perf_counter() - t0
    return {"root": site, "x": x, "index": index, "figures": {
        "rows": args.rows, "dim": dim, "tower": spec["model"], "text_tower_bytes": spec["text"]["bytes"],
        "tokenizer_bytes": spec["tokenizer"]["bytes"], "shards": len(index["shards"]), "probe": index["probe"],
        "rows_generated_s": round(gen_s, 1), "index_build_s": round(build_s, 1),
        "index_build_recall_at_10": res["meta"]["recall_at_10"], "index_build_recall_queries": res["meta"]["queries"],
        "index_bytes_on_disk": index_bytes, "site_written_s": round(site_s, 1)}}


def exact_top(x: np.ndarray, rows: np.ndarray, k: int = 10) -> np.ndarray:
    exact = x[rows] @ x.T
    exact[np.arange(len(rows)), rows] = -np.inf
    return Q.top_k(exact, k)


def renderers() -> dict[int, int]:
    """pid -> VmRSS bytes of every Chromium renderer process."""
    out = {}
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            if b"--type=renderer" not in (p / "cmdline").read_bytes():
                continue
            rss = next(line for line in (p / "status").read_text().splitlines() if line.startswith("VmRSS:"))
            out[int(p.name)] = int(rss.split()[1]) * 1024
        except (OSError, StopIteration):
            continue
    return out


QUERY_LOOP = """async (vs) => { const cold = [], warm = [], tops = [];
  for (const v of vs) {
    let t0 = performance.now(); const hits = await window.atlas.query({vector: v}, 11); cold.push(performance.now() - t0);
    t0 = performance.now(); await window.atlas.query({vector: v}, 11); warm.push(performance.now() - t0);
    tops.push(hits.map((h) => h.index));
  }
  return {cold, warm, tops}; }"""
TEXT_LOOP = """async (texts) => { const enc = [], ask = [];
  for (const t of texts) { const t0 = performance.now(); await window.atlas.embedText(t); enc.push(performance.now() - t0); }
  for (const t of texts.slice(0, 20)) { const t0 = performance.now(); await window.atlas.ask(t); ask.push(performance.now() - t0); }
  return {enc, ask}; }"""


def in_browser(args, site: dict) -> dict:
    from builder.render.preview_server import serve_site
    from playwright.sync_api import sync_playwright

    x = site["x"]
    rows = Q.query_sample(len(x), args.queries, args.seed + 1)
    truth = exact_top(x, rows)
    with serve_site(site["root"], prefix="/repo/") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        before_pids = set(renderers())
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.set_default_timeout(600_000)
        page.goto(url + "explorer/", wait_until="domcontentloaded")
        page.evaluate("async () => { await window.atlas.ready; }")
        mine = lambda: {p: r for p, r in renderers().items() if p not in before_pids}  # noqa: E731
        rss0 = sum(mine().values())
        t0 = time.perf_counter()
        init = page.evaluate("async () => window.atlas.loadModel()")
        load_s = time.perf_counter() - t0
        rss1 = sum(mine().values())
        res = page.evaluate(QUERY_LOOP, [x[r].tolist() for r in rows])
        stats = page.evaluate("async () => window.__atlas.model.stats()")
        rss2 = sum(mine().values())
        text = page.evaluate(TEXT_LOOP, (TEXTS * 4)[: args.queries])
        rss3 = sum(mine().values())
        browser.close()
    found = [[i for i in top if i != r][:10] for top, r in zip(res["tops"], rows)]
    recall = float(np.mean([len(set(f) & set(t.tolist())) / 10 for f, t in zip(found, truth)]))
    return {"queries": len(rows), "model_load_s": round(load_s, 2), "model_init_bytes": init["bytes"],
            "query_cold_p95_ms": p95(res["cold"]), "query_warm_p95_ms": p95(res["warm"]),
            "query_cold_median_ms": round(float(np.median(res["cold"])), 1),
            "query_warm_median_ms": round(float(np.median(res["warm"])), 1),
            "recall_at_10": round(recall, 4), "index_bytes_held": stats["indexBytes"], "worker_stats": stats,
            "renderer_rss_before_model_mb": round(rss0 / 1e6, 1), "renderer_rss_growth_model_mb": round((rss1 - rss0) / 1e6, 1),
            "renderer_rss_growth_after_queries_mb": round((rss2 - rss0) / 1e6, 1),
            "renderer_rss_growth_after_text_mb": round((rss3 - rss0) / 1e6, 1),
            "encode_p95_ms": p95(res_enc := text["enc"]), "encode_median_ms": round(float(np.median(res_enc)), 1),
            "encodes": len(res_enc), "ask_ui_p95_ms": p95(text["ask"]), "asks": len(text["ask"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--tower", default="ViT-B-32", help="ViT-B-32 (random weights, int8, 512-D) or a built site's folder")
    ap.add_argument("--shard-rows", type=int, default=200_000)
    ap.add_argument("--probe", type=int, default=0, help="shards probed per query (0: the builder's default)")
    ap.add_argument("--clusters", type=int, default=0, help="shards (0: the builder's default)")
    ap.add_argument("--build-recall-queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ask-index-"))
    work.mkdir(parents=True, exist_ok=True)
    site = make_site(args, work)
    out = {**site["figures"], **in_browser(args, site)}
    out["query_p95_ms"] = max(out["query_cold_p95_ms"], out["query_warm_p95_ms"])
    for key, target in TARGETS.items():
        out[key + "_target"] = target
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
