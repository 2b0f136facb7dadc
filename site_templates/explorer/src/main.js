/**
 * Wiring only: load the data, build the scene and the UI, connect them through the store.
 *
 * Load order (what the reader waits for): index.json -> manifest.json -> positions, modality,
 * category (8 bytes per point) -> first frame. Then, in the background: the caption mapping and
 * text, and — only when asked for — cluster colours and local-view shards.
 */
import './app.css';
import { createStore, initialState } from './state.js';
import { loadIndex, loadManifest, SchemaError, resolveUrl } from './data/manifest.js';
import { loadBuffer, fetchArrayBuffer } from './data/buffers.js';
import { createShardLoader } from './data/shards.js';
import { createCaptions } from './data/captions.js';
import { createRenderer } from './gl/renderer.js';
import { createCamera, project } from './gl/camera.js';
import { attachControls } from './gl/controls.js';
import { createScene } from './gl/scene.js';
import { createOverlay } from './gl/overlay.js';
import { parseHash, formatHash, COLOR_MODES } from './router.js';
import { matchCaptions } from './search.js';
import { createThumbs } from './ui/thumbs.js';
import { createLegend, countValues } from './ui/legend.js';
import { createPreview } from './ui/preview.js';
import { createLocalView } from './ui/local-view.js';
import { createSearchBox } from './ui/search-box.js';
import { attachHelp, datasetPicker, setStatus, showError } from './ui/chrome.js';

const $ = (id) => document.getElementById(id);
const timings = { hover: [], click: [], clickParts: [], frame: [] };
const store = createStore(initialState);
let resolveReady, rejectReady, resolveText;
const ready = new Promise((res, rej) => { resolveReady = res; rejectReady = rej; });
const textReady = new Promise((res) => { resolveText = res; });
ready.catch(() => {}); // failures are shown in the page; tests read __atlas.error

/** Instrumentation for tests and benchmarks (read-only use). */
const atlas = {
  ready, textReady, timings, store,
  firstFrameMs: null, pointCount: 0, error: null,
  marks: { script: performance.now() }, // ms since navigation when each loading step ended
  get state() { return store.get(); },
  projectPoint: () => null,
  pick: () => -1,
};
window.__atlas = atlas;

/** index.json -> manifest -> the global view's buffers (8 bytes per point). */
async function loadGlobalView(view) {
  const { dataUrl, datasets } = await loadIndex(location.href);
  atlas.marks.index = performance.now();
  const entry = datasets.find((d) => d.name === view.dataset) || datasets[0];
  const { manifest, baseUrl } = await loadManifest(entry, dataUrl);
  atlas.marks.manifest = performance.now();
  datasetPicker($('dataset-name'), datasets, entry);
  setStatus($('status'), 'loading points…');
  const [positions, modality, category] = await Promise.all(
    ['positions', 'modality', 'category'].map((name) => loadBuffer(manifest, baseUrl, name)));
  atlas.marks.data = performance.now();
  return { entry, manifest, baseUrl, positions, modality, category };
}

