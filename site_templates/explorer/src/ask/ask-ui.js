/**
 * Wiring of "Ask the model" into the explorer: the search box becomes the query box (a toggle
 * brings word search back), the Ask panel, zero-shot, the prompt lab, the image upload, and
 * the public JavaScript API `window.atlas` (documented on the explorer's help page):
 *
 *     await atlas.ready                      the map is drawn
 *     await atlas.embedText(text)            -> Float32Array(embed_dim), unit length
 *     await atlas.query(text, k = 10)        -> [{index, kind: "image" | "caption", score}]
 *     await atlas.query({vector}, k = 10)    the same for a unit vector of embed_dim numbers
 *     atlas.select(index)                    opens point index (-1 closes)
 *     await atlas.embedImage(file | Blob)    -> Float32Array (when the image tower is exported)
 *     await atlas.saliency(index, text)      -> {grid: [gh, gw], map: Float32Array} (dense features)
 *     await atlas.modelStats()               -> {indexBytes, ...}: what the worker holds for the index
 *
 * Without WebAssembly or without browser_model the box stays a word search and one line says
 * why; the API's model calls then reject with that line.
 */
import { createModelClient } from './client.js';
import { createAskActions } from './ask-actions.js';
import { promptSets, allPrompts, zeroShot } from './zero-shot.js';
import { preprocess } from './preprocess.js';
import { createAskPanel } from '../ui/ask-panel.js';
import { createPromptLab } from '../ui/prompt-lab.js';
import { pointImage, pointText, pointLabel } from '../ui/describe.js';
import { resolveUrl } from '../data/manifest.js';

/** RGBA pixels of an image file, at its own size (decoded by the browser, on this machine). */
async function pixelsOf(file) {
  const bitmap = await createImageBitmap(file);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = canvas.getContext('2d');
  g.drawImage(bitmap, 0, 0);
  return g.getImageData(0, 0, bitmap.width, bitmap.height);
}

