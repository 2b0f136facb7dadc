/**
 * The main thread's side of the model: what the manifest offers (browser_model), the worker
 * started on first use, requests as promises.
 *
 *     const model = createModelClient(manifest, baseUrl, { onProgress: (loaded, total) => ... });
 *     model.available      // {ok: true} or {ok: false, why: "one line for the reader"}
 *     await model.load()   // downloads and starts the worker once; later calls share it
 *     await model.embed(["a red star"])   -> [Float32Array(dim)]
 *     await model.query({text: "a red star", k: 10})  -> {vector, scores, top: [{index, score}]}
 *                          (scores: Float32Array(rows), NaN = not scored, outside a sharded index's probed shards)
 *     await model.stats()  -> bytes the worker holds for the index
 */
import { resolveUrl } from '../data/manifest.js';

/** Whether this page can ask the model, and why not (a one-line notice) when it cannot. */
export function availability(manifest, env = globalThis) {
  const bm = manifest && manifest.browser_model;
  if (!bm || typeof bm !== 'object') return { ok: false, why: 'This site was built without the model in the browser: word search only.' };
  if (bm.version !== 1 || !bm.text || !bm.tokenizer || !bm.index) return { ok: false, why: 'This site\u2019s model files are in a format this explorer cannot read: word search only.' };
  if (typeof env.WebAssembly !== 'object' || typeof env.Worker !== 'function') {
    return { ok: false, why: 'This browser has no WebAssembly (or no Web Workers), so the model cannot run here: word search only.' };
  }
  return { ok: true };
}

/**
 * The worker's URL beside the page, with the build's version of the worker and its runtime
 * (index.html's meta atlas-worker-version, a hash of both) as ?v=, so that after a redeploy a
 * cached old worker never runs against new model files. No version: the bare name.
 */
export function workerUrl(pageUrl, version) {
  return new URL(`ask-worker.js${version ? `?v=${encodeURIComponent(version)}` : ''}`, pageUrl).href;
}

/** The version index.html carries for the worker (meta atlas-worker-version), or "". */
export function workerVersion(doc = globalThis.document) {
  const m = doc && doc.querySelector ? doc.querySelector('meta[name="atlas-worker-version"]') : null;
  return (m && m.getAttribute('content')) || '';
}

/**
 * The files the worker downloads at init, their URLs on this site and their total size in bytes
 * (what the progress line counts); a sharded index's shards (fetched per query) and its assign file
 * (on the first `row`) are only named, not counted.
 */
export function modelFiles(bm, baseUrl, pageUrl, version = '') {
  const url = (f) => (f ? resolveUrl(f, baseUrl) : null);
  const dense = bm.dense || null;
  // what the first answer waits for (the worker adds the runtime's .wasm; the image tower and
  // the dense features load after it, unreported; a sharded index: its centroids only)
  const ix = bm.index;
  const sharded = Array.isArray(ix.shards) && ix.shards.length > 0;
  const files = [bm.tokenizer, bm.text].filter(Boolean);
  const indexBytes = sharded ? 4 * ix.shards.length * ix.dim : ix.rows * (ix.dim + 4);
  const bytes = files.reduce((s, f) => s + (Number(f.bytes) || 0), 0) + indexBytes;
  return {
    urls: {
      wasmDir: new URL('ort/', pageUrl).href, wasmVersion: version, tokenizer: url(bm.tokenizer.file), text: url(bm.text.file),
      image: bm.image ? url(bm.image.file) : null,
      index: sharded ? null : url(ix.file), scales: sharded ? null : url(ix.scales),
      centroids: sharded ? url(ix.centroids) : null, assign: sharded ? url(ix.assign) : null,
      shards: sharded ? ix.shards.map((s) => ({ file: url(s.file), scales: url(s.scales), ids: url(s.ids) })) : null,
      dense: dense ? url(dense.file) : null, denseScales: dense ? url(dense.scales) : null,
    },
    bytes: Math.round(bytes),
  };
}

export function createModelClient(manifest, baseUrl, { onProgress = () => {}, pageUrl = location.href, version = workerVersion() } = {}) {
  const bm = manifest.browser_model;
  const available = availability(manifest);
  let worker = null;
  let loading = null;
  let next = 1;
  const pending = new Map();

  function call(type, payload = {}, transfer = []) {
    return new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, type, ...payload }, transfer);
    });
  }

  /** Start the worker once; `cacheBytes` bounds a sharded index's shard cache (default 96 MB). */
  function load({ cacheBytes } = {}) {
    if (!available.ok) return Promise.reject(new Error(available.why));
    if (loading) return loading;
    const { urls, bytes } = modelFiles(bm, baseUrl, pageUrl, version);
    worker = new Worker(workerUrl(pageUrl, version), { type: 'module' });
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'progress') return onProgress(m.loaded, m.total);
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    };
    worker.onerror = (e) => {
      const err = new Error(`the model's worker failed: ${e.message || 'unknown error'}`);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    loading = call('init', { urls, spec: bm, bytes, cacheBytes });
    loading.catch(() => { loading = null; worker.terminate(); });
    return loading;
  }

  const dim = bm ? bm.embed_dim : 0;
  return {
    available,
    spec: bm || null,
    load,
    get loaded() { return Boolean(loading); },
    async embed(texts) {
      await load();
      const { vectors } = await call('embed', { texts });
      return texts.map((_, i) => vectors.slice(i * dim, (i + 1) * dim));
    },
    async query({ text, vector, k = 10 }) {
      await load();
      return call('query', { text, vector, k });
    },
    async embedImage(pixels, shape) {
      await load();
      return (await call('image', { pixels, shape }, [pixels.buffer])).vector;
    },
    async row(index) {
      await load();
      return (await call('row', { index })).vector;
    },
    /** What the worker holds for the query index: {indexBytes, centroidBytes, shardBytes, ...}. */
    async stats() {
      await load();
      return call('stats');
    },
    async dense(image, vectors) {
      await load();
      return (await call('dense', { image, vectors })).maps;
    },
  };
}
