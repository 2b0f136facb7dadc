import test from 'node:test';
import assert from 'node:assert/strict';
import {
  VIRIDIS, colourTable, isImageSrc, upsample, mapValues, sharedRange, similarityRange, checkBuffers, heatmapPixels,
  percent, logit, barFraction,
} from '../src/pages/saliency-maps.js';
import { fmt, pct, cleanPath, labelsText, sparklinePoints, curveAxes, barWidths, spriteStyle, boxStyle, unitHash, unitFromHash }
  from '../src/pages/neurons-format.js';
import { cellValue, sortOrder } from '../src/pages/tablesort-order.js';

test('the colour table runs through the viridis stops, ends included', () => {
  const lut = colourTable();
  assert.equal(lut.length, 768);
  assert.deepEqual([...lut.slice(0, 3)], VIRIDIS[0]);
  assert.deepEqual([...lut.slice(765)], VIRIDIS[8]);
  // halfway between stop 4 (at 127.5) and its neighbours: index 128 lies just past stop 4
  assert.ok(Math.abs(lut[128 * 3] - VIRIDIS[4][0]) <= 1);
});

test('upsampling keeps constants, and corners of a 2x2 grid stay at their values', () => {
  assert.ok(upsample(new Float32Array([0.5, 0.5, 0.5, 0.5]), 2, 2, 5, 3).every((v) => Math.abs(v - 0.5) < 1e-6));
  const g = new Float32Array([0, 1, 2, 3]);
  const up = upsample(g, 2, 2, 4, 4);
  assert.equal(up[0], 0);
  assert.equal(up[15], 3);
  assert.ok(up[1] > 0 && up[1] < 1); // interpolated along the first row
  assert.equal(upsample(g, 2, 2, 2, 2).join(), '0,1,2,3'); // same size: the grid itself
});

test('map rows scale to 0..1 alone, or onto the image\'s shared range', () => {
  const raw = new Uint8Array([0, 255, 51]);
  assert.deepEqual([...mapValues(raw, -2, 8)], [0, 1, Math.fround(0.2)]);
  const shared = sharedRange([{ map: 0 }, { map: 1 }], { min: [1, 2], max: [3, 5] }, true);
  assert.deepEqual(shared, { lo: 0, hi: 5 }); // gradient maps keep 0 in range
  assert.deepEqual(sharedRange([{ map: 1 }], { min: [1, 2], max: [3, 5] }, false), { lo: 2, hi: 5 });
  const v = mapValues(new Uint8Array([0, 255]), 1, 3, shared);
  assert.ok(Math.abs(v[0] - 0.2) < 1e-6 && Math.abs(v[1] - 0.6) < 1e-6);
});

test('similarity range includes 0 and never collapses', () => {
  assert.deepEqual(similarityRange([{ prompts: [{ sim: 0.2 }, { sim: 0.3 }] }, { prompts: [{ sim: 0.25 }] }]), [0, 0.3]);
  assert.deepEqual(similarityRange([{ prompts: [{ sim: -0.1 }] }]), [-0.1, 0.9]);
});

test('only the build\'s own images are shown; buffers must match index.json', () => {
  assert.ok(isImageSrc('images/007.webp'));
  for (const bad of ['https://evil.example/a.webp', '../images/1.webp', 'images/1.webp?x', 'images/1.png']) {
    assert.ok(!isImageSrc(bad), bad);
  }
  const data = { grid: [2, 3], maps: { shape: [2] }, tokens: { shape: [1] } };
  checkBuffers(data, new Uint8Array(12), new Uint8Array(6));
  assert.throws(() => checkBuffers(data, new Uint8Array(11), new Uint8Array(6)), /do not match index.json/);
});

