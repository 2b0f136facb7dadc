/**
 * What the legend shows and what it asks the map to draw, without the DOM: its rows, its note,
 * and the state of every value (shown, dimmed or hidden) as texture data for the point shader.
 */
import { MAX_COLOURED } from '../gl/palette.js';

export const SHOWN = 0, DIMMED = 1, HIDDEN = 2, FOCUSED = 3; // FOCUSED: shown, a little larger

/** Histogram of a uint8 buffer. */
export function countValues(values) {
  const counts = new Uint32Array(256);
  for (let i = 0; i < values.length; i++) counts[values[i]]++;
  return counts;
}

/** The display name of value i of a legend with `names`. */
export function valueName(names, i) {
  if (i === 255) return '(none)';
  return names && names[i] !== undefined ? String(names[i]) : `#${i}`;
}

/**
 * Every value that occurs, as rows {value, name, count, color}: most points first (modality in
 * its own order), "(none)" last. `table` is palette.colorTable's result.
 */
export function legendRows(mode, names, counts, table) {
  const rows = [];
  for (let i = 0; i < 256; i++) {
    if (counts[i] > 0) rows.push({ value: i, name: valueName(names, i), count: counts[i], color: table.colors[i] });
  }
  if (mode !== 'modality') rows.sort((a, b) => (a.value === 255) - (b.value === 255) || b.count - a.count || a.value - b.value);
  return rows;
}

/** The legend's note when some values share the grey ('' when every value has a colour). */
export function legendNote(table) {
  if (table.coloured >= table.values) return '';
  return `${table.values} values: top ${MAX_COLOURED - 1} coloured, the rest grey — isolate one to see it`;
}

/**
 * The state of each value: `hover` (the legend row under the pointer, or -1) is focused and every
 * other value dimmed; else `isolated` (or -1) likewise; values in `hidden` are not drawn, unless
 * hovered or isolated. Returns Uint8Array(256 * 4) RGBA texture data, the state in R.
 */
export function valueStates({ isolated = -1, hidden = [], hover = -1 } = {}) {
  const out = new Uint8Array(256 * 4);
  const focus = hover >= 0 ? hover : isolated;
  if (focus >= 0) for (let i = 0; i < 256; i++) out[i * 4] = DIMMED;
  for (const v of hidden) out[v * 4] = HIDDEN;
  if (focus >= 0) out[focus * 4] = FOCUSED;
  return out;
}

/** The value a point is drawn highlighted for, or -1: the hovered row, else the isolated one. */
export function focusValue({ isolated = -1, hover = -1 }) {
  return hover >= 0 ? hover : isolated;
}
