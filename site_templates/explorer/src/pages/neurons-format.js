/** The neuron galleries' formatting and geometry, without a DOM (node-testable). */

/** An activation: "n/a" when missing, exponent form when tiny or huge, else 2-3 decimals. */
export function fmt(x) {
  if (x === null || x === undefined || !isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  return a !== 0 && (a < 0.01 || a >= 1e4) ? x.toExponential(2) : x.toFixed(a < 1 ? 3 : 2);
}

/** A share as "42 %". */
export const pct = (x) => (x === null || x === undefined ? 'n/a' : `${Math.round(100 * x)} %`);

/** A data path made safe for url("...") in CSS and for src: quotes, backslashes and spaces dropped. */
export const cleanPath = (path) => String(path).replace(/["\\\s]/g, '');

/** An exemplar's labels, sorted by field name, joined with " · ". */
export function labelsText(labels) {
  if (!labels) return '';
  return Object.keys(labels).sort().map((k) => labels[k]).join(' · ');
}

/** The polyline points (a string) of a sparkline of `values` in a w x h box with a 2 px margin. */
export function sparklinePoints(values, w, h) {
  if (!values || values.length < 2) return '';
  const lo = Math.min(...values), hi = Math.max(...values);
  const span = hi - lo || 1;
  return values.map((v, i) => `${(i / (values.length - 1) * (w - 4) + 2).toFixed(1)},${(h - 2 - (v - lo) / span * (h - 4)).toFixed(1)}`)
    .join(' ');
}

/** The sparkline's axes in words: what its bottom and top edges are worth, and what runs left to right. */
export function curveAxes(values) {
  if (!values || values.length < 2) return '';
  return `${fmt(Math.min(...values))} (bottom) to ${fmt(Math.max(...values))} (top), first step (left) to last (right)`;
}

/** Bar widths in % for values (non-finite -> 0, negative -> 0), relative to the largest |value|. */
export function barWidths(values) {
  const top = Math.max(...values.map((v) => (isFinite(v) ? Math.abs(v) : 0))) || 1;
  return values.map((v) => (isFinite(v) ? Math.max(0, v) / top * 100 : 0));
}

/** CSS of one tile of a horizontal sprite strip (k tiles of px x px), tile i. */
export function spriteStyle(i, k, px) {
  return { width: `${px}px`, height: `${px}px`, backgroundSize: `${k * px}px ${px}px`, backgroundPosition: `${-i * px}px 0px` };
}

/** CSS placing a box [x0, y0, x1, y1] (fractions) over its image. */
export function boxStyle(b = [0, 0, 1, 1]) {
  return { left: `${b[0] * 100}%`, top: `${b[1] * 100}%`, width: `${(b[2] - b[0]) * 100}%`, height: `${(b[3] - b[1]) * 100}%` };
}

/** "#unit=<layer>:<unit>" for item {layer, entry}, and back: the position of the unit a hash names, or -1. */
export const unitHash = (item) => `#unit=${encodeURIComponent(`${item.layer.name}:${item.entry.unit}`)}`;
export function unitFromHash(hash, flat) {
  const m = /^#unit=(.+)$/.exec(hash);
  if (!m) return -1;
  let key;
  try { key = decodeURIComponent(m[1]); } catch (e) { return -1; }
  return flat.findIndex((it) => `${it.layer.name}:${it.entry.unit}` === key);
}

/** The score of the unit's best name containing `query` (case-insensitive), or null when none does. */
export function conceptScore(entry, query) {
  const q = String(query || '').trim().toLowerCase();
  if (!q) return null;
  const hits = (entry.names || []).filter((n) => String(n.concept).toLowerCase().includes(q));
  return hits.length ? Math.max(...hits.map((n) => n.score)) : null;
}

/** How far the optimised image beats the dataset maximum (ratio; -Infinity when unknown). */
export function beatRatio(e) {
  if (!isFinite(e.activation) || !isFinite(e.dataset_max)) return -Infinity;
  return e.activation / Math.max(Math.abs(e.dataset_max), 1e-9) * Math.sign(e.dataset_max || 1);
}

const SORT_KEYS = {
  unit: (e) => -e.unit,
  activation: (e) => (isFinite(e.activation) ? e.activation : -Infinity),
  dataset: (e) => (isFinite(e.dataset_max) ? e.dataset_max : -Infinity),
  beats: beatRatio,
  name: (e) => (e.names && e.names.length ? e.names[0].score : -Infinity),
};
export const SORTS = Object.keys(SORT_KEYS);

/**
 * The units of one layer to show: those named by `query` (all when it is empty), ordered by `sort`
 * (largest first; 'unit': by index). With a query, 'name' sorts by the matching name's score.
 */
export function visibleUnits(units, query, sort) {
  const key = SORT_KEYS[sort] || SORT_KEYS.unit;
  const rows = units.map((e) => ({ e, s: conceptScore(e, query) })).filter((r) => !String(query || '').trim() || r.s !== null);
  const val = (r) => (sort === 'name' && r.s !== null ? r.s : key(r.e));
  return rows.sort((a, b) => (val(b) - val(a)) || (a.e.unit - b.e.unit)).map((r) => r.e);
}

/**
 * The layer progression of one unit index: the unit `unit` of every layer of the same kind as
 * `layer` that shows it, in the index's order (early to late), as [{layer, entry}]; the unit's
 * own layer included.
 */
export function acrossLayers(layers, layer, unit) {
  const out = [];
  for (const l of layers || []) {
    if (l.kind !== layer.kind) continue;
    const entry = (l.units || []).find((e) => e.unit === unit);
    if (entry) out.push({ layer: l, entry });
  }
  return out;
}

/** A name as shown: the concept, and "(weak)" after it when its score is under the bar. */
export const nameText = (n) => (n ? `${n.concept}${n.weak ? ' (weak)' : ''}` : '');

/** The panel's sentence on weak names for the index's bar (name_weak_below), or '' without one
 * (no vocabulary). How the bar is set is on the page, beside the figures that set it. */
export const weakNote = (bar) => (Number.isFinite(bar)
  ? ` A name with ρ under ${bar.toFixed(2)} is marked weak (the page's "Names in words" says how the bar is set).` : '');

/** A layer's short name for the progression: "block 3" (ViT), "layer2" (ResNet), else the name without "visual.". */
export function blockName(name) {
  const vit = /resblocks\.(\d+)/.exec(name);
  if (vit) return `block ${vit[1]}`;
  const resnet = /^visual\.(layer\d+)/.exec(name);
  return resnet ? resnet[1] : String(name).replace(/^visual\./, '');
}
