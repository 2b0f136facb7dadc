/**
 * Scoring in the browser: pure functions on typed arrays, unit-tested.
 *
 * The query index (manifest browser_model.index) is int8 rows with a float32 scale per row:
 * row r ~= q[r] * scale[r], rows L2-normalised before quantisation, so a unit query's cosine
 * with row r is scale[r] * (q[r] . query).
 */

/** Cosines of `query` (Float32Array(dim)) with every row: Float32Array(rows). */
export function scoreRows(q, scales, dim, query, out = new Float32Array(scales.length)) {
  const rows = scales.length;
  for (let r = 0, o = 0; r < rows; r++, o += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += q[o + j] * query[j];
    out[r] = s * scales[r];
  }
  return out;
}

/** One dequantised row as Float32Array(dim). */
export function rowOf(q, scales, dim, r) {
  const out = new Float32Array(dim);
  for (let j = 0; j < dim; j++) out[j] = q[r * dim + j] * scales[r];
  return out;
}

/**
 * The k best rows of `scores` in [from, to), best first: [{index, score}]. A bounded min-heap
 * (O(n log k)); ties keep the lower index first.
 */
export function topK(scores, k, from = 0, to = scores.length) {
  const heap = []; // min-heap on (score, -index)
  const less = (a, b) => a.score < b.score || (a.score === b.score && a.index > b.index);
  const up = (i) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i) => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = from; i < to && k > 0; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) continue;
    if (heap.length < k) {
      heap.push({ index: i, score: s });
      up(heap.length - 1);
    } else if (s > heap[0].score) {
      heap[0] = { index: i, score: s };
      down(0);
    }
  }
  return heap.sort((a, b) => b.score - a.score || a.index - b.index);
}

/**
 * Where a query goes on the map: the mean of its top hits' positions weighted by their cosine
 * (negative cosines count 0; all zero: the plain mean). `position(i)` -> [x, y, z].
 */
export function weightedMean(hits, position) {
  const sum = [0, 0, 0];
  let total = 0;
  const weights = hits.map((h) => Math.max(h.score, 0));
  const plain = weights.every((w) => w === 0);
  hits.forEach((h, i) => {
    const w = plain ? 1 : weights[i];
    const p = position(h.index);
    for (let d = 0; d < 3; d++) sum[d] += w * p[d];
    total += w;
  });
  return total > 0 ? sum.map((v) => v / total) : null;
}

/** Dot products of unit vectors: Float32Array(rows.length). */
export function cosines(vector, rows) {
  return Float32Array.from(rows, (r) => r.reduce((s, v, j) => s + v * vector[j], 0));
}

/** softmax(logitScale * cosines), as CLIP's zero-shot does. */
export function softmax(cos, logitScale) {
  const logits = Array.from(cos, (c) => c * logitScale);
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/**
 * Scores as one byte per point for the "similarity" colour mode: the range from the 2nd to the
 * 99.9th percentile of the scored points maps to 0..255 (outliers clamp), so the ramp is used
 * fully. NaN (a point a sharded index did not score) is left out of the range and gets 0, the
 * ramp's coldest colour. Returns {bytes, lo, hi, scored}.
 */
export function similarityBytes(scores) {
  let scored = 0;
  for (let i = 0; i < scores.length; i++) if (!Number.isNaN(scores[i])) scored++;
  const sorted = new Float32Array(scored); // only the scored points: a sharded index's few
  for (let i = 0, o = 0; i < scores.length; i++) if (!Number.isNaN(scores[i])) sorted[o++] = scores[i];
  sorted.sort();
  const at = (f) => sorted[Math.min(scored - 1, Math.max(0, Math.round(f * (scored - 1))))];
  const lo = scored ? at(0.02) : 0, hi = scored ? at(0.999) : 0;
  const span = hi - lo || 1;
  const bytes = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    bytes[i] = Number.isNaN(s) ? 0 : Math.max(0, Math.min(255, Math.round(((s - lo) / span) * 255)));
  }
  return { bytes, lo, hi, scored };
}

/** A unit vector's saliency over a dense grid: cosine per patch, Float32Array(cells). */
export function patchScores(q, scales, dim, firstRow, cells, vector) {
  const out = new Float32Array(cells);
  for (let c = 0; c < cells; c++) {
    const o = (firstRow + c) * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += q[o + j] * vector[j];
    out[c] = s * scales[firstRow + c];
  }
  return out;
}