export function attachAsk(app, { $, thumbs, select, timings, hint }) {
  const { store, manifest, baseUrl, ctx } = app;
  const model = createModelClient(manifest, baseUrl, { onProgress: (l, t) => panel.setProgress(l, t) });
  const input = $('search-input'), toggle = $('ask-toggle'), notice = $('ask-notice');
  const bm = model.spec;
  let asking = model.available.ok;
  const actions = createAskActions(app, model);
  const sets = promptSets(manifest);
  let embedded = null; // Map prompt -> vector, made on first need
  const embedPrompts = async () => {
    if (!embedded) {
      const prompts = allPrompts(sets);
      const vs = prompts.length ? await model.embed(prompts) : [];
      embedded = new Map(prompts.map((p, i) => [p, vs[i]]));
    }
    return embedded;
  };
  const scoresOf = async (vector) => zeroShot(vector, sets, await embedPrompts(), bm.logit_scale, manifest.legends.prompt_rule);
  const textOf = (p) => pointText(ctx, p) || pointLabel(ctx, p);

  const panel = createAskPanel($('ask'), {
    thumbs, ctx, textOf, canUpload: Boolean(bm && bm.image),
    on: {
      pick: (p) => select(p),
      close: () => { actions.clear(); store.set({ askOpen: false }); },
      shade: (on) => actions.setShading(on),
      upload: (file) => upload(file),
    },
  });
  const lab = createPromptLab(panel.lab, {
    thumbs, logitScale: bm ? bm.logit_scale : 100,
    on: {
      embed: (prompts) => model.embed(prompts),
      maps: (vectors) => (lab.subject && lab.subject.denseRow >= 0 ? model.dense(lab.subject.denseRow, vectors) : null),
    },
  });

  function setMode(on) {
    asking = on && model.available.ok;
    toggle.setAttribute('aria-pressed', String(asking));
    input.placeholder = asking ? 'Ask the model: describe what to find, then Enter' : 'Search captions, labels, ids, files…';
  }

  async function ask(text) {
    if (!text) return;
    if (hint) hint.dismiss();
    store.set({ askOpen: true });
    const t0 = performance.now();
    const a = await actions.run({ text });
    if (!a) return;
    timings.ask = timings.ask || [];
    timings.ask.push(performance.now() - t0);
    if (sets.length) store.set({ ask: { ...store.get().ask, zeroShot: await scoresOf(a.vector) } });
  }

  /** The prompt lab for point p (its image), or for an uploaded image's vector. */
  async function labFor(p) {
    if (!model.available.ok || !store.get().askOpen) return;
    const img = pointImage(ctx, p);
    if (img < 0) return lab.set(null);
    const dense = bm.dense && Array.isArray(bm.dense.images) ? bm.dense.images.indexOf(img) : -1;
    const boxes = dense >= 0 ? await denseBoxes() : null;
    const vector = await model.row(img);
    const own = p === img ? vector : await model.row(p); // zero-shot for the point itself (a caption too)
    const prompts = sets.length ? sets[0].prompts.map((ps) => ps[0]).slice(0, 4) : [];
    lab.set({ label: pointLabel(ctx, img), vector, image: img, denseRow: dense,
      dense: dense >= 0 && boxes ? { grid: bm.dense.grid, box: boxes[dense] } : null }, prompts);
    store.set({ ask: { ...(store.get().ask || { status: 'idle' }), zeroShot: sets.length ? await scoresOf(own) : null } });
  }
  let boxesPromise = null;
  const denseBoxes = () => boxesPromise || (boxesPromise = fetch(resolveUrl(bm.dense.box || 'model/dense.boxes.json', baseUrl))
    .then((r) => (r.ok ? r.json() : null)).catch(() => null));

  async function upload(file) {
    store.set({ askOpen: true });
    const image = await pixelsOf(file);
    const pre = bm.image.preprocess;
    const vector = await model.embedImage(preprocess(image, pre), [1, 3, pre.size[0], pre.size[1]]);
    await actions.run({ vector, source: 'upload', text: file.name || 'uploaded image' });
    lab.set({ label: 'your image', vector, image: -1, denseRow: -1, dense: null },
      sets.length ? sets[0].prompts.map((ps) => ps[0]).slice(0, 4) : []);
    if (sets.length) store.set({ ask: { ...store.get().ask, zeroShot: await scoresOf(vector) } });
    return vector;
  }

  toggle.hidden = !model.available.ok;
  toggle.addEventListener('click', () => setMode(!asking));
  notice.hidden = model.available.ok;
  notice.textContent = model.available.ok ? '' : model.available.why;
  setMode(asking);
  store.subscribe((s, changed) => {
    if (changed.has('ask') || changed.has('askOpen') || changed.has('shading')) panel.render(s);
    if (changed.has('shading')) $('legend').classList.toggle('is-shaded', Boolean(s.shading));
    if (changed.has('askOpen')) $('legend').classList.toggle('with-ask', Boolean(s.askOpen)); // app.css: no overlap
    if (changed.has('selected') && s.selected >= 0) labFor(s.selected);
    if (changed.has('colorBy') && s.shading && !app.scene.shaded) store.set({ shading: false });
  });
  panel.render(store.get());

  const unavailable = () => Promise.reject(new Error(model.available.why));
  const api = {
    ready: app.ready,
    available: model.available,
    embedText: async (text) => (model.available.ok ? (await model.embed([String(text)]))[0] : unavailable()),
    query: (q, k = 10) => {
      if (!model.available.ok) return unavailable();
      return actions.query(q && typeof q === 'object' && q.vector ? { vector: Float32Array.from(q.vector) } : { text: String(q) }, k);
    },
    ask: (text) => ask(String(text)),
    select: (index) => select(Number(index)),
    embedImage: (file) => (bm && bm.image ? upload(file) : unavailable()),
    zeroShot: async (index) => scoresOf(await model.row(index)),
    /** Saliency of `text` over image `index` from the dense features: {grid: [gh, gw], map}. */
    saliency: async (index, text) => {
      const row = bm && bm.dense ? bm.dense.images.indexOf(Number(index)) : -1;
      if (row < 0) throw new Error(`this site has no dense features for image ${index}`);
      const [v] = await model.embed([String(text)]);
      return { grid: bm.dense.grid, map: (await model.dense(row, [v]))[0] };
    },
    /** Start the model; {cacheBytes} bounds a sharded index's shard cache (default 96 MB). */
    loadModel: (opts) => model.load(opts || {}),
    /** What the model's worker holds for the query index (bytes of centroids, cached shards, ...). */
    modelStats: () => (model.available.ok ? model.stats() : unavailable()),
  };
  return { searchOptions: { asking: () => asking, onAsk: ask }, api, model };
}
