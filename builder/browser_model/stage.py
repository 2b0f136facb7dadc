"""The `browser-model` stage: the towers, the query index and the dense patch features, each through
the one cache rule, gathered into files under data/<dataset>/model/ and the manifest's
`browser_model` entry (builder.contract.BROWSER_MODEL_FILES).

run(...) -> {"files": {relpath under data/<dataset>/: bytes}, "manifest": dict, "metrics": dict,
             "cached": bool} or None (the stage is off, or nothing fits: metrics say why)."""

from __future__ import annotations

import hashlib

import numpy as np

from builder import contract
from builder.browser_model import dense as D, towers
from builder.compute import query_index as Q
from builder.compute.saliency import UnsupportedTower
from builder.io.cache import hash_arrays, hash_json

INDEX_VERSION = 4  # 2: the sharded index carries "assign" (point -> shard); 3: k-means on more rows; 4: 2 sqrt(n) shards


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _file(files: dict, rel: str, data: bytes) -> dict:
    files[rel] = data
    return {"file": rel, "bytes": len(data), "sha256": _sha(data)}


def parity_texts(captions: list[str], n: int, seed: int) -> list[str]:
    """A seeded sample of distinct captions (in first-seen order) for the parity checks."""
    distinct = list(dict.fromkeys(captions))
    if len(distinct) <= n:
        return distinct
    pick = np.sort(np.random.default_rng(seed).choice(len(distinct), n, replace=False))
    return [distinct[i] for i in pick]


def parity_pixels(lm, records, n: int, seed: int) -> np.ndarray | None:
    from builder.analyses.support import load_pixels, random_sample

    x, kept, _, _ = load_pixels(records, random_sample(len(records), n, seed), lm.preprocess)
    return x.numpy() if kept else None


def build_index(cfg, joint: np.ndarray) -> dict:
    """The query index as a cacheable dict: flat ({"q", "scale"}) or sharded ({"centroids", "assign",
    "ids_<c>", "rows_<c>", "scales_<c>"}), with "meta" {rows, dim, recall_at_10, probe?, clusters?}."""
    n = len(joint)
    queries = Q.query_sample(n, cfg.recall_queries, cfg.seed)
    if n <= cfg.shard_rows:
        q, scale = Q.quantise_rows(joint)
        return {"q": q, "scale": scale, "meta": {"rows": n, "dim": int(joint.shape[1]), "sharded": False,
                                                 "queries": int(len(queries)),
                                                 "recall_at_10": round(Q.recall_flat(joint, q, scale, queries), 4)}}
    c = cfg.shard_clusters or Q.default_clusters(n)
    idx = Q.sharded(joint, c, cfg.seed)
    out = {"centroids": idx["centroids"], "assign": idx["assign"].astype(Q.assign_dtype(len(idx["ids"])))}
    for s, (ids, rows, sc) in enumerate(zip(idx["ids"], idx["rows"], idx["scales"])):
        out[f"ids_{s}"], out[f"rows_{s}"], out[f"scales_{s}"] = ids, rows, sc
    probe = min(cfg.probe, len(idx["ids"]))
    out["meta"] = {"rows": n, "dim": int(joint.shape[1]), "sharded": True, "clusters": len(idx["ids"]),
                   "probe": probe, "queries": int(len(queries)),
                   "recall_at_10": round(Q.recall_sharded(joint, idx, queries, probe), 4)}
    return out


def index_entry(files: dict, res: dict) -> dict:
    """manifest browser_model.index, adding its files."""
    m = res["meta"]
    entry = {"rows": m["rows"], "dim": m["dim"], "order": "points", "recall_at_10": m["recall_at_10"],
             "recall_queries": m["queries"], "dtype": "int8", "scale_dtype": "float32"}
    if not m["sharded"]:
        entry.update(file=_file(files, "model/index.i8", res["q"].tobytes())["file"],
                     scales=_file(files, "model/index.scale.f32", res["scale"].astype("<f4").tobytes())["file"],
                     shards=None)
        return entry
    adt = Q.assign_dtype(m["clusters"])
    suffix, le = {"uint16": ("u16", "<u2"), "uint32": ("u32", "<u4")}[adt]
    entry.update(file=None, scales=None, probe=m["probe"], clusters=m["clusters"],
                 centroids=_file(files, "model/index.centroids.f32", res["centroids"].astype("<f4").tobytes())["file"],
                 assign=_file(files, f"model/index.assign.{suffix}", res["assign"].astype(le).tobytes())["file"],
                 assign_dtype=adt)
    shards = []
    for s in range(m["clusters"]):
        ids = res[f"ids_{s}"]
        shards.append({"file": _file(files, f"model/index-{s:05d}.i8", res[f"rows_{s}"].tobytes())["file"],
                       "scales": _file(files, f"model/index-{s:05d}.scale.f32", res[f"scales_{s}"].astype("<f4").tobytes())["file"],
                       "ids": _file(files, f"model/index-{s:05d}.ids.u32", ids.astype("<u4").tobytes())["file"],
                       "rows": int(len(ids)), "centroid_offset": s})
    entry["shards"] = shards
    return entry


