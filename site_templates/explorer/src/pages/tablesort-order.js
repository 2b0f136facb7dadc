/**
 * Sortable tables' ordering, without a DOM: numbers (including "12.5 %", "1,234", "−3" and
 * "1e-4") sort numerically and before text; text alphabetically (numeric-aware, case-insensitive);
 * empty, "n/a" and "–" cells last. Ties keep their order.
 */

const NUMBER = /^[-+−]?\d[\d,]*(\.\d+)?(e[-+]?\d+)?\s*%?$/i;
const EMPTY = new Set(['', 'n/a', '–']);

/** A cell's sort key {num, text}: num is null unless the (trimmed) text is a number. */
export function cellValue(text) {
  const compact = text.replace(/\u2009|\u00a0/g, ' ');
  if (NUMBER.test(compact)) return { num: parseFloat(compact.replace(/,/g, '').replace('−', '-')), text };
  return { num: null, text };
}

export function compare(a, b) {
  if (a.num !== null && b.num !== null) return a.num - b.num;
  if (a.num !== null) return -1;
  if (b.num !== null) return 1;
  const ea = EMPTY.has(a.text), eb = EMPTY.has(b.text);
  if (ea !== eb) return ea ? 1 : -1;
  return a.text.localeCompare(b.text, undefined, { numeric: true, sensitivity: 'base' });
}

/** The order (indices into `texts`) that sorts the column ascending or descending, stably. */
export function sortOrder(texts, ascending) {
  const keys = texts.map(cellValue);
  return keys.map((_, i) => i).sort((i, j) => {
    const c = compare(keys[i], keys[j]);
    return (ascending ? c : -c) || i - j;
  });
}
