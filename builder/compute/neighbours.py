"""Exact k nearest neighbours by cosine similarity, in blocks, on the device (matmul + topk)."""

from __future__ import annotations

import numpy as np
import torch

VERSION = 1  # bump when exact_knn or approx_knn gives other results for the same inputs


def block_rows(n: int, budget: int = 1 << 26, most: int = 2048) -> int:
    """Rows per block so that a block of similarities (rows x n float32) stays under `budget`
    values (256 MB): memory bounded whatever n, results the same for any block size."""
    return max(16, min(most, budget // max(n, 1)))


def exact_knn(emb: np.ndarray, k: int, device: torch.device | str = "cpu", block: int = 0,
              include_self: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """emb float[N, D] unit-norm -> (indices int64[N, k], cosine distances float32[N, k]).

    Rows are sorted nearest first. With include_self the point itself is column 0 (as umap-learn
    expects of a precomputed kNN graph); ties are broken by index so results are deterministic.
    """
    n = len(emb)
    block = block or block_rows(n)
    k_eff = min(k, n if include_self else n - 1)
    x = torch.from_numpy(np.ascontiguousarray(emb, dtype=np.float32)).to(device)
    idx_out = np.empty((n, k_eff), dtype=np.int64)
    dist_out = np.empty((n, k_eff), dtype=np.float32)
    for s in range(0, n, block):
        sims = x[s : s + block] @ x.T
        rows = torch.arange(sims.shape[0], device=sims.device)
        # the point itself first (or excluded), whatever rounding says
        sims[rows, rows + s] = 2.0 if include_self else -3.0
        vals, idx = torch.topk(sims, k_eff, dim=1, largest=True, sorted=True)
        if include_self:
            vals[:, 0] = 1.0
        idx_out[s : s + block] = idx.cpu().numpy()
        dist_out[s : s + block] = np.clip(1.0 - vals.cpu().numpy(), 0.0, 2.0)
    return idx_out, dist_out


def approx_knn(emb: np.ndarray, k: int, seed: int = 0, n_jobs: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Approximate kNN by cosine from pynndescent's NN-descent index (what umap-learn itself uses):
    (indices int64[N, k], cosine distances float32[N, k]), nearest first, the point itself in
    column 0. Memory and time grow about as N log N; seeded (n_jobs=1 keeps it deterministic)."""
    from pynndescent import NNDescent

    n = len(emb)
    k_eff = min(k, n)
    index = NNDescent(np.ascontiguousarray(emb, dtype=np.float32), metric="cosine", n_neighbors=k_eff,
                      random_state=seed, n_jobs=n_jobs, low_memory=True)
    idx, dist = index.neighbor_graph
    return self_first(np.asarray(idx, np.int64), np.asarray(dist, np.float32))


def self_first(idx: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows with the point itself in column 0 at distance 0 (moved there, or put in place of the
    farthest neighbour), the rest in their order; -1 (not found) entries become the point itself."""
    n, k = idx.shape
    rows = np.arange(n)[:, None]
    idx = np.where(idx < 0, rows, idx)
    is_self = idx == rows
    keep = ~is_self
    out_i, out_d = np.empty_like(idx), np.empty_like(dist)
    out_i[:, 0], out_d[:, 0] = rows[:, 0], 0.0
    order = np.argsort(~keep, axis=1, kind="stable")[:, : k - 1]  # the others first, in their order
    out_i[:, 1:] = np.take_along_axis(idx, order, axis=1)
    out_d[:, 1:] = np.clip(np.take_along_axis(dist, order, axis=1), 0.0, 2.0)
    return out_i, out_d


def knn_recall(approx_idx: np.ndarray, emb: np.ndarray, sample: int = 1000, seed: int = 0,
               device: torch.device | str = "cpu") -> dict:
    """recall@k of an approximate kNN against exact search on a seeded sample of rows (self
    excluded): the share of each sampled row's true k nearest found by the approximate row."""
    n, k = approx_idx.shape
    if n < 2 or k < 2:
        return {"recall": 1.0, "k": int(k - 1), "sample": 0}
    rows = np.sort(np.random.default_rng(seed).choice(n, size=min(sample, n), replace=False))
    x = torch.from_numpy(np.ascontiguousarray(emb, dtype=np.float32)).to(device)
    true = np.empty((len(rows), k - 1), np.int64)
    step = block_rows(n)
    for s in range(0, len(rows), step):
        r = torch.from_numpy(rows[s : s + step]).to(device)
        sims = x[r] @ x.T
        sims[torch.arange(len(r), device=sims.device), r] = -3.0  # self excluded
        true[s : s + step] = torch.topk(sims, k - 1, dim=1).indices.cpu().numpy()
    found = approx_idx[rows, 1:]
    hits = sum(len(np.intersect1d(a, t)) for a, t in zip(found, true))
    return {"recall": float(hits / (len(rows) * (k - 1))), "k": int(k - 1), "sample": int(len(rows))}


def knn(emb: np.ndarray, k: int, device: torch.device | str = "cpu", method: str = "auto", exact_max: int = 200000,
        seed: int = 0) -> tuple[np.ndarray, np.ndarray, str]:
    """The kNN graph by `method` (auto: exact on a GPU or up to `exact_max` rows, else approx):
    (indices, distances, the method used)."""
    on_gpu = torch.device(device).type == "cuda"
    use = method if method != "auto" else ("exact" if on_gpu or len(emb) <= exact_max else "approx")
    if use == "exact":
        return (*exact_knn(emb, k, device), use)
    return (*approx_knn(emb, k, seed), use)
