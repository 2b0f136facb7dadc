/**
 * What the reader can do, as functions of the store: select a point (and fly to it), colour by
 * a field, search captions, labels, ids and file names, go back to the starting view. Each keeps
 * the URL hash in step (router.js, url.js).
 */
import { formatHash } from './router.js';
import { searchAll } from './search.js';
import { loadBuffer } from './data/buffers.js';
import { panelShift, readGeometry } from './ui/geometry.js';

/**
 * `app`: {store, scene, camera, renderer, canvas, manifest, baseUrl, entry, ctx, colorValues,
 * modes, localViewOf, textReady, timings, url}.
 */
export function createActions(app) {
  const { store, scene, camera, renderer, canvas, manifest, baseUrl, entry, ctx, colorValues, timings } = app;
  const { N, I } = manifest.counts;

  const hashOf = (patch = {}) => {
    const s = { ...store.get(), ...patch };
    return formatHash({ dataset: entry.name, point: s.selected, colorBy: s.colorBy, query: s.query });
  };
  const shift = () => panelShift(canvas.clientWidth, canvas.clientHeight, readGeometry());

  /** Select point p (-1 closes the local view). `t0` is when the user acted, for timings. */
  async function select(p, { push = true, fly = true, t0 = performance.now() } = {}) {
    if (!(p >= -1 && p < N)) p = -1;
    if (push && p !== store.get().selected) app.url.push(hashOf({ selected: p }));
    store.set({ selected: p, local: null });
    if (p < 0) return;
    const t1 = performance.now();
    let local;
    try {
      local = manifest.local ? { point: p, ...(await app.localViewOf(p)) } : { point: p, error: 'This dataset has no local views.' };
    } catch (err) {
      console.warn(err);
      local = { point: p, error: `Could not load the neighbours: ${err.message}` };
    }
    if (store.get().selected !== p) return; // the reader moved on meanwhile
    const t2 = performance.now();
    store.set({ local });
    const t3 = performance.now();
    // measured to the next frame, i.e. until the panel can be on screen
    requestAnimationFrame(() => {
      const t4 = performance.now();
      timings.click.push(t4 - t0);
      // where the time went: before the shard was asked for, the shard, filling the panel, the frame
      timings.clickParts.push({ start: t1 - t0, shard: t2 - t1, fill: t3 - t2, frame: t4 - t3 });
    });
    // The flight starts once the panel is filled: the panel shows at once even where drawing
    // the points is slow (software GL, millions of points), and the camera follows.
    if (fly) {
      camera.flyTo(scene.position(p), Math.min(camera.distance, 1.6), performance.now(), 600, shift());
      scene.setMoving(true);
      renderer.invalidate();
    }
  }

  async function setColor(mode) {
    if (!app.modes.includes(mode)) mode = 'modality';
    if (!colorValues[mode]) colorValues[mode] = await loadBuffer(manifest, baseUrl, mode);
    scene.setColor(mode, colorValues[mode]);
    store.set({ colorBy: mode });
    app.url.replace(hashOf());
  }

  async function search(query) {
    store.set({ query, matches: null });
    app.url.replace(hashOf());
    if (!query) {
      scene.setMatches(null);
      renderer.invalidate();
      return;
    }
    await app.textReady;
    if (store.get().query !== query) return;
    const items = ctx.items ? ctx.items.lowered() : null;
    const matches = searchAll({ I, captions: ctx.captions.lowered(), items }, query);
    scene.setMatches(matches.map((m) => m.p));
    store.set({ matches });
    renderer.invalidate();
  }

  /** Fly back to the starting view (a selected point's panel keeps its room). */
  function resetView() {
    camera.reset(performance.now(), 500, store.get().selected >= 0 ? shift() : [0, 0]);
    scene.setMoving(true);
    renderer.invalidate();
  }

  return { select, setColor, search, resetView };
}
