/**
 * Search: pure functions, unit-tested.
 *
 * A query is split into words (runs of Unicode letters, digits and combining marks); a text
 * matches when it contains every word as a whole word, case-insensitively: "red" finds
 * "a red circle" and "Red square", not "checkered" or "reddish". Searched: caption texts, and
 * per image its label values, dataset id and file name (an image counts once, by the first of
 * those kinds that matches). Results list images (by label, id, file name) before captions, as
 * they are fewer and would drop out of a long list; point order within each kind.
 */

const WORD_CHAR = '[\\p{L}\\p{N}\\p{M}]';
const WORD = new RegExp(`${WORD_CHAR}+`, 'gu');

/** The query's words, lower-cased (NFC, so "café" typed either way is one word). */
export function tokenize(query) {
  return String(query || '').normalize('NFC').toLowerCase().match(WORD) || [];
}

/** A regex for `word` (word characters only, so nothing to escape) standing as a whole word. */
function wholeWord(word, flags) {
  return new RegExp(`(?<!${WORD_CHAR})${word}(?!${WORD_CHAR})`, flags);
}

/** A test for lower-cased texts holding every word of `query`, or null for an empty query. */
export function wordMatcher(query) {
  const res = tokenize(query).map((t) => wholeWord(t, 'u'));
  return res.length ? (lowered) => res.every((re) => re.test(lowered)) : null;
}

/** Indices of `lowered` (already lower-cased texts) that hold every word of `query`. */
export function matchCaptions(lowered, query) {
  const test = wordMatcher(query);
  const out = [];
  if (test) for (let c = 0; c < lowered.length; c++) if (test(lowered[c])) out.push(c);
  return out;
}

/** What can match, in the order the count line names them. */
export const KINDS = [
  { kind: 'caption', one: 'caption', many: 'captions' },
  { kind: 'label', one: 'image by label', many: 'images by label' },
  { kind: 'id', one: 'id', many: 'ids' },
  { kind: 'file', one: 'file name', many: 'file names' },
];

/**
 * Matches of `query`: [{p, kind}], images by kind first, then captions (points I + c).
 * `index` = {I, captions: lowered caption texts, items: null or {labels, ids, files}: lowered
 * texts per image}.
 */
export function searchAll(index, query) {
  const test = wordMatcher(query);
  if (!test) return [];
  const byKind = { label: [], id: [], file: [] };
  const items = index.items;
  for (let i = 0; items && i < items.ids.length; i++) {
    const kind = test(items.labels[i]) ? 'label' : test(items.ids[i]) ? 'id' : test(items.files[i]) ? 'file' : '';
    if (kind) byKind[kind].push({ p: i, kind });
  }
  const captions = matchCaptions(index.captions, query).map((c) => ({ p: index.I + c, kind: 'caption' }));
  return [...byKind.label, ...byKind.id, ...byKind.file, ...captions];
}

/** "12 captions · 4 images by label · 1 id", or "no matches". */
export function countText(matches) {
  const n = {};
  for (const m of matches) n[m.kind] = (n[m.kind] || 0) + 1;
  const parts = KINDS.filter((k) => n[k.kind])
    .map((k) => `${n[k.kind].toLocaleString('en-US')} ${n[k.kind] === 1 ? k.one : k.many}`);
  return parts.length ? parts.join(' · ') : 'no matches';
}

/** Character ranges [start, end) in `text` where a query word stands as a whole word, merged. */
export function highlightRanges(text, query) {
  const ranges = [];
  for (const t of tokenize(query)) {
    for (const m of String(text).matchAll(wholeWord(t, 'giu'))) ranges.push([m.index, m.index + m[0].length]);
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
