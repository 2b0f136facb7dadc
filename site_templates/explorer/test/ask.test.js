// Pure parts of "Ask the model": int8 scoring, top-k, marker placement, shading bytes,
// zero-shot, the prompt lab's rows, the cleaning before BPE, image preprocessing.
import test from 'node:test';
import assert from 'node:assert/strict';
import { scoreRows, rowOf, topK, weightedMean, similarityBytes, softmax, patchScores } from '../src/ask/score.js';
import { promptSets, zeroShot, allPrompts } from '../src/ask/zero-shot.js';
import { labRows, denseBoxInThumb, heatColor } from '../src/ui/prompt-lab.js';
import { cleanText, htmlUnescape } from '../src/ask/clean.js';
import { resize, resizedSize, preprocess, pyRound } from '../src/ask/preprocess.js';
import { availability, modelFiles } from '../src/ask/client.js';
import { rampPalette } from '../src/ask/ramp.js';

test('int8 rows score as scale * (q . query), and dequantise back', () => {
  const q = Int8Array.from([127, 0, 0, 127, -127, 0]);
  const scales = Float32Array.from([1 / 127, 1 / 127, 1 / 127]);
  const s = scoreRows(q, scales, 2, Float32Array.from([1, 0]));
  assert.deepEqual(Array.from(s).map((x) => +x.toFixed(5)), [1, 0, -1]);
  assert.deepEqual(Array.from(rowOf(q, scales, 2, 2)).map((x) => +x.toFixed(5)), [-1, 0]);
});

test('topK is the k best, best first, within a range, ties by index', () => {
  const s = Float32Array.from([0.1, 0.9, 0.5, 0.9, NaN, 0.3]);
  assert.deepEqual(topK(s, 3).map((h) => h.index), [1, 3, 2]);
  assert.deepEqual(topK(s, 2, 4, 6).map((h) => h.index), [5]);
  const big = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
  const want = Array.from(big.keys()).sort((a, b) => big[b] - big[a] || a - b).slice(0, 10);
  assert.deepEqual(topK(big, 10).map((h) => h.index), want);
});

test('the query marker is the cosine-weighted mean of its hits; negative cosines weigh nothing', () => {
  const pos = [[0, 0, 0], [2, 0, 0], [0, 4, 0]];
  const at = weightedMean([{ index: 0, score: 0.75 }, { index: 1, score: 0.25 }, { index: 2, score: -0.5 }], (i) => pos[i]);
  assert.deepEqual(at, [0.5, 0, 0]);
  assert.deepEqual(weightedMean([{ index: 1, score: -1 }, { index: 2, score: -1 }], (i) => pos[i]), [1, 2, 0]);
});

test('similarity bytes span 0..255 and keep the order of the scores', () => {
  const scores = Float32Array.from({ length: 500 }, (_, i) => i / 500);
  const { bytes, lo, hi } = similarityBytes(scores);
  assert.ok(lo < hi);
  assert.equal(bytes[0], 0);
  assert.equal(bytes[499], 255);
  for (let i = 1; i < 500; i++) assert.ok(bytes[i] >= bytes[i - 1]);
  assert.equal(rampPalette().length, 1024);
});

test('softmax at the logit scale, and the prompt lab rows', () => {
  const p = softmax([0.3, 0.2], 100);
  assert.ok(Math.abs(p[0] - 1 / (1 + Math.exp(-10))) < 1e-9);
  const rows = labRows(['a', 'b'], [0.3, 0.2], 100);
  assert.equal(rows[0].logit, 30);
  assert.ok(Math.abs(rows[0].p + rows[1].p - 1) < 1e-12);
});

