/**
 * What the reader can do, as functions of the store: select a point (and fly to it), colour by
 * modality, cluster or a label field and work the legend (isolate, hide, captions grey), search
 * captions, labels, ids and file names, go back to the starting view. Each keeps the URL hash in
 * step (router.js, url.js).
 */
import { formatHash } from './router.js';
import { searchAll } from './search.js';
import { loadBuffer } from './data/buffers.js';
import { panelShift, readGeometry } from './ui/geometry.js';
import { modeFor, viewOfMode } from './modes.js';
import { colorTable, paletteData } from './gl/palette.js';
import { countValues, valueName } from './ui/legend-model.js';

/**
 * `app`: {store, scene, camera, renderer, canvas, manifest, baseUrl, entry, ctx, colorValues,
 * colorTables, modes, defaultField, defaultProjection, localViewOf, textReady, timings, url}.
 */
export function createActions(app) {
  const { store, scene, camera, renderer, canvas, manifest, baseUrl, entry, ctx, colorValues, timings } = app;
  const { N, I } = manifest.counts;
  const modeOf = (key) => app.modes.find((m) => m.key === key) || app.modes[0];

  const hashOf = (patch = {}) => {
    const s = { ...store.get(), ...patch };
    const mode = modeOf(s.colorBy);
    return formatHash({ dataset: entry.name, point: s.selected, query: s.query, ...viewOfMode(mode),
      grey: s.captionsGrey, value: s.isolated >= 0 ? valueName(mode.names, s.isolated) : '', pictures: s.pictures,
      projection: s.projection !== app.defaultProjection ? s.projection : '', selection: s.selectionCode });
  };
  /** Change the colouring's state; `record`: write it into the URL (not when restoring from it). */
  const setLegend = (patch, record = true) => {
    store.set(patch);
    if (record) app.url.replace(hashOf());
  };
  const shift = () => panelShift(canvas.clientWidth, canvas.clientHeight, readGeometry());

  /** Select point p (-1 closes the local view). `t0` is when the user acted, for timings. */
  async function select(p, { push = true, fly = true, t0 = performance.now() } = {}) {
    if (!(p >= -1 && p < N)) p = -1;
    // the shard is asked for first: the URL and the rings are done while it is on its way
    const t1 = performance.now();
    const pending = p >= 0 && manifest.local ? app.localViewOf(p) : null;
    if (pending) pending.catch(() => {}); // handled below, once awaited
    if (push && p !== store.get().selected) app.url.push(hashOf({ selected: p }));
    store.set({ selected: p, local: null });
    if (p < 0) return;
    let local;
    try {
      local = pending ? { point: p, ...(await pending) } : { point: p, error: 'This dataset has no local views.' };
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

  /** Colour by the mode `key` (modes.js); its values load the first time. Clears the legend's
   * isolation and hidden values. */
  async function setColor(key, record = true) {
    const m = modeOf(key);
    const k = m.key;
    try {
      if (!colorValues[k]) colorValues[k] = await loadBuffer(manifest, baseUrl, k);
    } catch (err) {
      console.warn(`cannot colour by ${m.label}: ${err.message}`);
      return;
    }
    if (!app.colorTables[k]) {
      const counts = countValues(colorValues[k]);
      app.colorTables[k] = { ...colorTable(k, counts, m.names), counts };
    }
    scene.setColor(k, colorValues[k], paletteData(app.colorTables[k]));
    // The hover card and the local view name the value of the field the map is coloured by
    // (the dataset's default field while colouring by modality or cluster).
    const byField = m.field !== undefined;
    ctx.category = byField ? colorValues[k] : app.defaultCategory.values;
    ctx.categoryNames = byField ? m.names : app.defaultCategory.names;
    setLegend({ colorBy: k, isolated: -1, hidden: [], legendHover: -1 }, record);
  }

  /** Isolate value v (only its points bright); isolating it again shows all. */
  const isolate = (v) => {
    const s = store.get();
    setLegend({ isolated: s.isolated === v ? -1 : v, hidden: s.hidden.filter((h) => h !== v) });
  };
  /** Hide value v, or show it again. */
  const hide = (v) => {
    const s = store.get();
    const hidden = s.hidden.includes(v) ? s.hidden.filter((h) => h !== v) : [...s.hidden, v];
    setLegend({ hidden, isolated: s.isolated === v ? -1 : s.isolated });
  };
  const showAll = () => setLegend({ isolated: -1, hidden: [] });
  const setCaptionsGrey = (grey) => setLegend({ captionsGrey: Boolean(grey) });
  const hoverValue = (v) => store.set({ legendHover: v });

  /** The colouring a URL asks for (router.parseHash: colorBy, field, grey, value); the URL is
   * left as it is. */
  async function restoreColour(view) {
    const mode = modeFor(app.modes, view, app.defaultField);
    if (mode.key !== store.get().colorBy) await setColor(mode.key, false);
    const counts = app.colorTables[mode.key] ? app.colorTables[mode.key].counts : [];
    let isolated = -1;
    for (let i = 0; i < 256 && view.value; i++) if (counts[i] > 0 && valueName(mode.names, i) === view.value) isolated = i;
    if (store.get().colorBy === mode.key) setLegend({ captionsGrey: Boolean(view.grey), isolated }, false);
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

  /** Pictures on the map on or off; `record`: write it into the URL. */
  const setPictures = (on, record = true) => {
    store.set({ pictures: Boolean(on) });
    scene.setPictures(on);
    if (record) app.url.replace(hashOf());
  };

  /** Fly back to the starting view (a selected point's panel keeps its room). */
  function resetView() {
    camera.reset(performance.now(), 500, store.get().selected >= 0 ? shift() : [0, 0]);
    scene.setMoving(true);
    renderer.invalidate();
  }

  return { select, setColor, search, resetView, setPictures, isolate, hide, showAll, setCaptionsGrey, hoverValue,
    restoreColour, hashOf };
}
