/**
 * The model in a Web Worker (a module worker, bundled as explorer/ask-worker.js): onnxruntime-web's
 * WebAssembly backend runs the exported text tower (and image tower), the tokenizer turns text
 * into ids, and the query index scores every point. Nothing here leaves the page's origin: the
 * main thread hands over URLs it has checked, and ort's .wasm comes from the site (wasmDir).
 *
 * Messages in:  {id, type, ...}      out: {id, ok, result} | {id, ok: false, error} | {type: "progress", loaded, total}
 *   init   {urls: {wasmDir, tokenizer, text, image?, index, scales, centroids?, assign?, shards?: [{file, scales,
 *           ids}], dense?, denseScales?}, spec: browser_model, bytes, cacheBytes?}
 *   embed  {texts}                  -> {vectors: Float32Array(n * dim)}
 *   query  {text | vector, k}       -> {vector, scores: Float32Array(rows), top: [{index, score}], shards?}
 *                                      (sharded index: NaN for every point outside the probed shards)
 *   image  {pixels, shape}          -> {vector}
 *   dense  {image, vectors}         -> {maps: [Float32Array(gh * gw)]}  (image: its place in dense.images)
 *   row    {index}                  -> {vector}: point index's row of the query index, dequantised
 *   stats  {}                       -> {indexBytes, centroidBytes, shardBytes, assignBytes, cachedShards,
 *                                       cacheLimit, shardFetches}: what the worker holds for the index
 *
 * A sharded index (spec.index.shards): init downloads only the centroids; a query fetches its
 * `probe` best shards (in parallel, once each: an LRU cache bounded in bytes keeps recent ones);
 * `row` reads the point -> shard file (assign) on first use, then binary-searches the shard's ids.
 */
import * as ort from 'onnxruntime-web/wasm';
import { createClipTokenizer } from './tokenizer.js';
import { scoreRows, topK, patchScores, rowOf } from './score.js';
import { rankCentroids, unscored, mergeShardScores, findSorted, shardBytes, createLru } from './shards.js';
import { fetchBytes, fetchOk } from '../data/fetch.js';

const ORT_WASM = 'ort-wasm-simd-threaded.wasm'; // copied into explorer/ort/ by build.mjs
export const SHARD_CACHE_BYTES = 96 * 1024 * 1024; // the shards kept between queries
let state = null; // {spec, tok, text, image, index, scales, dense, denseScales, dim, sharded}
let loaded = 0;
let total = 0;

/** fetch -> ArrayBuffer, reporting bytes as they arrive (`uncounted`: its size is not in the
 * total the page was told, so it is added from Content-Length). Files loaded without progress
 * (shards, the image tower, dense features) use fetchBytes. */
async function download(url, { uncounted = false } = {}) {
  const res = await fetchOk(url);
  if (uncounted) total += Number(res.headers.get('content-length')) || 0;
  const report = (n) => {
    loaded += n;
    self.postMessage({ type: 'progress', loaded, total });
  };
  if (!res.body) {
    const buf = await res.arrayBuffer();
    report(buf.byteLength);
    return buf;
  }
  const reader = res.body.getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.length;
    report(value.length);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out.buffer;
}

const SESSION = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };

/** What a text query needs is loaded first; the image tower and the dense features follow in the
 * background (state.later: awaited by the image and dense requests), so the first answer does
 * not wait for them. The runtime's .wasm is fetched here, in parallel with the model files
 * (ort would fetch it only once the first session is created). A sharded index: its centroids. */
async function init({ urls, spec, bytes, cacheBytes }) {
  total = bytes;
  const t0 = performance.now();
  // The site's own copy of the runtime, never a CDN. Only the .wasm is named: its JavaScript glue
  // is in this bundle (a string prefix would make ort import the glue from that folder too).
  const v = urls.wasmVersion ? `?v=${encodeURIComponent(urls.wasmVersion)}` : ''; // the build's version: no stale cache
  const wasmUrl = new URL(ORT_WASM + v, urls.wasmDir).href;
  ort.env.wasm.wasmPaths = { wasm: wasmUrl };
  ort.env.wasm.numThreads = 1; // no SharedArrayBuffer without COOP/COEP headers (GitHub Pages)
  ort.env.wasm.proxy = false;
  const get = (u, opts) => (u ? download(u, opts) : Promise.resolve(null));
  const [tokJson, text, index, scales, centroids, wasm] = await Promise.all([
    get(urls.tokenizer), get(urls.text), get(urls.index), get(urls.scales), get(urls.centroids),
    get(wasmUrl, { uncounted: true })]);
  const t1 = performance.now();
  ort.env.wasm.wasmBinary = new Uint8Array(wasm);
  const tok = createClipTokenizer(JSON.parse(new TextDecoder().decode(tokJson)), spec.tokenizer, spec.context_length);
  const session = await ort.InferenceSession.create(new Uint8Array(text), SESSION);
  state = { spec, tok, text: session, image: null, dim: spec.index.dim,
    index: index && new Int8Array(index), scales: scales && new Float32Array(scales), dense: null, denseScales: null,
    sharded: centroids ? { centroids: new Float32Array(centroids), urls, assign: null, inFlight: new Map(),
      cache: createLru(Number(cacheBytes) > 0 ? Number(cacheBytes) : SHARD_CACHE_BYTES), fetches: 0 } : null };
  const quiet = (u) => (u ? fetchBytes(u) : Promise.resolve(null));
  state.later = Promise.all([quiet(urls.image), quiet(urls.dense), quiet(urls.denseScales)]).then(async ([image, dense, denseScales]) => {
    state.image = image ? await ort.InferenceSession.create(new Uint8Array(image), SESSION) : null;
    state.dense = dense && new Int8Array(dense);
    state.denseScales = denseScales && new Float32Array(denseScales);
  });
  state.later.catch(() => {}); // reported by the request that needs them
  return { downloadMs: t1 - t0, initMs: performance.now() - t1, bytes: loaded };
}