def _tower_metrics(m: dict, what: str) -> dict:
    if "skipped" in m:
        return {"skipped": m["skipped"]}
    p = m["parity"]
    out = {"dtype": m["dtype"], "fp32_bytes": m["fp32_bytes"], "int8_bytes": m["int8_bytes"] or None,
           what: p[what], "min_cosine": p["min_cosine"], "mean_cosine": p["mean_cosine"],
           "export_seconds": m.get("export_seconds")}
    if m.get("why"):
        out["why_fp32"] = m["why"]
    if m.get("int8_parity") and m["dtype"] != "int8":
        out["int8_min_cosine"] = m["int8_parity"]["min_cosine"]
    return out


def report_metrics(tok: dict, text: dict, image: dict, index: dict) -> dict:
    """metrics.browser_model of the build report (labelled in builder.render.metric_labels)."""
    return {"tokenizer": tok["parity"], "text": _tower_metrics(text, "strings"),
            "image": _tower_metrics(image, "images") if image else {"skipped": "not exported"},
            "index": {k: index[k] for k in ("rows", "dim", "sharded", "clusters", "probe", "queries", "recall_at_10")
                      if k in index}}


def _towers_or_skip(lm, bm, texts, records, log) -> dict:
    """towers.build_towers, or {"meta": {"skipped": why}} when the export fails: torch.onnx raises many
    kinds of error for an operator it cannot export, and a build without the Ask box is still a site."""
    try:
        return towers.build_towers(lm, bm, texts, parity_pixels(lm, records, bm.parity_images, bm.seed), log)
    except Exception as exc:  # noqa: BLE001
        why = f"the ONNX export failed: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
        log(f"[browser-model] skipped: {why}")
        return {"meta": {"skipped": why}}


def run(cfg, lm, col, img_emb: np.ndarray, txt_emb: np.ndarray, captions: list[str], cache, log,
        saliency_metrics: dict | None = None) -> dict | None:
    bm = cfg.browser_model
    if not bm.enabled:
        return None
    records = col.records
    texts = parity_texts(captions, bm.parity_texts, bm.seed)
    params = {k: getattr(bm, k) for k in ("int8", "min_cosine", "parity_texts", "parity_images", "image_tower",
                                          "image_max_mb", "seed")}
    rec_hash = hash_json([[r.id, r.file] for r in records])
    tw, c1 = cache.cached("browser-model-towers", towers.VERSION, [lm.fingerprint, hash_json(texts), rec_hash], params,
                          lambda: _towers_or_skip(lm, bm, texts, records, log))
    meta = tw["meta"]
    if "skipped" in meta:
        return {"files": {}, "manifest": None, "metrics": {"skipped": meta["skipped"]}, "cached": c1}
    joint = np.concatenate([img_emb, txt_emb]).astype(np.float32)
    iparams = {k: getattr(bm, k) for k in ("shard_rows", "shard_clusters", "probe", "recall_queries", "seed")}
    ix, c2 = cache.cached("browser-model-index", INDEX_VERSION, [hash_arrays(joint)], iparams, lambda: build_index(bm, joint))
    files: dict[str, bytes] = {}
    t = meta["tokenizer"]
    text = meta["text"]
    entry = {
        "version": contract.BROWSER_MODEL_VERSION, "model": lm.spec.name, "fingerprint": lm.fingerprint,
        "embed_dim": int(img_emb.shape[1]), "context_length": t["context_length"],
        "logit_scale": meta["logit_scale"] if "logit_scale" in meta else D.logit_scale(lm.model),
        "tokenizer": {"kind": "clip-bpe", "format": "huggingface-tokenizers",
                      **_file(files, "model/tokenizer.json", tw["tokenizer"].tobytes()),
                      "sot": t["sot"], "eot": t["eot"], "pad": 0, "lowercase": True, "html_unescape": 2,
                      "parity": t["parity"]},
        "text": {**_file(files, "model/text.onnx", tw["text"].tobytes()), "dtype": text["dtype"],
                 "input": "tokens", "output": "embedding", "parity": text["parity"]},
        "image": None,
        "index": index_entry(files, ix),
        "dense": None,
    }
    img = meta.get("image", {})
    if len(tw["image"]):
        entry["image"] = {**_file(files, "model/image.onnx", tw["image"].tobytes()), "dtype": img["dtype"],
                          "input": "pixels", "output": "embedding", "preprocess": img["preprocess"],
                          "parity": img["parity"]}
    metrics = report_metrics(t, text, img, ix["meta"])
    c3 = True
    if bm.dense_images > 0:
        embed = towers.text_embedder(tw["tokenizer"].tobytes(), tw["text"].tobytes(), t)
        try:
            dn, c3 = D.cached_dense(cache, lm, cfg, col, tw["text"].tobytes(), embed, log)
        except UnsupportedTower as exc:  # e.g. a timm image tower: no dense features, the rest ships
            dn, metrics["dense"] = None, {"skipped": str(exc)}
            log(f"[browser-model] no dense features: {exc}")
        if dn is not None:
            entry["dense"] = D.dense_entry(files, dn, _file)
            metrics["dense"] = D.dense_metrics(dn, saliency_metrics)
    return {"files": files, "manifest": entry, "metrics": metrics, "cached": bool(c1 and c2 and c3)}
