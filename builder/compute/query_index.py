"""The browser's query index: embeddings as int8 rows with a float32 scale per row, optionally split
into coarse k-means clusters (shards fetched on demand), and its recall@k against exact search.

Arrays in, arrays out. A row r is stored as q[r] = round(x[r] / scale[r]) with x[r] L2-normalised
and scale[r] = max|x[r]| / 127, so x[r] ~= q[r] * scale[r] and a query's score is
(q[r] . query) * scale[r]."""

from __future__ import annotations

import numpy as np

VERSION = 1
# k-means of the shards is fitted on at most this many rows per cluster, then refined by REFINE
# Lloyd steps on every row. At 1M clustered 512-D rows (benchmarks/ask_index_bench.py) 40 rows gave
# recall@10 0.50 at probe 8, 40 + 2 full steps 0.70, 160 rows 0.89.
FIT_ROWS_PER_CLUSTER = 160
REFINE = 1
# Shards per sqrt(rows) by default. On the 1M synthetic index (5,000 blobs, ask_index_bench) the share
# of true top-10 neighbours inside the 12 probed shards was 0.917 with sqrt(rows) shards (about 5 blobs
# per shard: a row's own shard wins by a thin margin, so a blob's rows scatter) and 0.975 with
# 2 * sqrt(rows) (probe 1 already 0.970); smaller shards also make each probe's fetch smaller.
SHARDS_PER_SQRT = 2


def default_clusters(n: int) -> int:
    """The number of shards of an n-row sharded index when the config leaves it at 0."""
    return max(2, int(round(SHARDS_PER_SQRT * np.sqrt(n))))


def normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(n, 1e-12)


def quantise_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float[n, d] -> (int8[n, d], float32[n] scale); rows are L2-normalised first."""
    x = normalise(x)
    scale = np.abs(x).max(axis=1) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.clip(np.rint(x / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


def dequantise(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return q.astype(np.float32) * np.asarray(scale, np.float32)[:, None]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores of each row, best first: int64[m, k]."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Mean |a_i & b_i| / |a_i| over rows."""
    return float(np.mean([len(set(x.tolist()) & set(y.tolist())) / max(len(x), 1) for x, y in zip(a, b)]))


def query_sample(n: int, m: int, seed: int) -> np.ndarray:
    """Sorted indices of up to m rows used as queries (the rows' own embeddings)."""
    return np.sort(np.random.default_rng(seed).choice(n, size=min(m, n), replace=False))


def recall_flat(x: np.ndarray, q: np.ndarray, scale: np.ndarray, queries: np.ndarray, k: int = 10,
                block: int = 256) -> float:
    """recall@k of int8 scoring against exact float32 search, the query row itself left out of both."""
    x = normalise(x)
    hits = []
    for s in range(0, len(queries), block):
        rows = queries[s : s + block]
        qv = x[rows]
        exact = qv @ x.T
        approx = (qv @ q.T.astype(np.float32)) * scale[None, :]
        exact[np.arange(len(rows)), rows] = -np.inf
        approx[np.arange(len(rows)), rows] = -np.inf
        hits.append(_overlap(top_k(exact, k), top_k(approx, k)) * len(rows))
    return float(sum(hits) / max(len(queries), 1))


