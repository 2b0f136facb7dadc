"""The 3D layouts of the joint embedding: UMAP (from a precomputed exact kNN graph), PCA (linear)
and t-SNE (openTSNE), each centred with unit radius (normalise_positions); and trustworthiness."""

from __future__ import annotations

import warnings

import numpy as np

VERSION = 2  # bump when umap_3d gives other results for the same inputs (2: PCA initialisation)
PCA_VERSION = 1  # bump when pca_3d does
TSNE_VERSION = 1  # bump when tsne_3d does
LABELS = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}


def umap_3d(emb: np.ndarray, knn_idx: np.ndarray, knn_dist: np.ndarray, n_neighbors: int = 15,
            min_dist: float = 0.1, seed: int = 0) -> np.ndarray:
    """emb float[N, D] + its kNN graph (self in column 0) -> float32[N, 3], centred, max radius 1.

    Seeded: umap-learn is deterministic with a random_state (it then runs single-threaded) and a
    deterministic initialisation. Its spectral initialisation is not, when the kNN graph falls into
    many components: the demo world's 15,000 points (103 components) got a different layout in every
    process, the same seed and inputs notwithstanding (umap-learn issue #544). PCA initialisation
    gave identical bytes across processes, so it is used whenever there are enough points.
    """
    import umap

    n = len(emb)
    if n < 4:
        return np.zeros((n, 3), dtype=np.float32)
    k = min(n_neighbors, knn_idx.shape[1], n - 1)
    reducer = umap.UMAP(
        n_components=3, n_neighbors=k, min_dist=min_dist, metric="cosine", random_state=seed,
        precomputed_knn=(knn_idx[:, :k], knn_dist[:, :k], None), init="pca" if n > 3 * k else "random",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state", search index unused
        pos = reducer.fit_transform(emb).astype(np.float64)
    return normalise_positions(pos)


def pca_3d(emb: np.ndarray) -> np.ndarray:
    """emb float[N, D] -> float32[N, 3]: the centred embedding on its first three principal axes
    (each axis's sign fixed so that its largest loading is positive: the same input gives the
    same picture on every machine), then normalise_positions. Fewer than 3 dimensions or points
    pad with zeros."""
    x = np.asarray(emb, dtype=np.float64)
    n = len(x)
    out = np.zeros((n, 3))
    if n >= 2:
        x = x - x.mean(axis=0)
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        axes = vt[:3]
        signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
        axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
        out[:, : len(axes)] = x @ axes.T
    return normalise_positions(out)


def tsne_3d(emb: np.ndarray, perplexity: float = 30.0, seed: int = 0) -> np.ndarray:
    """emb float[N, D] -> float32[N, 3] by openTSNE (cosine affinities, PCA initialisation),
    then normalise_positions. openTSNE's fast FFT method supports at most 2 dimensions, so the
    3D layout uses its Barnes-Hut gradient (O(N log N), exact enough at theta 0.5). Perplexity is
    capped at (N - 1) / 3, as openTSNE requires. Single-threaded and seeded: deterministic."""
    from openTSNE import TSNE

    n = len(emb)
    if n < 4:
        return np.zeros((n, 3), dtype=np.float32)
    perplexity = float(min(perplexity, (n - 1) / 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pos = TSNE(n_components=3, perplexity=perplexity, metric="cosine", negative_gradient_method="bh",
                   initialization="pca", random_state=seed, n_jobs=1, verbose=False).fit(
            np.asarray(emb, dtype=np.float64))
    return normalise_positions(np.asarray(pos, dtype=np.float64))


def normalise_positions(pos: np.ndarray) -> np.ndarray:
    """Centre on the median and scale so that the 99th-percentile radius is 1 (outliers stay out)."""
    pos = pos - np.median(pos, axis=0)
    r = np.percentile(np.linalg.norm(pos, axis=1), 99) if len(pos) else 1.0
    return (pos / (r if r > 0 else 1.0)).astype(np.float32)


def trustworthiness(emb: np.ndarray, pos: np.ndarray, k: int = 15, sample: int = 3000, seed: int = 0) -> dict:
    """scikit-learn trustworthiness (cosine in the embedding space) on a seeded sample of points."""
    from sklearn.manifold import trustworthiness as tw

    n = len(emb)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(n, size=min(sample, n), replace=False))
    k = min(k, len(idx) // 2 - 1)
    if k < 1:
        return {"value": float("nan"), "k": k, "sample": int(len(idx))}
    value = tw(emb[idx], pos[idx], n_neighbors=k, metric="cosine")
    return {"value": float(value), "k": int(k), "sample": int(len(idx))}
