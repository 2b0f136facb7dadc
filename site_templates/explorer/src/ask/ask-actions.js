/**
 * "Ask the model": what a query does to the explorer. A text (or an uploaded image's vector) is
 * embedded in the worker and scored against every point; the store gets
 *
 *   ask: {text, status: "loading" | "ready" | "error", error, top: [{index, kind, score}],
 *         images: [{index, score}], captions: [{index, score}], xyz: [x, y, z], lo, hi, vector,
 *         source: "text" | "upload", ms}
 *
 * and the map is shaded by similarity (a colour mode) with the query drawn as a marker at the
 * cosine-weighted mean position of its top-k points, where the camera flies.
 */
import { topK, weightedMean, similarityBytes } from './score.js';
import { rampPalette } from './ramp.js';

export const MARKER_K = 10; // the query marker sits at the weighted mean of this many top points

export function createAskActions(app, model) {
  const { store, scene, camera, renderer, manifest } = app;
  const { N, I } = manifest.counts;
  const kindOf = (i) => (i < I ? 'image' : 'caption');
  let seq = 0;

  /** Score a query, given by text or by a vector (uploaded image), and show the result. */
  async function run({ text = '', vector = null, source = 'text', k = MARKER_K, fly = true }) {
    const mine = ++seq;
    const first = !model.loaded;
    const t0 = performance.now();
    store.set({ ask: { text, source, status: 'loading' } });
    let res;
    try {
      res = await model.query(vector ? { vector, k } : { text, k });
    } catch (err) {
      if (mine === seq) store.set({ ask: { text, source, status: 'error', error: err.message } });
      throw err;
    }
    if (mine !== seq) return null; // a newer query is on its way
    const top = res.top.map((h) => ({ index: h.index, kind: kindOf(h.index), score: h.score }));
    const xyz = weightedMean(top, scene.position);
    const shade = similarityBytes(res.scores);
    scene.setSimilarity(shade.bytes, rampPalette());
    const ask = { text, source, status: 'ready', top, xyz, lo: shade.lo, hi: shade.hi, vector: res.vector,
      scores: res.scores, images: topK(res.scores, 12, 0, I), captions: topK(res.scores, 8, I, N),
      ms: performance.now() - t0, first };
    store.set({ ask, shading: true });
    if (fly && xyz) {
      camera.flyTo(xyz, Math.min(camera.distance, 1.9), performance.now(), 700, [0, 0]);
      scene.setMoving(true);
    }
    renderer.invalidate();
    return ask;
  }

  /** Leave the query: colours back to the legend's mode, no marker. */
  function clear() {
    seq++;
    store.set({ ask: null, shading: false });
    app.restoreColour();
    renderer.invalidate();
  }

  /** Shade by similarity again, or go back to the legend's colours (the query stays). */
  function setShading(on) {
    const a = store.get().ask;
    if (on && a && a.scores) {
      scene.setSimilarity(similarityBytes(a.scores).bytes, rampPalette());
      store.set({ shading: true });
    } else {
      store.set({ shading: false });
      app.restoreColour();
    }
    renderer.invalidate();
  }

  /** The API's query ({text} or {vector}): the k best points, images and captions together. */
  async function query({ text, vector }, k = 10) {
    const res = await model.query(vector ? { vector, k } : { text, k });
    return res.top.map((h) => ({ index: h.index, kind: kindOf(h.index), score: h.score }));
  }

  return { run, clear, setShading, query };
}