test('heatmap pixels: viridis colour, alpha rising with the value', () => {
  const lut = colourTable();
  const px = heatmapPixels(new Float32Array([0, 1, 2]), lut, 1);
  assert.deepEqual([...px.slice(0, 4)], [...VIRIDIS[0], Math.round(255 * 0.35)]);
  assert.deepEqual([...px.slice(4, 8)], [...VIRIDIS[8], 255]);
  assert.deepEqual([...px.slice(8)], [...px.slice(4, 8)]); // clamped
  assert.equal(heatmapPixels(new Float32Array([1]), lut, 0)[3], 0);
  assert.equal(percent(0.1234), '12.3 %');
  assert.equal(logit(16.537), '16.54');
  assert.equal(logit(-2), '-2.00');
  assert.equal(barFraction(1.5), 1);
  assert.equal(barFraction(-1), 0);
});

test('neuron numbers: n/a, exponents for tiny and huge, fixed otherwise', () => {
  assert.deepEqual([null, undefined, NaN, Infinity].map(fmt), ['n/a', 'n/a', 'n/a', 'n/a']);
  assert.equal(fmt(0), '0.000');
  assert.equal(fmt(0.5), '0.500');
  assert.equal(fmt(12.345), '12.35');
  assert.equal(fmt(0.001234), '1.23e-3');
  assert.equal(fmt(-25000), '-2.50e+4');
  assert.equal(pct(0.416), '42 %');
  assert.equal(pct(null), 'n/a');
});

test('data paths lose quotes, backslashes and spaces (they go into url("..."))', () => {
  assert.equal(cleanPath('units/a b/"x\\.webp'), 'units/ab/x.webp');
  assert.equal(labelsText({ shape: 'circle', colour: '<b>red</b>' }), '<b>red</b> · circle');
  assert.equal(labelsText(null), '');
});

test('sparkline points span the box; a single value draws nothing', () => {
  assert.equal(sparklinePoints([1], 220, 48), '');
  assert.equal(sparklinePoints([0, 1], 220, 48), '2.0,46.0 218.0,2.0');
  assert.equal(sparklinePoints([3, 3, 3], 10, 10), '2.0,8.0 5.0,8.0 8.0,8.0');
  assert.equal(curveAxes([0.5, 0.01, 2]), '0.010 (bottom) to 2.00 (top), first step (left) to last (right)');
  assert.equal(curveAxes([1]), '');
});

test('bar widths are relative to the largest magnitude; negative and missing are empty', () => {
  assert.deepEqual(barWidths([2, 4, -8, NaN]), [25, 50, 0, 0]);
  assert.deepEqual(barWidths([0, 0]), [0, 0]);
  assert.deepEqual(spriteStyle(2, 5, 64), { width: '64px', height: '64px', backgroundSize: '320px 64px', backgroundPosition: '-128px 0px' });
  assert.deepEqual(boxStyle([0.25, 0.5, 0.75, 1]), { left: '25%', top: '50%', width: '50%', height: '50%' });
  assert.equal(boxStyle().width, '100%');
});

test('unit addresses round-trip, also for layer names with odd characters', () => {
  const flat = [{ layer: { name: 'visual.layer2' }, entry: { unit: 3 } }, { layer: { name: 'a b:c' }, entry: { unit: 0 } }];
  assert.equal(unitHash(flat[0]), '#unit=visual.layer2%3A3');
  assert.equal(unitFromHash(unitHash(flat[1]), flat), 1);
  assert.equal(unitFromHash('#unit=visual.layer2:3', flat), 0);
  assert.equal(unitFromHash('#unit=nope:1', flat), -1);
  assert.equal(unitFromHash('#unit=%E0%A4%A', flat), -1); // malformed escape: ignored
  assert.equal(unitFromHash('', flat), -1);
});

test('table cells: numbers in many spellings, text, empties', () => {
  assert.equal(cellValue('1,234').num, 1234);
  assert.equal(cellValue('12.5 %').num, 12.5);
  assert.equal(cellValue('−3').num, -3);
  assert.equal(cellValue('1e-4').num, 1e-4);
  assert.equal(cellValue('12\u00a0%').num, 12);
  assert.equal(cellValue('ViT-B-32').num, null);
  assert.equal(cellValue('n/a').num, null);
});

