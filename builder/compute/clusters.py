"""k-means clusters of the embeddings, labelled by size so that colours are stable across builds."""

from __future__ import annotations

import numpy as np

VERSION = 1  # bump when kmeans_clusters gives other results for the same inputs


MINIBATCH_ABOVE = 200_000  # points; above it, mini-batch k-means (bounded memory, about linear time)


def kmeans_clusters(emb: np.ndarray, n_clusters: int, seed: int = 0, minibatch_above: int = MINIBATCH_ABOVE) -> np.ndarray:
    """k-means labels uint8[N] of unit-norm embeddings (spherical-ish: on the normalised vectors);
    above `minibatch_above` points, seeded mini-batch k-means on float32 (no float64 copy)."""
    from sklearn.cluster import KMeans, MiniBatchKMeans

    n = len(emb)
    k = max(1, min(n_clusters, n))
    if n > minibatch_above:
        labels = MiniBatchKMeans(n_clusters=k, n_init=3, random_state=seed, batch_size=4096).fit_predict(
            np.ascontiguousarray(emb, np.float32))
    else:
        labels = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(emb.astype(np.float64))
    # relabel by cluster size (largest = 0) so colours are stable across rebuilds
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    remap = np.empty(k, dtype=np.int64)
    remap[order] = np.arange(k)
    return remap[labels].astype(np.uint8)
