"""Topology and geometry of sets of embeddings. Pure: arrays in, arrays and numbers out.

Conventions
- Points are unit vectors and the distance between two of them is the Euclidean (chord)
  distance d = sqrt(2 - 2 cos). It is a true metric (1 - cos is not) and orders pairs exactly as
  cosine similarity does: 1 - cos = d^2 / 2. Filtration values (births, deaths) are chord lengths.
- A diagram is float64[n, 2] of (birth, death) pairs with finite death, sorted.
- The infinite H0 bar. A Vietoris-Rips filtration of a non-empty set has exactly one H0 class
  that never dies (the whole set as one component), born at 0. `persistence` returns it as a
  count, never inside a diagram. Distances compare finite parts only, and that is exact, not an
  approximation: every diagram has the same essential bar (born at 0), and essential bars can
  only be matched to each other, at cost |0 - 0| = 0, in Wasserstein and bottleneck distances
  alike. (persim drops infinite points silently, with a warning; here it is explicit.) Figures draw
  the bar at a cap just above the largest finite death.
- Large sets are cut by greedy (farthest-point) subsampling, as ripser's `n_perm`. The subsample
  covers the set within `r_cover`; by the stability theorem its diagrams are within 2 * r_cover
  of the full set's in bottleneck distance. Greedy sampling keeps the extent of a set, not its
  density: outliers are picked early.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.linalg import subspace_angles


def unit_rows(x: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero), as `dtype` (float32 for large sets: the
    sums that need it are accumulated in float64 where they are taken)."""
    x = np.asarray(x, dtype=dtype)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, n, out=np.zeros_like(x), where=n > 0)


# -- persistence ----------------------------------------------------------------------------------

