// The sharded query index's pure parts (src/ask/shards.js) and NaN ("not scored") downstream.
import test from 'node:test';
import assert from 'node:assert/strict';
import { rankCentroids, unscored, mergeShardScores, findSorted, shardBytes, createLru } from '../src/ask/shards.js';
import { scoreRows, topK, similarityBytes } from '../src/ask/score.js';
import { modelFiles, workerUrl, workerVersion } from '../src/ask/client.js';

test('rankCentroids: the probe best centroids by dot product, best first, ties by shard', () => {
  const c = Float32Array.from([1, 0, 0, 1, -1, 0, Math.SQRT1_2, Math.SQRT1_2, 0, 1]);
  assert.deepEqual(rankCentroids(c, 2, Float32Array.from([1, 0]), 2), [0, 3]);
  assert.deepEqual(rankCentroids(c, 2, Float32Array.from([0, 1]), 3), [1, 4, 3]); // 1 and 4 tie: lower first
  assert.deepEqual(rankCentroids(c, 2, Float32Array.from([0, 1]), 99).length, 5);
  assert.deepEqual(rankCentroids(c, 2, Float32Array.from([-1, 0]), 0), [2]); // at least one
});

test('shard scores merge into a NaN-filled array; topK and the shading skip NaN', () => {
  const out = unscored(6);
  assert.ok(Array.from(out).every(Number.isNaN));
  const q = Int8Array.from([127, 0, 0, 127]);
  const sc = Float32Array.from([1 / 127, 1 / 127]);
  mergeShardScores(out, Uint32Array.from([1, 4]), scoreRows(q, sc, 2, Float32Array.from([0.6, 0.8])));
  assert.ok(Math.abs(out[1] - 0.6) < 1e-6 && Math.abs(out[4] - 0.8) < 1e-6);
  assert.ok([0, 2, 3, 5].every((i) => Number.isNaN(out[i])));
  assert.deepEqual(topK(out, 5).map((h) => h.index), [4, 1]);
  const { bytes, lo, hi, scored } = similarityBytes(out);
  assert.equal(scored, 2);
  assert.ok(Math.abs(lo - 0.6) < 1e-6 && Math.abs(hi - 0.8) < 1e-6);
  assert.equal(bytes[4], 255);
  assert.equal(bytes[1], 0);
  assert.deepEqual([0, 2, 3, 5].map((i) => bytes[i]), [0, 0, 0, 0]);
  assert.equal(similarityBytes(unscored(3)).scored, 0); // nothing scored: all zero, no throw
});

test('findSorted: binary search in ascending ids', () => {
  const ids = Uint32Array.from([2, 5, 9, 10, 4000000]);
  ids.forEach((v, i) => assert.equal(findSorted(ids, v), i));
  for (const v of [0, 3, 11, 4000001]) assert.equal(findSorted(ids, v), -1);
  assert.equal(findSorted(new Uint32Array(0), 1), -1);
  const big = Uint32Array.from({ length: 1000 }, (_, i) => 3 * i + 1);
  for (let i = 0; i < 1000; i += 37) assert.equal(findSorted(big, 3 * i + 1), i);
});

test('createLru: bounded in bytes, evicts the least recently used, refuses what cannot fit', () => {
  const lru = createLru(100);
  lru.set('a', 1, 40);
  lru.set('b', 2, 40);
  assert.equal(lru.get('a'), 1); // a is now the most recent
  lru.set('c', 3, 40); // 120 > 100: b goes
  assert.deepEqual(lru.keys(), ['a', 'c']);
  assert.equal(lru.bytes, 80);
  assert.equal(lru.set('huge', 4, 101), false);
  assert.equal(lru.has('huge'), false);
  assert.equal(lru.bytes, 80);
  lru.set('a', 5, 10); // replacing counts the new size only
  assert.equal(lru.bytes, 50);
  for (let i = 0; i < 50; i++) { lru.set(i, i, 30); assert.ok(lru.bytes <= 100); }
  assert.equal(lru.size, 3);
  assert.equal(shardBytes(10, 512), 10 * 512 + 80);
});

test('modelFiles: a sharded index downloads only its centroids at init', () => {
  const bm = { version: 1, text: { file: 'model/text.onnx', bytes: 10 }, tokenizer: { file: 'model/tokenizer.json', bytes: 5 },
    image: null, dense: null,
    index: { file: null, scales: null, rows: 6, dim: 2, probe: 1, centroids: 'model/index.centroids.f32',
      assign: 'model/index.assign.u16', assign_dtype: 'uint16',
      shards: [{ file: 'model/index-00000.i8', scales: 'model/index-00000.scale.f32', ids: 'model/index-00000.ids.u32', rows: 4 },
        { file: 'model/index-00001.i8', scales: 'model/index-00001.scale.f32', ids: 'model/index-00001.ids.u32', rows: 2 }] } };
  const f = modelFiles(bm, 'http://h/data/demo/', 'http://h/explorer/index.html');
  assert.equal(f.bytes, 15 + 2 * 2 * 4); // the towers and the centroids, not the shards
  assert.equal(f.urls.index, null);
  assert.equal(f.urls.centroids, 'http://h/data/demo/model/index.centroids.f32');
  assert.equal(f.urls.assign, 'http://h/data/demo/model/index.assign.u16');
  assert.equal(f.urls.shards[1].ids, 'http://h/data/demo/model/index-00001.ids.u32');
  const evil = { ...bm, index: { ...bm.index, shards: [{ ...bm.index.shards[0], file: 'https://evil.example/x.i8' }] } };
  assert.throws(() => modelFiles(evil, 'http://h/data/demo/', 'http://h/e/'));
});

test('workerUrl carries the build\'s worker version; workerVersion reads it from index.html', () => {
  assert.equal(workerUrl('http://h/repo/explorer/index.html', 'abc123'), 'http://h/repo/explorer/ask-worker.js?v=abc123');
  assert.notEqual(workerUrl('http://h/e/', 'abc123'), workerUrl('http://h/e/', 'abc124'));
  assert.equal(workerUrl('http://h/e/', ''), 'http://h/e/ask-worker.js');
  const doc = { querySelector: (sel) => (sel === 'meta[name="atlas-worker-version"]' ? { getAttribute: () => 'f00d' } : null) };
  assert.equal(workerVersion(doc), 'f00d');
  assert.equal(workerVersion({ querySelector: () => null }), '');
  assert.equal(workerVersion(undefined), '');
});
