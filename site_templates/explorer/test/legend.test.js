import test from 'node:test';
import assert from 'node:assert/strict';
import {
  colorTable, focusColor, paletteData, toRgb, QUALITATIVE, REST, NONE, CAPTION_GREY, NAMED, MODALITY_COLORS,
} from '../src/gl/palette.js';
import { countValues, legendNote, legendRows, valueStates, focusValue, SHOWN, DIMMED, HIDDEN, FOCUSED } from '../src/ui/legend-model.js';
import { colorModes, modeFor, viewOfMode } from '../src/modes.js';

/** OKLab of a '#rrggbb' colour (Björn Ottosson's matrices). */
function oklab(css) {
  const lin = toRgb(css).map((c) => { const x = c / 255; return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
  const [r, g, b] = lin;
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return [0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s, 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
    0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s];
}
const distance = (a, b) => Math.hypot(...oklab(a).map((v, i) => v - oklab(b)[i]));
const minDistance = (colors) => {
  let d = Infinity;
  for (let i = 0; i < colors.length; i++) for (let j = i + 1; j < colors.length; j++) d = Math.min(d, distance(colors[i], colors[j]));
  return d;
};

/** counts[i] = points of value i, from a list of [value, count]. */
const countsOf = (pairs) => { const c = new Uint32Array(256); for (const [v, n] of pairs) c[v] = n; return c; };

test('the 20 categorical colours are far apart, from each other, the greys and the background', () => {
  assert.equal(new Set(QUALITATIVE).size, 20);
  assert.ok(minDistance(QUALITATIVE) >= 0.12, minDistance(QUALITATIVE));
  for (const grey of [REST, NONE, CAPTION_GREY, '#0d1017']) {
    for (const c of QUALITATIVE) assert.ok(distance(c, grey) >= 0.12, `${c} vs ${grey}: ${distance(c, grey)}`);
  }
  // the first few, which small fields use, are further apart still
  assert.ok(minDistance(QUALITATIVE.slice(0, 5)) >= 0.24, minDistance(QUALITATIVE.slice(0, 5)));
});

test('up to 20 values: each its own colour; 255 is the "none" grey', () => {
  const counts = countsOf([[0, 5], [2, 9], [7, 1], [255, 4]]);
  const t = colorTable('label_0', counts, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  assert.deepEqual([t.colors[0], t.colors[2], t.colors[7]], QUALITATIVE.slice(0, 3));
  assert.equal(t.colors[255], NONE);
  assert.deepEqual([t.values, t.coloured, t.grey], [3, 3, []]);
  assert.equal(legendNote(t), '');
  const twenty = colorTable('cluster', countsOf(Array.from({ length: 20 }, (_, i) => [i, 1])));
  assert.equal(new Set(twenty.colors.slice(0, 20)).size, 20);
  assert.equal(legendNote(twenty), '');
  const modality = colorTable('modality', countsOf([[0, 3], [1, 6]]));
  assert.deepEqual(modality.colors.slice(0, 2), MODALITY_COLORS);
});

test('a field whose values are all colour words draws each in its own colour', () => {
  const names = ['blue', 'cyan', 'green', 'orange', 'pink', 'purple', 'red', 'yellow'];
  const t = colorTable('label_1', countsOf(names.map((_, i) => [i, 10 + i])), names);
  assert.deepEqual(t.colors.slice(0, 8), names.map((n) => NAMED[n]));
  const mixed = colorTable('label_1', countsOf([[0, 1], [1, 1]]), ['Red', 'circle']);
  assert.deepEqual(mixed.colors.slice(0, 2), QUALITATIVE.slice(0, 2));
  assert.equal(colorTable('label_1', countsOf([[0, 1], [1, 1]]), [' Red ', 'GREEN']).colors[0], NAMED.red);
});

test('beyond 20 values: the 19 most frequent coloured, the rest grey, and the legend says so', () => {
  // 79 values; value v has 100 - v points, so values 0..18 are the most frequent
  const counts = countsOf(Array.from({ length: 79 }, (_, v) => [v, 100 - v]));
  const t = colorTable('label_2', counts);
  assert.deepEqual([t.values, t.coloured, t.grey.length], [79, 19, 60]);
  assert.deepEqual(t.colors.slice(0, 19), QUALITATIVE.slice(0, 19));
  assert.ok(t.colors.slice(19, 79).every((c) => c === REST));
  assert.equal(legendNote(t), '79 values: top 19 coloured, the rest grey — isolate one to see it');
  // an isolated grey value takes the 20th colour, which no other value has; a coloured one keeps its own
  assert.equal(focusColor(t, 50), QUALITATIVE[19]);
  assert.ok(!t.colors.includes(QUALITATIVE[19]));
  assert.equal(focusColor(t, 3), QUALITATIVE[3]);
  const bytes = paletteData(t, 50);
  assert.deepEqual([...bytes.slice(50 * 4, 50 * 4 + 4)], [...toRgb(QUALITATIVE[19]), 255]);
  assert.deepEqual([...bytes.slice(51 * 4, 51 * 4 + 4)], [...toRgb(REST), 255]);
  // ties go to the lower value: frequency, not position, picks the coloured ones
  const late = countsOf([...Array.from({ length: 30 }, (_, v) => [v, 1]), [29, 50]]);
  assert.equal(colorTable('x', late).colors[29], QUALITATIVE[0]);
});

test('the legend lists every value, most points first, "(none)" last, names as given', () => {
  const counts = countsOf([...Array.from({ length: 79 }, (_, v) => [v, v + 1]), [255, 500]]);
  const names = Array.from({ length: 79 }, (_, v) => (v === 5 ? '<img src=x onerror=alert(1)>' : `tag-${v}`));
  const t = colorTable('label_0', counts, names);
  const rows = legendRows('label_0', names, counts, t);
  assert.equal(rows.length, 80);
  assert.deepEqual(rows.slice(0, 2).map((r) => [r.value, r.name, r.count]), [[78, 'tag-78', 79], [77, 'tag-77', 78]]);
  assert.deepEqual(rows.at(-1), { value: 255, name: '(none)', count: 500, color: NONE });
  assert.equal(rows.find((r) => r.value === 5).name, '<img src=x onerror=alert(1)>');
  assert.equal(rows[0].color, QUALITATIVE[0]);
  const modality = legendRows('modality', ['image', 'caption'], countsOf([[0, 3], [1, 6]]), colorTable('modality', countsOf([[0, 3], [1, 6]])));
  assert.deepEqual(modality.map((r) => r.name), ['image', 'caption']); // its own order, not by count
  assert.equal(legendRows('x', [], countsOf([[4, 1]]), t)[0].name, '#4');
  assert.deepEqual([...countValues(new Uint8Array([1, 1, 255]))].filter(Boolean), [2, 1]);
});

test('value states: hover over isolation, others dimmed, hidden ones left out', () => {
  const state = (bytes, v) => bytes[v * 4];
  const none = valueStates();
  assert.ok([0, 7, 255].every((v) => state(none, v) === SHOWN));
  const iso = valueStates({ isolated: 7, hidden: [], hover: -1 });
  assert.deepEqual([state(iso, 7), state(iso, 0), state(iso, 255)], [FOCUSED, DIMMED, DIMMED]);
  const hidden = valueStates({ isolated: -1, hidden: [3, 255], hover: -1 });
  assert.deepEqual([state(hidden, 3), state(hidden, 255), state(hidden, 4)], [HIDDEN, HIDDEN, SHOWN]);
  const hover = valueStates({ isolated: 7, hidden: [3], hover: 3 }); // hovering a hidden row shows it
  assert.deepEqual([state(hover, 3), state(hover, 7), state(hover, 1)], [FOCUSED, DIMMED, DIMMED]);
  assert.equal(focusValue({ isolated: 7, hover: 3 }), 3);
  assert.equal(focusValue({ isolated: 7, hover: -1 }), 7);
});

const MANIFEST = {
  buffers: { positions: {}, modality: {}, category: {}, cluster: {}, label_0: {}, label_1: {} },
  legends: {
    category: { field: 'supercategory', names: ['animal', 'food'] },
    cluster: { names: ['cluster 0'] },
    fields: [{ field: 'category', buffer: 'label_0', names: ['cat', 'dog'] },
      { field: 'supercategory', buffer: 'label_1', names: ['animal', 'food'] },
      { field: 'gone', buffer: 'label_7', names: [] }],
  },
};

test('colour modes: modality, cluster, then every field by name (fields whose buffer is missing left out)', () => {
  const modes = colorModes(MANIFEST);
  assert.deepEqual(modes.map((m) => [m.key, m.label]),
    [['modality', 'modality'], ['cluster', 'cluster'], ['label_0', 'category'], ['label_1', 'supercategory']]);
  assert.equal(modeFor(modes, { field: 'supercategory' }).key, 'label_1');
  assert.equal(modeFor(modes, { field: 'category' }).key, 'label_0'); // a field named "category" is a field
  assert.equal(modeFor(modes, { colorBy: 'category' }, 'supercategory').key, 'label_1'); // old links: the default field
  assert.equal(modeFor(modes, { colorBy: 'cluster' }).key, 'cluster');
  assert.equal(modeFor(modes, { field: 'nope', colorBy: 'bogus' }).key, 'modality');
  assert.deepEqual(viewOfMode(modes[3]), { colorBy: '', field: 'supercategory' });
  assert.deepEqual(viewOfMode(modes[1]), { colorBy: 'cluster', field: '' });
  // a manifest without label fields offers its one category, named by its field
  const old = colorModes({ buffers: MANIFEST.buffers, legends: { category: MANIFEST.legends.category } });
  assert.deepEqual(old.map((m) => [m.key, m.label]), [['modality', 'modality'], ['cluster', 'cluster'], ['category', 'supercategory']]);
  assert.equal(modeFor(old, { colorBy: 'category' }, 'supercategory').key, 'category');
  assert.deepEqual(viewOfMode(old[2]), { colorBy: 'category', field: '' });
});