async function start() {
  attachHelp($('help-button'), $('help'));
  const view = parseHash(location.hash);
  // Start the downloads, then create the GL context while they are in flight: context
  // creation blocks the main thread but not the network.
  const loading = loadGlobalView(view);
  loading.catch(() => {}); // handled where awaited
  const canvas = $('view');
  let scene = null;
  const renderer = createRenderer(canvas, { draw: (now) => scene.draw(now), timings });
  const camera = createCamera();
  atlas.marks.context = performance.now();
  const { entry, manifest, baseUrl, positions, modality, category } = await loading;
  const { I, N } = manifest.counts;
  scene = createScene(renderer, camera, { positions, modality, category });
  atlas.marks.scene = performance.now();
  renderer.start();
  atlas.renderer = renderer;
  atlas.scene = scene;
  atlas.camera = camera;
  atlas.pointCount = N;
  atlas.firstFrameMs = atlas.marks.frame = await renderer.firstFrame;

  // The overlay (rings, lines) gets its own context after the first frame; it redraws with
  // every frame of the points (same camera) and on its own when hover or selection change.
  const overlay = createOverlay($('overlay'), { position: scene.position, viewProj: scene.viewProj });
  let pickTimer = 0;
  renderer.onFrame = () => {
    overlay.renderer.renderNow();
    // Once the camera rests: draw every point again (in motion big sets draw a subset), then
    // bring the id buffer up to date so the next hover is instant.
    clearTimeout(pickTimer);
    pickTimer = setTimeout(() => {
      if (camera.flight) return;
      if (scene.moving) {
        scene.setMoving(false);
        renderer.request();
      } else {
        scene.refreshPick();
      }
    }, 150);
  };

  // -- context shared by the UI ------------------------------------------------------------
  const legends = manifest.legends || {};
  const ctx = { I, captions: null, category, categoryNames: legends.category && legends.category.names };
  const colorValues = { modality, category, cluster: null };
  const colorIndex = (p) => {
    const mode = store.get().colorBy;
    const values = colorValues[mode] || modality;
    return [colorValues[mode] ? mode : 'modality', values[p]];
  };
  const thumbs = createThumbs(manifest, baseUrl);
  const localViewOf = createShardLoader(manifest, baseUrl);
  const modes = COLOR_MODES.filter((m) => m !== 'cluster' || manifest.buffers.cluster);
  const legendNames = {
    modality: legends.modality || ['image', 'caption'],
    category: (legends.category && legends.category.names) || [],
    cluster: (legends.cluster && legends.cluster.names) || [],
  };

  const stageRect = () => canvas.getBoundingClientRect();
  /** Where point i is on the page; `onCanvas`: visible and not covered by a panel. */
  atlas.projectPoint = (i) => {
    const r = stageRect();
    const p = project(scene.viewProj(), scene.position(i), r.width, r.height);
    const x = r.left + p.x, y = r.top + p.y;
    return { x, y, visible: p.visible, onCanvas: p.visible && document.elementFromPoint(x, y) === canvas };
  };
  atlas.pick = (x, y) => {
    const r = stageRect();
    return scene.pick(x - r.left, y - r.top);
  };

  // -- actions --------------------------------------------------------------------------------
  const hashOf = (patch = {}) => {
    const s = { ...store.get(), ...patch };
    return formatHash({ dataset: entry.name, point: s.selected, colorBy: s.colorBy, query: s.query });
  };

  /** Select point p (-1 closes the local view). `t0` is when the user acted, for timings. */
  async function select(p, { push = true, fly = true, t0 = performance.now() } = {}) {
    if (!(p >= -1 && p < N)) p = -1;
    if (push && p !== store.get().selected) history.pushState(null, '', hashOf({ selected: p }));
    store.set({ selected: p, local: null });
    if (p < 0) return;
    const t1 = performance.now();
    let local;
    try {
      local = manifest.local ? { point: p, ...(await localViewOf(p)) } : { point: p, error: 'This dataset has no local views.' };
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
      camera.flyTo(scene.position(p), Math.min(camera.distance, 1.6), performance.now(), 600, panelShift());
      scene.setMoving(true);
      renderer.invalidate();
    }
  }
  atlas.select = select;

  /**
   * Where a selected point should sit, as an offset from the canvas centre: centred in the part
   * the local view panel leaves free (a side panel when wide, a bottom sheet when narrow; app.css).
   */
  function panelShift() {
    const w = canvas.clientWidth, h = canvas.clientHeight;
    return w > 720 ? [-(Math.min(380, w * 0.4) + 24) / 2, 0] : [0, -0.55 * h / 2];
  }

  async function setColor(mode) {
    if (!modes.includes(mode)) mode = 'modality';
    if (!colorValues[mode]) colorValues[mode] = await loadBuffer(manifest, baseUrl, mode);
    scene.setColor(mode, colorValues[mode]);
    store.set({ colorBy: mode });
    history.replaceState(null, '', hashOf());
  }

  async function search(query) {
    store.set({ query, matches: null });
    history.replaceState(null, '', hashOf());
    if (!query) {
      scene.setMatches(null);
      renderer.invalidate();
      return;
    }
    await textReady;
    if (store.get().query !== query) return;
    const matches = matchCaptions(ctx.captions.lowered(), query);
    scene.setMatches(matches.map((c) => I + c));
    store.set({ matches });
    renderer.invalidate();
  }

  // -- UI -------------------------------------------------------------------------------------
  const legend = createLegend($('legend'), { modes, onMode: setColor });
  const preview = createPreview($('card'), { thumbs, ctx });
  const local = createLocalView($('local'), {
    thumbs, ctx, colorIndex,
    onSelect: (p) => select(p),
    onHover: (p) => store.set({ hover: p }),
    onClose: () => select(-1),
  });
  const searchBox = createSearchBox({ input: $('search-input'), list: $('search-results'), count: $('search-count') }, {
    onQuery: search,
    onPick: (c) => { searchBox.hide(); select(I + c); },
    textOf: (c) => ctx.captions.text(c),
  });

  let prefetchTimer = 0;
  const controls = attachControls(canvas, camera, {
    onChange() {
      scene.setMoving(true);
      if (store.get().hover >= 0) store.set({ hover: -1 });
      preview.hide();
      renderer.invalidate();
    },
    onHover(x, y) {
      if (controls.isDragging() || camera.flight) return;
      const t0 = performance.now();
      const p = scene.pick(x, y);
      timings.hover.push(performance.now() - t0);
      if (timings.hover.length > 5000) timings.hover.splice(0, 2500);
      store.set({ hover: p });
      clearTimeout(prefetchTimer);
      if (p >= 0) prefetchTimer = setTimeout(() => localViewOf.prefetch(p), 80);
      const r = stageRect();
      if (p >= 0) preview.show(p, x, y, r.width, r.height);
      else preview.hide();
      canvas.style.cursor = p >= 0 ? 'pointer' : '';
    },
    onLeave() {
      store.set({ hover: -1 });
      preview.hide();
    },
    onClick(x, y) {
      const t0 = performance.now();
      const p = scene.pick(x, y);
      // The point is under the cursor: the map stays still, unless the panel would cover it.
      const [sx, sy] = panelShift();
      if (p >= 0) select(p, { t0, fly: x > canvas.clientWidth + 2 * sx - 24 || y > canvas.clientHeight + 2 * sy - 24 });
    },
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && store.get().selected >= 0 && !(e.target instanceof HTMLInputElement)) select(-1);
  });
  window.addEventListener('popstate', () => {
    const v = parseHash(location.hash);
    if (v.dataset && v.dataset !== entry.name) return location.reload();
    if ((v.colorBy || 'modality') !== store.get().colorBy) setColor(v.colorBy || 'modality');
    if (v.query !== store.get().query) search(v.query);
    select(v.point, { push: false });
  });

  // -- store -> views ---------------------------------------------------------------------------
  const WHITE = [1, 1, 1, 0.95], GOLD = [1, 0.82, 0.3, 1], TEAL = [0.45, 0.95, 0.9, 0.85];
  function overlays(s) {
    const rings = [];
    if (s.local && s.local.neighbours) for (const q of s.local.neighbours) rings.push({ p: q, rgba: TEAL, size: 11 });
    if (s.selected >= 0) rings.push({ p: s.selected, rgba: GOLD, size: 22 });
    if (s.hover >= 0) rings.push({ p: s.hover, rgba: WHITE, size: 17 });
    const segments = [];
    const focus = s.hover >= 0 ? s.hover : s.selected;
    if (focus >= 0 && ctx.captions) {
      const img = ctx.captions.imageOfPoint(focus);
      for (const c of ctx.captions.ofImage(img)) segments.push([img, I + c]);
    }
    overlay.set(rings, segments);
  }
  let loadingTimer = 0;
  store.subscribe((s, changed) => {
    if (changed.has('hover') || changed.has('selected') || changed.has('local') || changed.has('textReady')) overlays(s);
    if (changed.has('colorBy')) {
      legend.render(s.colorBy, legendNames[s.colorBy], countValues(colorValues[s.colorBy]));
      renderer.request();
    }
    if (changed.has('selected') || changed.has('local') || changed.has('textReady') || changed.has('colorBy')) {
      clearTimeout(loadingTimer);
      if (s.local || s.selected < 0) local.render(s.local, s.selected);
      // A "loading" panel only if the shard is slow: painting it first would delay the real one.
      else loadingTimer = setTimeout(() => { if (!store.get().local) local.render(null, store.get().selected); }, 120);
    }
    if (changed.has('matches') || changed.has('query')) searchBox.render(s.query, s.matches);
    if (changed.has('textReady')) preview.refresh();
  });

  legend.render('modality', legendNames.modality, countValues(modality));
  setStatus($('status'), `${N.toLocaleString('en-US')} points · ${I.toLocaleString('en-US')} images · ` +
    `${(N - I).toLocaleString('en-US')} captions`);
  store.set({ status: 'ready', dataset: entry.name });
  resolveReady(atlas);

  // -- background loading, then restore the rest of the view from the URL ----------------------
  if (view.colorBy && view.colorBy !== 'modality') await setColor(view.colorBy);
  if (view.point >= 0) select(view.point, { push: false });
  const [captionImage, offsets, text] = await Promise.all([
    loadBuffer(manifest, baseUrl, 'caption_image'),
    loadBuffer(manifest, baseUrl, 'caption_offsets'),
    fetchArrayBuffer(resolveUrl(manifest.texts.captions.file, baseUrl)),
  ]);
  ctx.captions = createCaptions(new Uint8Array(text), offsets, captionImage, I);
  store.set({ textReady: true });
  resolveText(atlas);
  if (view.query) search(view.query);
}

start().catch((err) => {
  atlas.error = String(err && err.message ? err.message : err);
  store.set({ status: 'error', error: atlas.error });
  const schema = err instanceof SchemaError;
  showError($('error'), schema ? 'This dataset cannot be shown' : 'The explorer failed to start', atlas.error);
  setStatus($('status'), 'error');
  if (schema) console.warn(atlas.error);
  else console.error(err);
  rejectReady(err);
  resolveText(atlas);
});
