"""Exact duplicates among the points: identical embeddings (identical caption texts give identical
text embeddings) are laid out once and their copies placed with them. Pure: arrays in, arrays out.

Without this, a caption said by 200 images is 200 points at distance 0 of each other: each such
group is a clique of the kNN graph with no edge out, so the graph falls into hundreds of pieces
and UMAP lays each piece out on its own.
"""

from __future__ import annotations

import numpy as np


def unique_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x [N, D] -> (first int64[U]: the first row of each distinct value, in row order;
    inverse int64[N]: the distinct value of every row, so x[first][inverse] == x)."""
    n = len(x)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows = np.ascontiguousarray(x).view(np.dtype((np.void, x.dtype.itemsize * x.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # distinct values in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order].astype(np.int64), rank[inverse.ravel()].astype(np.int64)


def expand_knn(idx_u: np.ndarray, dist_u: np.ndarray, first: np.ndarray,
               inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kNN graph of the distinct points (self in column 0) as a graph of all N points: row i is
    its distinct value's row with indices mapped to each value's first row and column 0 = i."""
    idx = first[idx_u[inverse]]
    idx[:, 0] = np.arange(len(inverse))
    dist = dist_u[inverse].copy()
    dist[:, 0] = 0.0
    return idx, dist


def copies(inverse: np.ndarray) -> int:
    """How many rows repeat an earlier row."""
    return int(len(inverse) - (inverse.max(initial=-1) + 1))


def graph_components(idx: np.ndarray) -> int:
    """Connected components of the (undirected) kNN graph idx int[N, k]."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n, k = idx.shape
    if n == 0:
        return 0
    rows = np.repeat(np.arange(n), k)
    g = coo_matrix((np.ones(n * k, np.int8), (rows, idx.ravel())), shape=(n, n))
    return int(connected_components(g, directed=False)[0])
