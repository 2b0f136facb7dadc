/**
 * The sharded query index (manifest browser_model.index with `shards`): pure helpers, unit-tested;
 * the worker (worker.js) does the fetching.
 *
 * Above browser_model.shard_rows points the builder splits the index into spherical k-means
 * shards: unit centroids float32[S, D], and per shard its rows int8[n_s, D], scales float32[n_s]
 * and point ids uint32[n_s] (ascending). A query scores the centroids, fetches the `probe` best
 * shards and scores only their rows; every other point's score is NaN ("not scored").
 */

/** The `probe` shards whose centroids score highest against `query`, best first: [shard]. */
export function rankCentroids(centroids, dim, query, probe) {
  const n = centroids.length / dim;
  const scored = new Array(n);
  for (let c = 0, o = 0; c < n; c++, o += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += centroids[o + j] * query[j];
    scored[c] = { c, s };
  }
  scored.sort((a, b) => b.s - a.s || a.c - b.c);
  return scored.slice(0, Math.max(1, Math.min(probe, n))).map((x) => x.c);
}

/** A Float32Array(rows) of NaN: no point scored yet. */
export function unscored(rows) {
  return new Float32Array(rows).fill(NaN);
}

/** Write one shard's scores into the all-points array: out[ids[j]] = scores[j]. Returns out. */
export function mergeShardScores(out, ids, scores) {
  for (let j = 0; j < ids.length; j++) out[ids[j]] = scores[j];
  return out;
}

/** Position of `value` in the ascending array `ids` (binary search), or -1. */
export function findSorted(ids, value) {
  let lo = 0, hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid];
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Bytes one shard takes in memory: int8 rows, float32 scales, uint32 ids. */
export function shardBytes(rows, dim) {
  return rows * dim + 8 * rows;
}

/**
 * A least-recently-used cache bounded in bytes: get(key) (marks it used), set(key, value, bytes)
 * (evicts the least recently used entries until the total fits; a value larger than the bound is
 * not kept), has(key), bytes, size, limit.
 */
export function createLru(limit) {
  const map = new Map(); // insertion order = use order, oldest first
  let bytes = 0;
  return {
    get(key) {
      const e = map.get(key);
      if (!e) return undefined;
      map.delete(key);
      map.set(key, e);
      return e.value;
    },
    has: (key) => map.has(key),
    set(key, value, size) {
      if (map.has(key)) { bytes -= map.get(key).size; map.delete(key); }
      if (size > limit) return false;
      for (const [k, e] of map) {
        if (bytes + size <= limit) break;
        map.delete(k);
        bytes -= e.size;
      }
      map.set(key, { value, size });
      bytes += size;
      return true;
    },
    keys: () => [...map.keys()],
    get bytes() { return bytes; },
    get size() { return map.size; },
    limit,
  };
}
