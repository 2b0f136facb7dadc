/**
 * Caption search: pure functions, unit-tested.
 *
 * A query is split into words; a caption matches when it contains every word (case-insensitive
 * substring), so "red cir" finds "a red circle". Results keep caption order.
 */

export function tokenize(query) {
  return String(query || '')
    .toLowerCase()
    .split(/[\s,.;:!?"'()]+/u)
    .filter(Boolean);
}

/** Indices of `lowered` (already lower-cased texts) that contain every token. */
export function matchCaptions(lowered, query) {
  const tokens = tokenize(query);
  if (tokens.length === 0) return [];
  const out = [];
  for (let c = 0; c < lowered.length; c++) {
    const text = lowered[c];
    let ok = true;
    for (const t of tokens) {
      if (!text.includes(t)) { ok = false; break; }
    }
    if (ok) out.push(c);
  }
  return out;
}

/** Character ranges [start, end) in `text` where any token occurs, merged, for highlighting. */
export function highlightRanges(text, query) {
  const lower = text.toLowerCase();
  const ranges = [];
  for (const t of tokenize(query)) {
    let i = lower.indexOf(t);
    while (i !== -1) {
      ranges.push([i, i + t.length]);
      i = lower.indexOf(t, i + t.length);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}