async function embedTexts(texts) {
  const n = texts.length, L = state.tok.contextLength;
  const tokens = new ort.Tensor('int64', state.tok.encodeBatch(texts), [n, L]);
  const out = await state.text.run({ [state.text.inputNames[0]]: tokens });
  return out[state.text.outputNames[0]].data;
}

async function embedImage(pixels, shape) {
  await state.later;
  if (!state.image) throw new Error('this site has no image tower');
  const out = await state.image.run({ [state.image.inputNames[0]]: new ort.Tensor('float32', pixels, shape) });
  return out[state.image.outputNames[0]].data;
}

/** Shard s ({q, scales, ids}): from the cache, the fetch already on its way, or fetched now. */
function shard(s) {
  const sh = state.sharded;
  const hit = sh.cache.get(s);
  if (hit) return Promise.resolve(hit);
  if (sh.inFlight.has(s)) return sh.inFlight.get(s);
  const u = sh.urls.shards[s];
  const spec = state.spec.index.shards[s];
  sh.fetches++;
  const p = Promise.all([fetchBytes(u.file), fetchBytes(u.scales), fetchBytes(u.ids)]).then(([q, sc, ids]) => {
    const out = { q: new Int8Array(q), scales: new Float32Array(sc), ids: new Uint32Array(ids) };
    if (out.ids.length !== spec.rows || out.scales.length !== spec.rows || out.q.length !== spec.rows * state.dim) {
      throw new Error(`index shard ${s}: its files do not hold ${spec.rows} rows`);
    }
    sh.cache.set(s, out, shardBytes(spec.rows, state.dim));
    return out;
  }).finally(() => sh.inFlight.delete(s));
  sh.inFlight.set(s, p);
  return p;
}

/** Scores of unit vector v: every point (flat index) or the probed shards' points (others NaN). */
async function scoreAll(v) {
  if (!state.sharded) return { scores: scoreRows(state.index, state.scales, state.dim, v) };
  const ix = state.spec.index;
  // every sharded index names how many shards a query reads (the builder's recall was measured so)
  if (!(ix.probe >= 1)) throw new Error('the model index names no probe count: a damaged or mixed build');
  const best = rankCentroids(state.sharded.centroids, state.dim, v, ix.probe);
  const out = unscored(ix.rows);
  const parts = await Promise.all(best.map(shard));
  for (const p of parts) mergeShardScores(out, p.ids, scoreRows(p.q, p.scales, state.dim, v));
  return { scores: out, shards: best };
}

async function query({ text, vector, k }) {
  const v = vector ? Float32Array.from(vector) : Float32Array.from(await embedTexts([text]));
  const { scores, shards } = await scoreAll(v);
  return { vector: v, scores, top: topK(scores, k), shards };
}

/** Point index's own row, dequantised (a sharded index: its shard via the assign file). */
async function row({ index }) {
  const ix = state.spec.index;
  if (!(index >= 0 && index < ix.rows)) throw new Error(`no point ${index} in the index`);
  if (!state.sharded) return { vector: rowOf(state.index, state.scales, state.dim, index) };
  const sh = state.sharded;
  if (!sh.assign) {
    const buf = await fetchBytes(sh.urls.assign);
    sh.assign = ix.assign_dtype === 'uint32' ? new Uint32Array(buf) : new Uint16Array(buf);
    if (sh.assign.length !== ix.rows) { sh.assign = null; throw new Error('the index\'s assign file does not cover every point'); }
  }
  const p = await shard(sh.assign[index]);
  const at = findSorted(p.ids, index);
  if (at < 0) throw new Error(`point ${index} is not in its shard`);
  return { vector: rowOf(p.q, p.scales, state.dim, at) };
}

function stats() {
  const sh = state.sharded;
  if (!sh) {
    const b = state.index.byteLength + state.scales.byteLength;
    return { indexBytes: b, centroidBytes: 0, shardBytes: 0, assignBytes: 0, cachedShards: 0, cacheLimit: 0, shardFetches: 0 };
  }
  const c = sh.centroids.byteLength, a = sh.assign ? sh.assign.byteLength : 0;
  return { indexBytes: c + sh.cache.bytes + a, centroidBytes: c, shardBytes: sh.cache.bytes, assignBytes: a,
    cachedShards: sh.cache.size, cacheLimit: sh.cache.limit, shardFetches: sh.fetches };
}

async function denseMaps({ image, vectors }) {
  await state.later;
  const d = state.spec.dense;
  const cells = d.grid[0] * d.grid[1];
  return { maps: vectors.map((v) => patchScores(state.dense, state.denseScales, d.dim, image * cells, cells, v)) };
}

const HANDLERS = {
  init,
  embed: async ({ texts }) => ({ vectors: await embedTexts(texts) }),
  query,
  image: async ({ pixels, shape }) => ({ vector: Float32Array.from(await embedImage(pixels, shape)) }),
  dense: denseMaps,
  row,
  stats,
};

self.onmessage = async (e) => {
  const { id, type } = e.data;
  try {
    if (type !== 'init' && !state) throw new Error('the model is not loaded');
    const result = await HANDLERS[type](e.data);
    const transfer = result && result.scores ? [result.scores.buffer] : [];
    self.postMessage({ id, ok: true, result }, transfer);
  } catch (err) {
    self.postMessage({ id, ok: false, error: String(err && err.message ? err.message : err) });
  }
};
