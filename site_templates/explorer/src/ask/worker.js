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

/** fetch -> ArrayBuffer, reporting bytes as they arrive. */
async function download(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  if (!res.body) {
    const buf = await res.arrayBuffer();
    loaded += buf.byteLength;
    self.postMessage({ type: 'progress', loaded, total });
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
    loaded += value.length;
    self.postMessage({ type: 'progress', loaded, total });
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out.buffer;
}

async function init({ urls, spec, bytes }) {
  total = bytes;
  const t0 = performance.now();
  // The site's own copy of the runtime, never a CDN. Only the .wasm is named: its JavaScript glue
  // is in this bundle (a string prefix would make ort import the glue from that folder too).
  ort.env.wasm.wasmPaths = { wasm: new URL(ORT_WASM, urls.wasmDir).href };
  ort.env.wasm.numThreads = 1; // no SharedArrayBuffer without COOP/COEP headers (GitHub Pages)
  ort.env.wasm.proxy = false;
  const get = (u) => (u ? download(u) : Promise.resolve(null));
  const [tokJson, text, image, index, scales, dense, denseScales] = await Promise.all(
    [urls.tokenizer, urls.text, urls.image, urls.index, urls.scales, urls.dense, urls.denseScales].map(get));
  const t1 = performance.now();
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const tok = createClipTokenizer(JSON.parse(new TextDecoder().decode(tokJson)), spec.tokenizer, spec.context_length);
  const sessions = await Promise.all([ort.InferenceSession.create(new Uint8Array(text), opts),
    image ? ort.InferenceSession.create(new Uint8Array(image), opts) : null]);
  const dim = spec.index.dim;
  state = { spec, tok, text: sessions[0], image: sessions[1], dim,
    index: new Int8Array(index), scales: new Float32Array(scales),
    dense: dense && new Int8Array(dense), denseScales: denseScales && new Float32Array(denseScales) };
  return { downloadMs: t1 - t0, initMs: performance.now() - t1, bytes: loaded };
}

async function embedTexts(texts) {
  const n = texts.length, L = state.tok.contextLength;
  const tokens = new ort.Tensor('int64', state.tok.encodeBatch(texts), [n, L]);
  const out = await state.text.run({ [state.text.inputNames[0]]: tokens });
  return out[state.text.outputNames[0]].data;
}

async function embedImage(pixels, shape) {
  if (!state.image) throw new Error('this site has no image tower');
  const out = await state.image.run({ [state.image.inputNames[0]]: new ort.Tensor('float32', pixels, shape) });
  return out[state.image.outputNames[0]].data;
}

async function query({ text, vector, k }) {
  const v = vector ? Float32Array.from(vector) : Float32Array.from(await embedTexts([text]));
  const scores = scoreRows(state.index, state.scales, state.dim, v);
  return { vector: v, scores, top: topK(scores, k) };
}

function denseMaps({ image, vectors }) {
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
