"""Per-point local views: the k nearest neighbours of every point laid out in 2D by PCA.

Batched on the device: for each point, PCA of the (k+1) x D neighbourhood is done through the
eigen-decomposition of its small (k+1) x (k+1) Gram matrix, so cost does not grow with D^2.
"""

from __future__ import annotations

import numpy as np
import torch

VERSION = 1  # bump when local_pca gives other results for the same inputs


def local_pca(emb: np.ndarray, neighbours: np.ndarray, device: torch.device | str = "cpu",
              batch: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """emb float[N, D], neighbours int[N, K] (self excluded) ->
    (xy float32[N, K, 2] neighbour coordinates relative to the point itself,
     evr float32[N, 2] explained-variance ratio of the two axes).

    The PCA is fitted on the point plus its K neighbours. Signs are fixed so that the neighbour
    with the largest |coordinate| on each axis is positive: the same input gives the same picture.
    """
    n, k = neighbours.shape
    x_all = torch.from_numpy(np.ascontiguousarray(emb, dtype=np.float32)).to(device)
    nb = torch.from_numpy(np.ascontiguousarray(neighbours, dtype=np.int64)).to(device)
    xy_out = np.empty((n, k, 2), dtype=np.float32)
    evr_out = np.empty((n, 2), dtype=np.float32)
    for s in range(0, n, batch):
        rows = torch.arange(s, min(s + batch, n), device=device)
        group = torch.cat([rows[:, None], nb[rows]], dim=1)  # [B, K+1], the point first
        x = x_all[group].double()
        xc = x - x.mean(dim=1, keepdim=True)
        gram = xc @ xc.transpose(1, 2)  # [B, K+1, K+1]
        evals, evecs = torch.linalg.eigh(gram)  # ascending
        top = evecs[:, :, -2:].flip(-1)  # [B, K+1, 2]
        lam = evals[:, -2:].flip(-1).clamp(min=0)
        coords = top * lam.sqrt()[:, None, :]  # PCA scores
        coords = coords - coords[:, :1, :]  # the point at the origin
        pick = coords[:, 1:, :].abs().argmax(dim=1, keepdim=True)  # [B,1,2]
        sign = torch.sign(torch.gather(coords[:, 1:, :], 1, pick)).clamp(min=0) * 2 - 1
        coords = coords * sign
        total = evals.clamp(min=0).sum(dim=1).clamp(min=1e-12)
        xy_out[s : s + len(rows)] = coords[:, 1:, :].float().cpu().numpy()
        evr_out[s : s + len(rows)] = (lam / total[:, None]).float().cpu().numpy()
    return xy_out, evr_out
