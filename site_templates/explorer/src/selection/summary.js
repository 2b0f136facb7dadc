/**
 * What is in a selection, pure: counts by modality and by each label field, the most frequent
 * caption words, and the captions nearest to it — by the selection's mean direction in the
 * embedding (an int8 query index, browser_model.index) or, without one, by how often a caption
 * is among the selected points' precomputed nearest neighbours.
 */

// Words too common to say anything about a selection.
const STOP = new Set(('a an the of on in at to and or with without is are was be its it this that these ' +
  'those for from by as there here some one two three photo picture image showing shows shown ' +
  'has have near next into onto over under').split(' '));

/** {images, captions} among `selection` (point < I is an image). */
export function modalityCounts(selection, I) {
  let images = 0;
  for (const p of selection) if (p < I) images++;
  return { images, captions: selection.length - images };
}

/** [{name, count}] of one label field over the selection, most frequent first (ties by name);
 * `values`: Uint8Array(N) (255 = none), `names`: the field's value names. */
export function fieldCounts(selection, values, names) {
  const counts = new Map();
  for (const p of selection) {
    const v = values[p];
    counts.set(v, (counts.get(v) || 0) + 1);
  }
  return [...counts].map(([v, count]) => ({ name: v === 255 ? '(none)' : String(names[v] ?? v), count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The `n` most frequent words of `texts` ([{word, count}]), stop words and numbers left out. */
export function topWords(texts, n = 8) {
  const counts = new Map();
  for (const t of texts) {
    for (const w of String(t).toLowerCase().normalize('NFC').match(/[\p{L}][\p{L}'-]*/gu) || []) {
      if (w.length < 2 || STOP.has(w)) continue;
      counts.set(w, (counts.get(w) || 0) + 1);
    }
  }
  return [...counts].map(([word, count]) => ({ word, count }))
    .sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : 1)).slice(0, n);
}

/** An even sample of at most `k` members of `selection`, in order. */
export function evenSample(selection, k) {
  if (selection.length <= k) return Array.from(selection);
  const out = [];
  for (let j = 0; j < k; j++) out.push(selection[Math.floor((j * selection.length) / k)]);
  return out;
}

/**
 * Captions (points >= I) most often among the nearest neighbours of the selected points:
 * `neighbours`: [[q, ...] per sampled member]. Returns [{p, count}] for the top `k`.
 */
export function nearestByNeighbours(neighbours, I, k = 5) {
  const counts = new Map();
  for (const list of neighbours) for (const q of list) if (q >= I) counts.set(q, (counts.get(q) || 0) + 1);
  return [...counts].map(([p, count]) => ({ p, count })).sort((a, b) => b.count - a.count || a.p - b.p).slice(0, k);
}

/**
 * Captions nearest the selection's mean direction in an int8 index (row i = point i, value =
 * int8 * scale[row]): mean of the members' rows, normalised, scored against every caption row.
 * Returns [{p, score}] for the top `k`, score = cosine similarity.
 */
export function nearestByMeanDirection(index, scales, dim, selection, I, k = 5) {
  const mean = new Float64Array(dim);
  for (const p of selection) {
    const s = scales[p];
    for (let d = 0; d < dim; d++) mean[d] += index[p * dim + d] * s;
  }
  let norm = 0;
  for (let d = 0; d < dim; d++) norm += mean[d] * mean[d];
  norm = Math.sqrt(norm) || 1;
  const rows = scales.length;
  const top = [];
  for (let p = I; p < rows; p++) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += index[p * dim + d] * mean[d];
    const score = (dot * scales[p]) / norm;
    if (top.length < k || score > top[top.length - 1].score) {
      top.push({ p, score });
      top.sort((a, b) => b.score - a.score || a.p - b.p);
      if (top.length > k) top.pop();
    }
  }
  return top;
}
