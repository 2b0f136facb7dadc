/**
 * The model in a Web Worker (a module worker, bundled as explorer/ask-worker.js): onnxruntime-web's
 * WebAssembly backend runs the exported text tower (and image tower), the tokenizer turns text
 * into ids, and the query index scores every point. Nothing here leaves the page's origin: the
 * main thread hands over URLs it has checked, and ort's .wasm comes from the site (wasmDir).
 *
 * Messages in:  {id, type, ...}      out: {id, ok, result} | {id, ok: false, error} | {type: "progress", loaded, total}
 *   init   {urls: {wasmDir, tokenizer, text, image?, index, scales, dense?, denseScales?}, spec: browser_model, bytes}
 *   embed  {texts}                  -> {vectors: Float32Array(n * dim)}
 *   query  {text | vector, k}       -> {vector, scores: Float32Array(rows), top: [{index, score}]}
 *   image  {pixels, shape}          -> {vector}
 *   dense  {image, vectors}         -> {maps: [Float32Array(gh * gw)]}  (image: its place in dense.images)
 *   row    {index}                  -> {vector}: point index's row of the query index, dequantised
 */
import * as ort from 'onnxruntime-web/wasm';
import { createClipTokenizer } from './tokenizer.js';
import { scoreRows, topK, patchScores, rowOf } from './score.js';

const ORT_WASM = 'ort-wasm-simd-threaded.wasm'; // copied into explorer/ort/ by build.mjs
let state = null; // {spec, tok, text, image, index, scales, dense, denseScales, dim}
let loaded = 0;
let total = 0;

/** fetch -> ArrayBuffer, reporting bytes as they arrive (`quiet`: not reported; `uncounted`:
 * its size is not in the total the page was told, so it is added from Content-Length). */
async function download(url, { quiet = false, uncounted = false } = {}) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  if (uncounted && !quiet) total += Number(res.headers.get('content-length')) || 0;
  const report = (n) => {
    if (quiet) return;
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
 * (ort would fetch it only once the first session is created). */
async function init({ urls, spec, bytes }) {
  total = bytes;
  const t0 = performance.now();
  // The site's own copy of the runtime, never a CDN. Only the .wasm is named: its JavaScript glue
  // is in this bundle (a string prefix would make ort import the glue from that folder too).
  const wasmUrl = new URL(ORT_WASM, urls.wasmDir).href;
  ort.env.wasm.wasmPaths = { wasm: wasmUrl };
  ort.env.wasm.numThreads = 1; // no SharedArrayBuffer without COOP/COEP headers (GitHub Pages)
  ort.env.wasm.proxy = false;
  const get = (u, opts) => (u ? download(u, opts) : Promise.resolve(null));
  const [tokJson, text, index, scales, wasm] = await Promise.all([
    get(urls.tokenizer), get(urls.text), get(urls.index), get(urls.scales), get(wasmUrl, { uncounted: true })]);
  const t1 = performance.now();
  ort.env.wasm.wasmBinary = new Uint8Array(wasm);
  const tok = createClipTokenizer(JSON.parse(new TextDecoder().decode(tokJson)), spec.tokenizer, spec.context_length);
  const session = await ort.InferenceSession.create(new Uint8Array(text), SESSION);
  state = { spec, tok, text: session, image: null, dim: spec.index.dim,
    index: new Int8Array(index), scales: new Float32Array(scales), dense: null, denseScales: null };
  state.later = Promise.all([get(urls.image, { quiet: true }), get(urls.dense, { quiet: true }),
    get(urls.denseScales, { quiet: true })]).then(async ([image, dense, denseScales]) => {
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

async function query({ text, vector, k }) {
  const v = vector ? Float32Array.from(vector) : Float32Array.from(await embedTexts([text]));
  const scores = scoreRows(state.index, state.scales, state.dim, v);
  return { vector: v, scores, top: topK(scores, k) };
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
  row: ({ index }) => ({ vector: rowOf(state.index, state.scales, state.dim, index) }),
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