def greedy_subsample(x: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Farthest-point (greedy) sampling of k rows of unit vectors x, starting from row 0, with
    chord distances: the same permutation as ripser's `n_perm` (get_greedy_perm), computed with one
    matrix-vector product per pick instead of a scikit-learn call. Returns (indices in pick order,
    covering radius: the largest distance from any row to its nearest pick)."""
    n = len(x)
    k = min(int(k), n)
    idx = np.zeros(k, dtype=np.int64)
    chord = lambda i: np.sqrt(np.maximum(2.0 - 2.0 * (x @ x[i]).astype(np.float64), 0.0))  # noqa: E731
    dist = chord(0)
    for i in range(1, k):
        idx[i] = int(np.argmax(dist))
        dist = np.minimum(dist, chord(idx[i]))
    return idx, float(dist.max()) if k < n else 0.0


def chord_distances(x: np.ndarray) -> np.ndarray:
    """float64[n, n] Euclidean distances between unit rows, sqrt(2 - 2 cos), exact zeros on the diagonal."""
    d = np.sqrt(np.maximum(2.0 - 2.0 * (x @ x.T), 0.0))
    np.fill_diagonal(d, 0.0)
    return d


def persistence(points: np.ndarray, max_points: int = 200) -> dict:
    """H0 and H1 persistence of the Rips filtration of `points` (float[n, D], rows made unit).

    Returns {"h0": float64[a, 2] finite H0, "h1": float64[b, 2], "h0_infinite": int (1 for a
    non-empty set), "h1_infinite": int, "n_points": n, "n_used": points in the computation,
    "r_cover": covering radius of the greedy subsample (0 when every point was used)}.
    """
    from ripser import ripser

    n = len(points)
    x = unit_rows(points, np.float32 if n > max_points else np.float64)
    out = {"h0": np.zeros((0, 2)), "h1": np.zeros((0, 2)), "h0_infinite": int(n > 0), "h1_infinite": 0,
           "n_points": n, "n_used": n, "r_cover": 0.0}
    if n < 2:
        return out
    if n > max_points:
        idx, out["r_cover"] = greedy_subsample(x, max_points)
        x = unit_rows(points[idx])
        out["n_used"] = len(idx)
    res = ripser(chord_distances(x), maxdim=1, distance_matrix=True)
    for dim, key in ((0, "h0"), (1, "h1")):
        out[key], out[f"{key}_infinite"] = split_infinite(res["dgms"][dim])
    return out


def split_infinite(dgm: np.ndarray) -> tuple[np.ndarray, int]:
    """(finite points sorted by birth then death, number of points with infinite death)."""
    d = np.asarray(dgm, dtype=np.float64).reshape(-1, 2)
    keep = np.isfinite(d).all(axis=1)
    finite = d[keep]
    finite = finite[np.lexsort((finite[:, 1], finite[:, 0]))]
    return finite, int((~keep).sum())


def diagram_summary(dgm: np.ndarray) -> dict:
    """Count, total and largest persistence (death - birth) of a finite diagram."""
    d, _ = split_infinite(dgm)
    life = d[:, 1] - d[:, 0] if len(d) else np.zeros(0)
    return {"count": int(len(d)), "total": float(life.sum()), "max": float(life.max(initial=0.0)),
            "mean_death": float(d[:, 1].mean()) if len(d) else 0.0}


# -- distances between diagrams -------------------------------------------------------------------

def _finite(dgm) -> np.ndarray:
    return split_infinite(dgm)[0]


def wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    """Exact 1-Wasserstein distance (Euclidean ground metric, Hungarian matching; persim)."""
    from persim import wasserstein as w

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(w(_finite(a), _finite(b)))


def bottleneck(a: np.ndarray, b: np.ndarray) -> float:
    """Exact bottleneck distance (L-infinity ground metric; persim)."""
    from persim import bottleneck as bn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(bn(_finite(a), _finite(b)))


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, n_directions: int = 50) -> float:
    """Sliced Wasserstein distance of Carrière, Cuturi and Oudot (2017), vectorised.

    The same quantity as persim.sliced_wasserstein (directions theta = pi/2 .. 3pi/2 in
    `n_directions` steps; each diagram is completed with the other's diagonal projections), in
    O(n_directions * n log n) numpy instead of a Python loop.
    """
    p, q = _finite(a), _finite(b)
    if len(p) == 0 and len(q) == 0:
        return 0.0
    proj_diag = lambda d: np.repeat(((d[:, 0] + d[:, 1]) / 2.0)[:, None], 2, axis=1)  # noqa: E731
    u = np.concatenate([p, proj_diag(q)])
    v = np.concatenate([q, proj_diag(p)])
    theta = np.pi * (0.5 + np.arange(n_directions) / n_directions)
    dirs = np.stack([np.cos(theta), np.sin(theta)])  # [2, M]
    pu, pv = np.sort(u @ dirs, axis=0), np.sort(v @ dirs, axis=0)
    return float(np.abs(pu - pv).sum(axis=0).sum() / n_directions)


def diagram_distance(a: np.ndarray, b: np.ndarray, exact_max: int = 300, n_directions: int = 50) -> dict:
    """{"wasserstein", "bottleneck", "sliced", "method"} between two diagrams.

    Up to `exact_max` finite points per diagram both exact distances are computed ("exact");
    beyond it (where persim's exact matchings take minutes) only the sliced Wasserstein
    approximation is, and the exact values are None ("sliced").
    """
    pa, pb = _finite(a), _finite(b)
    out = {"sliced": sliced_wasserstein(pa, pb, n_directions)}
    if max(len(pa), len(pb)) <= exact_max:
        out.update(wasserstein=wasserstein(pa, pb), bottleneck=bottleneck(pa, pb), method="exact")
    else:
        out.update(wasserstein=None, bottleneck=None, method="sliced")
    return out


def distance_matrix(diagrams: list[np.ndarray], exact_max: int = 300, n_directions: int = 50) -> dict:
    """All pairwise distances of `diagrams`, one method for the whole matrix so that its values
    compare: exact Wasserstein and bottleneck when every diagram has at most `exact_max` finite
    points, else sliced Wasserstein only. Returns {"method", "wasserstein", "bottleneck",
    "sliced"}: float64[n, n] each (None for the exact ones under "sliced")."""
    ds = [_finite(d) for d in diagrams]
    n = len(ds)
    exact = all(len(d) <= exact_max for d in ds)
    keys = ("wasserstein", "bottleneck", "sliced") if exact else ("sliced",)
    mats = {k: np.zeros((n, n)) for k in keys}
    for i in range(n):
        for j in range(i + 1, n):
            vals = {"sliced": sliced_wasserstein(ds[i], ds[j], n_directions)}
            if exact:
                vals.update(wasserstein=wasserstein(ds[i], ds[j]), bottleneck=bottleneck(ds[i], ds[j]))
            for k in keys:
                mats[k][i, j] = mats[k][j, i] = vals[k]
    return {"method": "exact" if exact else "sliced", "wasserstein": mats.get("wasserstein"),
            "bottleneck": mats.get("bottleneck"), "sliced": mats["sliced"]}


# -- subspace angles ------------------------------------------------------------------------------

def spectrum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(squared singular values, descending; right singular vectors float64[D, r] as columns) of
    the uncentred matrix x, from the eigendecomposition of the smaller Gram matrix (fast for
    n >> D or D >> n; float64 keeps the leading vectors accurate)."""
    x = np.asarray(x, dtype=np.float64)
    n, dim = x.shape
    if n >= dim:
        w, v = np.linalg.eigh(x.T @ x)
        order = np.argsort(w)[::-1]
        return np.maximum(w[order], 0.0), v[:, order]
    w, u = np.linalg.eigh(x @ x.T)
    order = np.argsort(w)[::-1]
    w, u = np.maximum(w[order], 0.0), u[:, order]
    keep = w > w[0] * 1e-12
    return w[keep], (x.T @ u[:, keep]) / np.sqrt(w[keep])


def energy_dim(x: np.ndarray, energy: float = 0.9, _spec=None) -> int:
    """Smallest k whose top-k right singular vectors keep `energy` of sum ||x_i||^2 (uncentred)."""
    w, _ = _spec or spectrum(x)
    e = np.cumsum(w) / max(float(w.sum()), 1e-300)
    return int(min(np.searchsorted(e, energy - 1e-12) + 1, len(w)))


def principal_basis(x: np.ndarray, dim: int, _spec=None) -> np.ndarray:
    """float64[D, k]: orthonormal basis of the top-`dim` uncentred principal subspace of x
    (the span the rows mostly lie in, their common direction included); k = min(dim, rank)."""
    w, v = _spec or spectrum(x)
    rank = int((w > w[0] * 1e-10).sum()) if len(w) and w[0] > 0 else 1
    return v[:, : max(1, min(int(dim), rank))]


def angles_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Principal angles between the column spans of a and b, in degrees, largest first."""
    return np.degrees(subspace_angles(a, b))


def subspace_angle_table(x: np.ndarray, labels: np.ndarray, n_groups: int, energy: float = 0.9,
                         max_dim: int = 10, seed: int = 0) -> dict:
    """Angles between the principal subspaces of the groups of x (rows of group g: labels == g).

    The dimension k is the same for every group, so that angles are comparable: the number of
    components the most spread group needs to keep `energy` of its energy, capped at `max_dim`
    and at half the smallest group's size. (For CLIP-like embeddings the shared mean direction
    alone often holds 90 % of the energy, and k is 1: the angle between the groups' dominant
    directions. Forcing more dimensions adds directions of within-group noise, whose angles are
    near-random: the split-half yardstick shows when that happens.)
    Returns {"dim", "dims_needed" [G], "mean"/"min"/"max" float64[G, G] (degrees; diagonal 0),
    "within" float64[G]: mean angle between two random halves of each group (what noise alone
    gives), "random": mean angle between groups of the same sizes drawn at random from all rows}.
    """
    x = unit_rows(x, np.float32)  # `spectrum` works in float64, one group at a time
    labels = np.asarray(labels)
    groups = [x[labels == g] for g in range(n_groups)]
    sizes = [len(g) for g in groups]
    if n_groups < 1 or min(sizes) < 2:
        raise ValueError("every group needs at least 2 rows")
    specs = [spectrum(g) for g in groups]
    needed = [energy_dim(g, energy, sp) for g, sp in zip(groups, specs)]
    dim = max(1, min(max(needed), max_dim, min(sizes) // 2))
    bases = [principal_basis(g, dim, sp) for g, sp in zip(groups, specs)]
    mean, lo, hi = (np.zeros((n_groups, n_groups)) for _ in range(3))
    for i in range(n_groups):
        for j in range(i + 1, n_groups):
            a = angles_deg(bases[i], bases[j])
            mean[i, j] = mean[j, i] = a.mean()
            lo[i, j] = lo[j, i] = a.min()
            hi[i, j] = hi[j, i] = a.max()
    rng = np.random.default_rng(seed)
    within = np.zeros(n_groups)
    for g, rows in enumerate(groups):
        order = rng.permutation(len(rows))
        h = len(rows) // 2
        within[g] = angles_deg(principal_basis(rows[order[:h]], dim), principal_basis(rows[order[h:]], dim)).mean()
    shuffled = rng.permutation(labels[np.isin(labels, np.arange(n_groups))])
    pool = x[np.isin(labels, np.arange(n_groups))]
    rand_bases = [principal_basis(pool[shuffled == g], dim) for g in range(n_groups)]
    pairs = [angles_deg(rand_bases[i], rand_bases[j]).mean()
             for i in range(n_groups) for j in range(i + 1, n_groups)]
    return {"dim": dim, "dims_needed": needed, "mean": mean, "min": lo, "max": hi, "within": within,
            "random": float(np.mean(pairs)) if pairs else 0.0}


# -- modality gap and cross-modal similarity ------------------------------------------------------

def modality_gap(img: np.ndarray, txt: np.ndarray, caption_image: np.ndarray | None = None) -> dict:
    """How far apart the image and caption clouds sit.

    centroid_distance  ||mean(images) - mean(captions)|| (unit vectors: 0 .. 2)
    gap_share          share of the joint set's variance explained by the modality alone (the R^2
                       of the modality indicator), with both modalities weighted equally:
                       (||delta||^2 / 4) / ((var_img + var_txt) / 2 + ||delta||^2 / 4)
    direction_share    share of the joint variance along the gap direction delta / ||delta||
    matched_cosine     mean cosine of each caption with its own image (if caption_image given)
    img_proj, txt_proj every point's coordinate along the gap direction (for a histogram)
    """
    i, t = unit_rows(img, np.float32), unit_rows(txt, np.float32)
    mi, mt = i.mean(0, dtype=np.float64), t.mean(0, dtype=np.float64)
    delta = mi - mt
    dist = float(np.linalg.norm(delta))
    # mean ||x - mean||^2 = mean ||x||^2 - ||mean||^2, and ||x|| = 1 (no N x D temporaries)
    sq = lambda a: float((np.linalg.norm(a, axis=1).astype(np.float64) ** 2).mean())  # noqa: E731
    var_i = max(sq(i) - float(mi @ mi), 0.0) if len(i) else 0.0
    var_t = max(sq(t) - float(mt @ mt), 0.0) if len(t) else 0.0
    between = dist**2 / 4.0
    total = (var_i + var_t) / 2.0 + between
    u = delta / dist if dist > 0 else np.zeros_like(delta)
    m = (mi + mt) / 2.0
    ip, tp = i @ u - m @ u, t @ u - m @ u
    along = ((ip**2).mean() + (tp**2).mean()) / 2.0
    out = {"centroid_distance": dist,
           "centroid_cosine": float(mi @ mt / max(np.linalg.norm(mi) * np.linalg.norm(mt), 1e-12)),
           "gap_share": float(between / total) if total > 0 else 0.0,
           "direction_share": float(along / total) if total > 0 else 0.0,
           "var_images": var_i, "var_captions": var_t,
           "img_proj": ip, "txt_proj": tp}
    if caption_image is not None and len(t):
        ci, step = np.asarray(caption_image), 65536  # in chunks: no C x D temporary
        total_cos = sum(float((t[s:s + step] * i[ci[s:s + step]]).sum(1, dtype=np.float64).sum())
                        for s in range(0, len(t), step))
        out["matched_cosine"] = total_cos / len(t)
        out["mean_cross_cosine"] = float(mi @ mt)
    return out


def mean_cross_similarity(a: np.ndarray, a_labels: np.ndarray, b: np.ndarray, b_labels: np.ndarray,
                          n_groups: int) -> np.ndarray:
    """float64[G, G]: mean cosine similarity between every row of group i in a and every row of
    group j in b; exact, since the mean of u.v over all pairs is mean(u) . mean(v)."""
    a, b = unit_rows(a, np.float32), unit_rows(b, np.float32)
    ma = np.stack([a[a_labels == g].mean(0, dtype=np.float64) if (a_labels == g).any() else np.zeros(a.shape[1])
                   for g in range(n_groups)])
    mb = np.stack([b[b_labels == g].mean(0, dtype=np.float64) if (b_labels == g).any() else np.zeros(b.shape[1])
                   for g in range(n_groups)])
    return ma @ mb.T


def pca_2d(fit: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """2D PCA fitted on `fit` (centred), applied to `fit` and every array of `others`, so that
    several versions of a set (e.g. blurred) are drawn in one fixed frame."""
    fit = np.asarray(fit, dtype=np.float64)
    mu = fit.mean(0)
    _, _, vt = np.linalg.svd(fit - mu, full_matrices=False)
    w = vt[:2].T
    if w.shape[1] < 2:
        w = np.pad(w, ((0, 0), (0, 2 - w.shape[1])))
    return [(np.asarray(x, dtype=np.float64) - mu) @ w for x in (fit, *others)]


# -- summaries of the results above ---------------------------------------------------------------

def diagram_record(p: dict) -> dict:
    """The parts of a `persistence` result that are kept, with a `diagram_summary` per dimension."""
    return {"h0": p["h0"], "h1": p["h1"], "h0_infinite": p["h0_infinite"], "n_points": p["n_points"],
            "n_used": p["n_used"], "r_cover": p["r_cover"],
            "summary": {"h0": diagram_summary(p["h0"]), "h1": diagram_summary(p["h1"])}}


def off_diagonal(m) -> np.ndarray:
    """float64 copy of the square matrix m with NaN on the diagonal (a figure draws it grey: 0 by
    definition, it would flatten the colour scale)."""
    a = np.array(m, dtype=float)
    np.fill_diagonal(a, np.nan)
    return a


def mean_off_diagonal(m) -> float | None:
    """Mean of the entries of the square matrix m off its diagonal (None when there are none)."""
    a = np.asarray(m, dtype=float)
    off = a[~np.eye(len(a), dtype=bool)]
    return float(off.mean()) if off.size else None


def keep_groups(labels: np.ndarray, other_labels: np.ndarray, n_groups: int, minimum: int) -> tuple[list[int], np.ndarray]:
    """Groups 0..n_groups-1 with at least `minimum` members in `labels` and in `other_labels`
    (int arrays, -1: none). Returns (kept groups in order, `labels` renumbered: the i-th kept
    group becomes i, every other label -1)."""
    labels, other_labels = np.asarray(labels, dtype=np.int64), np.asarray(other_labels, dtype=np.int64)
    keep = [g for g in range(n_groups) if (labels == g).sum() >= minimum and (other_labels == g).sum() >= minimum]
    remap = np.full(n_groups + 1, -1)
    remap[keep] = np.arange(len(keep))
    return keep, np.where(labels >= 0, remap[labels], -1)


def shared_histogram(a: np.ndarray, b: np.ndarray, bins: int) -> dict:
    """Histograms of a and b on `bins` shared bins spanning both: {"edges", "a", "b"}."""
    both = np.concatenate([a, b])
    edges = np.linspace(float(both.min()), float(both.max()) + 1e-9, bins + 1) if both.size else np.arange(2.0)
    return {"edges": edges, "a": np.histogram(a, edges)[0], "b": np.histogram(b, edges)[0]}