test('sorting: numbers first, then text (numeric-aware), empties last; ties keep order', () => {
  const texts = ['b', '10', 'n/a', '2', 'a10', 'a9', '', '2', 'B'];
  const asc = sortOrder(texts, true).map((i) => texts[i]);
  assert.deepEqual(asc, ['2', '2', '10', 'a9', 'a10', 'b', 'B', '', 'n/a']);
  assert.deepEqual(sortOrder(texts, true).slice(0, 2), [3, 7]); // the two "2": stable
  const desc = sortOrder(texts, false).map((i) => texts[i]);
  assert.deepEqual(desc.slice(0, 2), ['n/a', '']);
  assert.deepEqual(desc.slice(-3), ['10', '2', '2']);
});

test('neuron overview: filter by concept, sort, beat ratio', async () => {
  const { visibleUnits, conceptScore, beatRatio } = await import('../src/pages/neurons-format.js');
  const units = [
    { unit: 0, activation: 1, dataset_max: 2, names: [{ concept: 'red', score: 0.5 }, { concept: 'circle', score: 0.2 }] },
    { unit: 1, activation: 3, dataset_max: 1, names: [{ concept: 'blue', score: 0.7 }] },
    { unit: 2, activation: 2, dataset_max: 1, names: [{ concept: 'dark red', score: 0.6 }] },
  ];
  assert.deepEqual(visibleUnits(units, '', 'unit').map((e) => e.unit), [0, 1, 2]);
  assert.deepEqual(visibleUnits(units, 'RED', 'name').map((e) => e.unit), [2, 0]);
  assert.deepEqual(visibleUnits(units, '', 'activation').map((e) => e.unit), [1, 2, 0]);
  assert.deepEqual(visibleUnits(units, '', 'beats').map((e) => e.unit), [1, 2, 0]);
  assert.equal(conceptScore(units[1], 'red'), null);
  assert.equal(beatRatio({ activation: NaN, dataset_max: 1 }), -Infinity);
});

test('acrossLayers lists one unit index through the layers of its kind, early to late', async () => {
  const { acrossLayers } = await import('../src/pages/neurons-format.js');
  const u = (unit) => ({ unit });
  const layers = [
    { name: 'b0.mlp', kind: 'mlp hidden units', units: [u(0), u(3)] },
    { name: 'b0', kind: 'residual stream', units: [u(3)] },
    { name: 'b2.mlp', kind: 'mlp hidden units', units: [u(1), u(2)] },
    { name: 'b5.mlp', kind: 'mlp hidden units', units: [u(3), u(0)] },
  ];
  const names = (steps) => steps.map((s) => s.layer.name);
  assert.deepEqual(names(acrossLayers(layers, layers[3], 3)), ['b0.mlp', 'b5.mlp']); // not b2 (no unit 3), not the residual
  assert.deepEqual(names(acrossLayers(layers, layers[0], 0)), ['b0.mlp', 'b5.mlp']);
  assert.equal(acrossLayers(layers, layers[0], 0)[1].entry, layers[3].units[1]);
  assert.deepEqual(names(acrossLayers(layers, layers[1], 3)), ['b0']);
  assert.deepEqual(acrossLayers([], layers[0], 0), []);
});

test('nameText marks a weak name and leaves a strong one as it is', async () => {
  const { nameText } = await import('../src/pages/neurons-format.js');
  assert.equal(nameText({ concept: 'red', score: 0.6, weak: false }), 'red');
  assert.equal(nameText({ concept: 'star', score: 0.1, weak: true }), 'star (weak)');
  assert.equal(nameText(undefined), '');
});

test('blockName shortens a layer name to its block', async () => {
  const { blockName } = await import('../src/pages/neurons-format.js');
  assert.equal(blockName('visual.transformer.resblocks.3.mlp.gelu'), 'block 3');
  assert.equal(blockName('visual.transformer.resblocks.11'), 'block 11');
  assert.equal(blockName('visual.layer2'), 'layer2');
  assert.equal(blockName('visual.conv1'), 'conv1');
});

test('weakNote states the bar, and nothing without one', async () => {
  const { weakNote } = await import('../src/pages/neurons-format.js');
  assert.match(weakNote(0.2), /ρ under 0\.20 is marked weak/);
  assert.equal(weakNote(null), ''); // concepts = "none": the index has no bar
  assert.equal(weakNote(undefined), '');
});
