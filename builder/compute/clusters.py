"""k-means clusters of the embeddings, labelled by size so that colours are stable across builds."""

from __future__ import annotations

import numpy as np

VERSION = 1  # bump when kmeans_clusters gives other results for the same inputs


def kmeans_clusters(emb: np.ndarray, n_clusters: int, seed: int = 0) -> np.ndarray:
    """k-means labels uint8[N] of unit-norm embeddings (spherical-ish: on the normalised vectors)."""
    from sklearn.cluster import KMeans

    n = len(emb)
    k = max(1, min(n_clusters, n))
    labels = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(emb.astype(np.float64))
    # relabel by cluster size (largest = 0) so colours are stable across rebuilds
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    remap = np.empty(k, dtype=np.int64)
    remap[order] = np.arange(k)
    return remap[labels].astype(np.uint8)
