"""Exact k nearest neighbours by cosine similarity, in blocks, on the device (matmul + topk)."""

from __future__ import annotations

import numpy as np
import torch

VERSION = 1  # bump when exact_knn gives other results for the same inputs


def exact_knn(emb: np.ndarray, k: int, device: torch.device | str = "cpu", block: int = 2048,
              include_self: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """emb float[N, D] unit-norm -> (indices int64[N, k], cosine distances float32[N, k]).

    Rows are sorted nearest first. With include_self the point itself is column 0 (as umap-learn
    expects of a precomputed kNN graph); ties are broken by index so results are deterministic.
    """
    n = len(emb)
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
