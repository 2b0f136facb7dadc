"""The 3D layouts of the joint embedding: UMAP (from a precomputed exact kNN graph), PCA (linear)
and t-SNE (openTSNE), each centred with unit radius (normalise_positions); and trustworthiness."""

from __future__ import annotations

import warnings

import numpy as np

VERSION = 2  # bump when umap_3d gives other results for the same inputs (2: PCA initialisation)
PCA_VERSION = 2  # bump when pca_3d does
TSNE_VERSION = 2  # bump when tsne_3d does
TSNE_THREADS = 2
LABELS = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}


def umap_3d(emb: np.ndarray, knn_idx: np.ndarray, knn_dist: np.ndarray, n_neighbors: int = 15,
            min_dist: float = 0.1, seed: int = 0, parallel: bool = False) -> np.ndarray:
    """emb float[N, D] + its kNN graph (self in column 0) -> float32[N, 3], centred, max radius 1.

    Seeded: umap-learn is deterministic with a random_state (it then runs single-threaded) and a
    deterministic initialisation. Its spectral initialisation is not, when the kNN graph falls into
    many components: the demo world's 15,000 points (103 components) got a different layout in every
    process, the same seed and inputs notwithstanding (umap-learn issue #544). PCA initialisation
    gave identical bytes across processes, so it is used whenever there are enough points.
    parallel: no random_state, every core (umap-learn's trade-off): faster, not reproducible.
    """
    import umap

    n = len(emb)
    if n < 4:
        return np.zeros((n, 3), dtype=np.float32)
    k = min(n_neighbors, knn_idx.shape[1], n - 1)
    reducer = umap.UMAP(
        n_components=3, n_neighbors=k, min_dist=min_dist, metric="cosine", **_seeding(seed, parallel),
        precomputed_knn=(knn_idx[:, :k], knn_dist[:, :k], None), init="pca" if n > 3 * k else "random",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state", search index unused
        pos = reducer.fit_transform(emb).astype(np.float64)
    return normalise_positions(pos)


def pca_3d(emb: np.ndarray, block: int = 65536) -> np.ndarray:
    """emb float[N, D] -> float32[N, 3]: the centred embedding on its first three principal axes
    (each axis's sign fixed so that its largest loading is positive: the same input gives the
    same picture on every machine), then normalise_positions. Fewer than 3 dimensions or points
    pad with zeros. The axes are the top eigenvectors of the D x D scatter matrix, summed over
    blocks of `block` rows: memory O(D^2 + block D), not an SVD of the whole N x D matrix (12 GB
    for a million 512-D rows in float64)."""
    x = np.asarray(emb)
    n, d = x.shape
    out = np.zeros((n, 3))
    if n >= 2:
        mean = x.mean(axis=0, dtype=np.float64)
        scatter = np.zeros((d, d))
        for s in range(0, n, block):
            c = x[s : s + block].astype(np.float64) - mean
            scatter += c.T @ c
        w, v = np.linalg.eigh(scatter)  # ascending
        k = min(3, d, n - 1)
        axes = v[:, ::-1][:, :k].T
        signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
        axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
        for s in range(0, n, block):
            out[s : s + block, :k] = (x[s : s + block].astype(np.float64) - mean) @ axes.T
    return normalise_positions(out)


def tsne_3d(emb: np.ndarray, perplexity: float = 30.0, seed: int = 0) -> np.ndarray:
    """emb float[N, D] -> float32[N, 3] by openTSNE (cosine affinities, PCA initialisation),
    then normalise_positions. openTSNE's fast FFT method supports at most 2 dimensions, so the
    3D layout uses its Barnes-Hut gradient (O(N log N)) at theta 0.8 with 125 + 375 iterations
    (openTSNE's defaults, 0.5 and 250 + 500, took 122 s of a 482 s default build; trustworthiness
    stays above 0.99 on the demo world). Perplexity is capped at (N - 1) / 3, as openTSNE requires.
    Seeded, on a fixed TSNE_THREADS threads (not the machine's count: the threads' partial sums are
    added in an order that depends on how many there are): the same bytes on every machine."""
    from openTSNE import TSNE

    n = len(emb)
    if n < 4:
        return np.zeros((n, 3), dtype=np.float32)
    perplexity = float(min(perplexity, (n - 1) / 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pos = TSNE(n_components=3, perplexity=perplexity, metric="cosine", negative_gradient_method="bh", theta=0.8,
                   early_exaggeration_iter=125, n_iter=375, initialization="pca", random_state=seed,
                   n_jobs=TSNE_THREADS, verbose=False).fit(
            np.asarray(emb, dtype=np.float64))
    return normalise_positions(np.asarray(pos, dtype=np.float64))
def _seeding(seed: int, parallel: bool) -> dict:
    return {"n_jobs": -1} if parallel else {"random_state": seed}


def umap_sampled(emb: np.ndarray, sample: int, n_neighbors: int = 15, min_dist: float = 0.1, seed: int = 0,
                 parallel: bool = False, block: int = 50000) -> np.ndarray:
    """UMAP fitted on a seeded sample of `sample` rows (with umap-learn's own NN-descent graph of
    the sample); every other row is placed by the fitted model's `transform`, in blocks of `block`
    rows. -> float32[N, 3], normalised as umap_3d's."""
    import umap

    n = len(emb)
    fit = np.sort(np.random.default_rng(seed).choice(n, size=min(sample, n), replace=False))
    rest = np.setdiff1d(np.arange(n), fit)
    reducer = umap.UMAP(n_components=3, n_neighbors=min(n_neighbors, len(fit) - 1), min_dist=min_dist,
                        metric="cosine", init="pca", **_seeding(seed, parallel))
    pos = np.empty((n, 3), np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pos[fit] = reducer.fit_transform(emb[fit])
        for s in range(0, len(rest), block):
            pos[rest[s : s + block]] = reducer.transform(emb[rest[s : s + block]])
    return normalise_positions(pos)


def cuml_umap(emb: np.ndarray, n_neighbors: int = 15, min_dist: float = 0.1, seed: int = 0) -> np.ndarray:
    """RAPIDS cuML's UMAP on the GPU (pip install clip-atlas[gpu]) -> float32[N, 3], normalised."""
    from cuml.manifold import UMAP  # guarded by the caller: `backend_available("cuml")`

    reducer = UMAP(n_components=3, n_neighbors=min(n_neighbors, len(emb) - 1), min_dist=min_dist,
                   metric="cosine", random_state=seed)
    return normalise_positions(np.asarray(reducer.fit_transform(emb), np.float64))


def backend_available(name: str) -> bool:
    """Whether the optional UMAP backend `name` ("cuml") can be imported here."""
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def choose_backend(requested: str, on_gpu: bool) -> str:
    """ "umap-learn" or "cuml" for projection.backend: auto takes cuML on a CUDA device when it is
    installed; "cuml" without it (or without a GPU) is a clear error (ValueError)."""
    if requested == "umap-learn":
        return requested
    has = backend_available("cuml")
    if requested == "cuml" and not (has and on_gpu):
        raise ValueError("projection.backend = 'cuml' needs RAPIDS cuML and a CUDA device "
                         f"(cuml importable: {has}, CUDA device: {on_gpu}); pip install 'clip-atlas[gpu]' "
                         "or set projection.backend = 'auto'")
    return "cuml" if has and on_gpu else "umap-learn"


def layout(emb: np.ndarray, knn_idx: np.ndarray, knn_dist: np.ndarray, n_neighbors: int, min_dist: float,
           seed: int, parallel: bool, fit_sample_above: int, fit_sample: int, backend: str) -> tuple[np.ndarray, dict]:
    """The 3-D layout by the configured route -> (positions float32[N, 3], how: {"backend",
    "parallel", "fitted_on", "placed_by_transform"})."""
    n = len(emb)
    how = {"backend": backend, "parallel": bool(parallel), "fitted_on": n, "placed_by_transform": 0}
    if backend == "cuml":
        return cuml_umap(emb, n_neighbors, min_dist, seed), how
    if fit_sample_above and n > fit_sample_above and fit_sample < n:
        how.update(fitted_on=int(fit_sample), placed_by_transform=int(n - fit_sample))
        return umap_sampled(emb, fit_sample, n_neighbors, min_dist, seed, parallel), how
    return umap_3d(emb, knn_idx, knn_dist, n_neighbors, min_dist, seed, parallel), how


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