def kmeans_shards(x: np.ndarray, n_clusters: int, seed: int, iters: int = 15,
                  refine: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Coarse clusters of the normalised rows: (centroids float32[c, d] unit norm, label int64[n]).
    Spherical k-means (Lloyd, cosine) fitted on a seeded sample of FIT_ROWS_PER_CLUSTER rows per
    cluster, plain numpy (sklearn's threaded k-means crawled on a busy machine); then every row goes
    to its most similar centroid, as the browser probes."""
    x = normalise(x)
    k = max(1, min(int(n_clusters), len(x)))
    fit = x[query_sample(len(x), FIT_ROWS_PER_CLUSTER * k, seed)]
    rng = np.random.default_rng(seed)
    cent = fit[rng.choice(len(fit), k, replace=False)].copy()
    for _ in range(iters):
        lab = np.argmax(fit @ cent.T, axis=1)
        sums = np.zeros_like(cent)
        np.add.at(sums, lab, fit)
        _recentre(cent, sums, lab)
    labels = _nearest(x, cent)
    for _ in range(refine):  # Lloyd steps on every row: a cluster's centroid from all of its rows
        from scipy import sparse

        member = sparse.csr_matrix((np.ones(len(x), np.float32), (labels, np.arange(len(x)))), shape=(k, len(x)))
        _recentre(cent, np.asarray(member @ x, np.float32), labels)
        labels = _nearest(x, cent)
    return cent.astype(np.float32), labels.astype(np.int64)


def _recentre(cent: np.ndarray, sums: np.ndarray, labels: np.ndarray) -> None:
    """Each centroid (in place) to the normalised sum of its rows; an empty cluster keeps its centroid."""
    filled = np.bincount(labels, minlength=len(cent)) > 0
    cent[filled] = normalise(sums[filled])


def _nearest(x: np.ndarray, cent: np.ndarray, block: int = 65536) -> np.ndarray:
    return np.concatenate([np.argmax(x[s : s + block] @ cent.T, axis=1) for s in range(0, len(x), block)])


def sharded(x: np.ndarray, n_clusters: int, seed: int, refine: int = REFINE) -> dict:
    """The sharded index: centroids, and per cluster its point ids (ascending), int8 rows and scales.
    -> {"centroids": float32[c, d], "ids": [uint32[n_c]], "rows": [int8[n_c, d]], "scales": [float32[n_c]]}
    Empty clusters are dropped; "assign" int64[n] is each point's shard (its place in "ids")."""
    centroids, labels = kmeans_shards(x, n_clusters, seed, refine=refine)
    q, scale = quantise_rows(x)
    counts = np.bincount(labels, minlength=len(centroids))
    keep = np.flatnonzero(counts > 0)
    order = np.argsort(labels, kind="stable")  # ascending ids within each cluster
    ends = np.cumsum(counts[keep])
    ids = [a.astype(np.uint32) for a in np.split(order, ends[:-1])]
    renumber = np.full(len(centroids), -1, np.int64)
    renumber[keep] = np.arange(len(keep))
    return {"centroids": centroids[keep], "ids": ids, "rows": [q[i] for i in ids], "scales": [scale[i] for i in ids],
            "assign": renumber[labels]}


def assign_dtype(shards: int) -> str:
    """The point -> shard file's dtype: uint16 while shard numbers fit, else uint32."""
    return "uint16" if shards < 65536 else "uint32"


def recall_sharded(x: np.ndarray, index: dict, queries: np.ndarray, probe: int, k: int = 10) -> float:
    """recall@k of probing the `probe` clusters whose centroids score highest (int8 scoring inside
    them) against exact float32 search over every row, the query row itself left out of both."""
    x = normalise(x)
    cent = index["centroids"]
    truths = []
    for s in range(0, len(queries), 256):  # exact search, a block of queries per matrix product
        rows = queries[s : s + 256]
        exact = x[rows] @ x.T
        exact[np.arange(len(rows)), rows] = -np.inf
        truths.append(top_k(exact, k))
    truths = np.concatenate(truths) if truths else np.zeros((0, k), np.int64)
    hits = 0.0
    for r, truth in zip(queries, truths):
        qv = x[r]
        best = np.argsort(-(cent @ qv), kind="stable")[: max(1, probe)]
        ids = np.concatenate([index["ids"][c] for c in best]).astype(np.int64)
        rows = np.concatenate([index["rows"][c] for c in best]).astype(np.float32)
        scales = np.concatenate([index["scales"][c] for c in best])
        s = (rows @ qv) * scales
        s[ids == r] = -np.inf
        found = ids[top_k(s[None], k)[0]]
        hits += len(set(found.tolist()) & set(truth.tolist())) / k
    return float(hits / max(len(queries), 1))