test('zero-shot uses the manifest prompts by the prompt rule, and falls back to "a photo of a"', () => {
  const manifest = { legends: { fields: [{ field: 'colour', names: ['red', 'blue'], prompts: [['a red star', 'a red ring'], []] }] } };
  const sets = promptSets(manifest);
  assert.deepEqual(sets[0].prompts, [['a red star', 'a red ring'], ['a photo of a blue.']]);
  assert.deepEqual(allPrompts(sets), ['a red star', 'a red ring', 'a photo of a blue.']);
  const emb = new Map([['a red star', [1, 0]], ['a red ring', [0, 1]], ['a photo of a blue.', [0.6, 0.8]]]);
  const max = zeroShot([1, 0], sets, emb, 100, 'max')[0].rows;
  assert.equal(max[0].name, 'red');
  assert.equal(max[0].cosine, 1);
  const mean = zeroShot([1, 0], sets, emb, 100, 'mean')[0].rows;
  assert.ok(Math.abs(mean.find((r) => r.name === 'red').cosine - Math.SQRT1_2) < 1e-6);
});

test('patch scores are one dot product per cell of an image\'s rows', () => {
  const q = Int8Array.from([1, 0, 0, 1, 1, 1]);
  const m = patchScores(q, Float32Array.from([1, 1, 0.5]), 2, 1, 2, [1, 0]);
  assert.deepEqual(Array.from(m), [0, 0.5]);
  assert.equal(heatColor(m).length, 8);
  assert.deepEqual(denseBoxInThumb([16, 0, 144, 128]), [0.1, 0, 0.8, 1]);
});

test('cleaning as open_clip: ftfy fixes, HTML entities twice, whitespace, lower case', () => {
  assert.equal(cleanText('  A  “Red”\tStar&amp;amp;  '), 'a "red" star&');
  assert.equal(cleanText('ﬁne ＡＢＣ\u3000x'), 'fine abc x');
  assert.equal(htmlUnescape('&notit; &#128; &#x110000; &amp'), '¬it; € \ufffd &');
  assert.equal(cleanText('<b>&lt;i&gt;</b>'), '<b><i></b>');
});

test('preprocessing: PIL-like resize, centre crop, normalisation', () => {
  assert.deepEqual(resizedSize(200, 100, { size: [64, 64], resize: 'shortest' }), [128, 64]);
  assert.deepEqual(resizedSize(200, 100, { size: [64, 64], resize: 'squash' }), [64, 64]);
  assert.equal(pyRound(0.5), 0);
  assert.equal(pyRound(1.5), 2);
  const flat = new Uint8Array(10 * 6 * 4).fill(200);
  const r = resize(flat, 10, 6, 5, 3, 'bicubic');
  assert.ok(r.every((v) => v === 200)); // a flat image stays flat
  const spec = { size: [3, 3], resize: 'shortest', crop: 'center', interpolation: 'bicubic', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
  const out = preprocess({ data: flat, width: 10, height: 6 }, spec);
  assert.equal(out.length, 27);
  assert.ok(out.every((v) => Math.abs(v - (200 / 255 - 0.5) / 0.5) < 1e-6));
});

test('availability: no browser_model or no WebAssembly means word search with a reason', () => {
  assert.equal(availability({}).ok, false);
  const bm = { version: 1, text: { file: 'model/text.onnx', bytes: 10 }, tokenizer: { file: 'model/tokenizer.json', bytes: 5 },
    index: { file: 'model/index.i8', scales: 'model/index.scale.f32', rows: 4, dim: 2 }, image: null, dense: null };
  assert.equal(availability({ browser_model: bm }, { WebAssembly: {}, Worker: function W() {} }).ok, true);
  assert.match(availability({ browser_model: bm }, {}).why, /WebAssembly/);
  const f = modelFiles(bm, 'http://h/data/demo/', 'http://h/explorer/index.html');
  assert.equal(f.urls.wasmDir, 'http://h/explorer/ort/');
  assert.equal(f.urls.text, 'http://h/data/demo/model/text.onnx');
  assert.equal(f.bytes, 15 + 4 * (2 + 4)); // tokenizer + text + int8 rows and a float32 scale per row
  assert.throws(() => modelFiles({ ...bm, text: { file: 'http://evil.example/x.onnx' } }, 'http://h/data/demo/', 'http://h/e/'));
});
