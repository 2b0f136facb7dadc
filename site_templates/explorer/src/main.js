/**
 * Wiring only: load the data, build the scene and the UI, connect them through the store.
 * What the reader can do is in actions.js (triggered by input.js); what redraws on which state
 * change is in views.js.
 *
 * Load order (what the reader waits for): index.json -> manifest.json -> positions, modality,
 * category (8 bytes per point) -> first frame. Then, in the background: the caption mapping and
 * text, items.json (ids, file names, labels), and — only when asked for — cluster and label
 * field values (one byte per point each) and local-view shards.
 */
import './app.css';
import { createStore, initialState } from './state.js';
import { SchemaError, resolveUrl } from './data/manifest.js';
import { loadGlobalView } from './data/global-view.js';
import { loadBuffer, fetchArrayBuffer } from './data/buffers.js';
import { createShardLoader } from './data/shards.js';
import { createCaptions } from './data/captions.js';
import { createItems } from './data/items.js';
import { fetchJSON } from './data/fetch.js';
import { createRenderer } from './gl/renderer.js';
import { createCamera, project } from './gl/camera.js';
import { createScene } from './gl/scene.js';
import { createOverlay } from './gl/overlay.js';
import { parseHash, parseCamera } from './router.js';
import { applyCamera, createUrl, initialHash, isFramed } from './url.js';
import { colorModes } from './modes.js';
import { colorTable, CAPTION_GREY, BACKGROUND } from './gl/palette.js';
import { warmUpPoints } from './gl/draw-points.js';
import { countValues } from './ui/legend-model.js';
import { createActions } from './actions.js';
import { attachInput } from './input.js';
import { connectViews } from './views.js';
import { createThumbs } from './ui/thumbs.js';
import { createLegend } from './ui/legend.js';
import { createPreview } from './ui/preview.js';
import { createLocalView } from './ui/local-view.js';
import { createSearchBox } from './ui/search-box.js';
import { matchText } from './ui/describe.js';
import { attachHelp, datasetPicker, setStatus, showError, startupError } from './ui/chrome.js';
import { createFirstVisitHint, createNotice } from './ui/hints.js';
import { panelShift, readGeometry } from './ui/geometry.js';
import { attachAsk } from './ask/ask-ui.js';
import { createProjections } from './projections.js';
import { createSelectionActions } from './selection-actions.js';
import { connectSelection } from './selection-view.js';
import { attachLasso } from './ui/lasso-input.js';
import { createMapTools } from './ui/map-tools.js';
import { createSelectionPanel } from './ui/selection-panel.js';

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
// The documented API (content/explorer.md): there from the start, so that `await atlas.ready`
// works at once; its model calls are added once the map is ready (ask/ask-ui.js).
const api = { ready };
window.atlas = api;

/** index.json -> manifest -> the global view's buffers (8 bytes per point), read in a worker
 * while this thread creates the WebGL context (data/global-view.js). */
async function loadGlobal(view) {
  let head = null;
  const data = await loadGlobalView(location.href, view.dataset, (v) => {
    head = v;
    atlas.marks.manifest = performance.now();
    datasetPicker($('dataset-name'), v.datasets, v.entry);
    setStatus($('status'), 'loading points…');
  });
  atlas.marks.data = performance.now();
  return { entry: head.entry, manifest: head.manifest, baseUrl: head.baseUrl, ...data };
}

/** items.json (ids, file names, labels) where the dataset has one; null if absent or unreadable. */
async function loadItems(manifest, baseUrl) {
  if (!manifest.files || !manifest.files['items.json']) return null;
  try {
    return createItems(await fetchJSON(resolveUrl('items.json', baseUrl)));
  } catch (err) {
    console.warn('items.json:', err.message);
    return null;
  }
}

async function start() {
  attachHelp($('help-button'), $('help'));
  const framed = isFramed();
  const hash = initialHash(); // embedded without a view of its own: the docs page's
  if (hash !== location.hash) history.replaceState(null, '', hash);
  const view = parseHash(hash);
  const startCamera = parseCamera(hash);
  // Start the downloads, then create the GL context while they are in flight: context
  // creation blocks the main thread but not the network.
  const loading = loadGlobal(view);
  loading.catch(() => {}); // handled where awaited
  const canvas = $('view');
  let scene = null;
  const renderer = createRenderer(canvas, { draw: (now) => scene.draw(now), timings });
  const camera = createCamera();
  if (startCamera) {
    const shift = view.point >= 0 ? panelShift(canvas.clientWidth, canvas.clientHeight, readGeometry()) : null;
    applyCamera(camera, startCamera, canvas, shift);
  }
  const url = createUrl({ camera, canvas });
  atlas.marks.context = performance.now();
  warmUpPoints(renderer.regl, BACKGROUND); // compiles while the data is on its way
  const { entry, manifest, baseUrl, positions, modality, category, order } = await loading;
  const { I, N } = manifest.counts;
  const atlasPages = manifest.atlas && Array.isArray(manifest.atlas.pages) ? manifest.atlas.pages : [];
  scene = createScene(renderer, camera, { positions, modality, order, images: I, atlas: atlasPages.length ? manifest.atlas : null,
    pageUrl: (p) => resolveUrl(atlasPages[p], baseUrl) });
  if (!view.pictures) scene.setPictures(false);
  atlas.marks.scene = performance.now();
  renderer.start();
  atlas.renderer = renderer;
  atlas.scene = scene;
  atlas.camera = camera;
  atlas.pointCount = N;
  atlas.firstFrameMs = atlas.marks.frame = await renderer.firstFrame;
  atlas.firstFrameDrawn = scene.stats.drawn;
  // A big set's first frame drew its uniform motion subset (gl/scene.js); every point follows in
  // the next frame, unless the reader is already moving the camera.
  // A set within the motion budget drew every point while moving: no frame is drawn again
  // (in software GL a redundant frame of 100K points holds up the next click's panel by ~100 ms).
  const drawAll = () => {
    if (camera.flight || !scene.moving) return;
    if (scene.setMoving(false)) renderer.request();
  };
  if (scene.moving) requestAnimationFrame(drawAll);
  else atlas.marks.allDrawn = atlas.marks.frame;

  // The overlay (rings, lines) gets its own context after the first frame; it redraws with
  // every frame of the points (same camera) and on its own when hover or selection change.
  const overlay = createOverlay($('overlay'), { position: scene.position, viewProj: scene.viewProj });
  let restTimer = 0;
  renderer.onFrame = () => {
    overlay.renderer.renderNow();
    url.cameraMoved();
    // Once the camera rests, draw every point again (in motion big sets draw a subset).
    // Picking needs nothing here: it is computed when a hover or click asks (gl/pick-cpu.js).
    clearTimeout(restTimer);
    restTimer = setTimeout(drawAll, 150);
    if (atlas.marks.allDrawn == null && !scene.moving) atlas.marks.allDrawn = performance.now();
  };

  // -- context shared by the UI ------------------------------------------------------------
  const legends = manifest.legends || {};
  const ctx = { I, captions: null, items: null, category, categoryNames: legends.category && legends.category.names };
  const colorValues = { modality, category };
  const modalityCounts = countValues(modality);
  const colorTables = { modality: { ...colorTable('modality', modalityCounts), counts: modalityCounts } };
  /** The colour point p has on the map now (the local view borders its neighbours with it). */
  const colorOfPoint = (p) => {
    const s = store.get();
    if (s.captionsGrey && p >= I) return CAPTION_GREY;
    const key = colorTables[s.colorBy] ? s.colorBy : 'modality';
    return colorTables[key].colors[colorValues[key][p]];
  };
  const thumbs = createThumbs(manifest, baseUrl);
  atlas.thumbs = thumbs; // tests compare a shown thumbnail with its image
  const localViewOf = createShardLoader(manifest, baseUrl);
  const modes = colorModes(manifest);
  const defaultField = (legends.category && legends.category.field) || '';

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

  // -- actions, UI, input, store -> views ----------------------------------------------------
  const projections = createProjections({ manifest, baseUrl, scene, renderer, initial: positions,
    onMoved: () => { scene.setMoving(true); renderer.invalidate(); } });
  const app = { store, scene, camera, renderer, canvas, manifest, baseUrl, entry, ctx, colorValues, colorTables,
    modes, defaultField, defaultCategory: { values: category, names: ctx.categoryNames }, localViewOf, textReady,
    timings, url, projections, defaultProjection: projections.defaultKey };
  const actions = createActions(app);
  const selection = wireSelection(app, actions, thumbs);
  const { select, setColor, search, resetView } = actions;
  atlas.select = select;
  atlas.colorOfPoint = colorOfPoint;
  $('reset-view').addEventListener('click', resetView);
  const picturesButton = $('pictures-toggle');
  if (picturesButton && scene.picturesAvailable) {
    picturesButton.hidden = false;
    const showPictures = (on) => picturesButton.setAttribute('aria-pressed', String(on));
    picturesButton.addEventListener('click', () => actions.setPictures(!store.get().pictures));
    store.subscribe((s, changed) => { if (changed.has('pictures')) showPictures(s.pictures); });
    if (!view.pictures) actions.setPictures(false, false);
    showPictures(store.get().pictures);
  }
  const legend = createLegend($('legend'), { modes, on: { mode: setColor, hover: actions.hoverValue,
    isolate: actions.isolate, hide: actions.hide, showAll: actions.showAll, captionsGrey: actions.setCaptionsGrey } });
  const preview = createPreview($('card'), { thumbs, ctx });
  const local = createLocalView($('local'), {
    thumbs, ctx, colorOfPoint,
    onSelect: (p) => select(p),
    onHover: (p) => store.set({ hover: p }),
    onClose: () => select(-1),
  });
  app.ready = ready;
  app.restoreColour = () => scene.clearSimilarity();
  const hint = createFirstVisitHint($('hint'), { touch: matchMedia('(pointer: coarse)').matches });
  atlas.hint = hint;
  $('map-tools').addEventListener('click', () => hint.dismiss()); // a projection or a tool chosen: the map is in use
  const ask = attachAsk(app, { $, thumbs, select, timings, hint });
  Object.assign(api, ask.api); // __atlas is for tests
  atlas.ask = ask.api;
  atlas.model = ask.model; // the model client (row, stats): tests and benchmarks
  const searchBox = createSearchBox({ input: $('search-input'), list: $('search-results'), count: $('search-count') }, {
    ...ask.searchOptions,
    onQuery: search,
    onPick: (p) => { searchBox.hide(); select(p); },
    textOf: (m) => matchText(ctx, m),
  });
  attachInput({ ...app, preview, hint, notice: createNotice($('notice')), framed }, actions);
  connectViews(store, { overlay, legend, local, searchBox, preview, renderer, ctx, app });
  setStatus($('status'), `${N.toLocaleString('en-US')} points · ${I.toLocaleString('en-US')} images · ` +
    `${(N - I).toLocaleString('en-US')} captions`);
  store.set({ status: 'ready', dataset: entry.name });
  resolveReady(atlas);

  // -- background loading, then restore the rest of the view from the URL ----------------------
  if (view.colorBy || view.field) await actions.restoreColour(view);
  if (view.point >= 0) select(view.point, { push: false, fly: !startCamera });
  await selection.restore(view);
  url.announce();
  const [captionImage, offsets, text, items] = await Promise.all([
    loadBuffer(manifest, baseUrl, 'caption_image'),
    loadBuffer(manifest, baseUrl, 'caption_offsets'),
    fetchArrayBuffer(resolveUrl(manifest.texts.captions.file, baseUrl)),
    loadItems(manifest, baseUrl),
  ]);
  ctx.captions = createCaptions(new Uint8Array(text), offsets, captionImage, I);
  ctx.items = items;
  localViewOf.prefetchChecksums();
  store.set({ textReady: true });
  resolveText(atlas);
  if (view.query) search(view.query);
}

/** Projections and selection: tool bar, lasso gestures (attached before the camera controls,
 * which must not see them), the panel, Esc, back / forward, and the test hooks. */
function wireSelection(app, actions, thumbs) {
  const sel = createSelectionActions(app, actions);
  const tools = createMapTools({ projection: $('projection'), lasso: $('tool-lasso'), box: $('tool-box'),
    clear: $('clear-selection') }, { projections: app.projections.list,
    on: { projection: (key) => sel.setProjection(key), tool: sel.setTool, clear: sel.clearSelection } });
  attachLasso(app.canvas, $('lasso'), { tool: () => store.get().selectTool,
    onSelect: (poly, op) => sel.selectPolygon(poly, op) });
  const panel = createSelectionPanel($('selection'), { thumbs, on: {
    clear: sel.clearSelection, exportAs: (kind) => view.exportAs(kind), pick: (p) => actions.select(p) } });
  const view = connectSelection(app, panel);
  store.subscribe((s, changed) => {
    if (['projection', 'selectTool', 'selection'].some((k) => changed.has(k))) tools.update(s);
    if (changed.has('selectTool')) app.canvas.classList.toggle('selecting', Boolean(s.selectTool));
  });
  tools.update(store.get());
  // Esc closes the local view first (input.js), then clears the selection.
  document.addEventListener('keydown', (e) => {
    const s = store.get();
    if (e.key === 'Escape' && s.selected < 0 && s.selection && !(e.target instanceof HTMLInputElement)) sel.clearSelection();
  });
  window.addEventListener('popstate', () => sel.restore(parseHash(location.hash)));
  atlas.setProjection = (key, opts) => sel.setProjection(key, opts);
  atlas.selectPolygon = sel.selectPolygon;
  atlas.setSelection = (points) => sel.setSelection(points ? Uint32Array.from(new Set(points)).sort() : null);
  atlas.screenPositions = sel.screen;
  atlas.projections = app.projections;
  return { restore: async (v) => {
    const note = await sel.restore(v);
    if (note) createNotice($('notice')).show(note);
  } };
}

start().catch((err) => {
  atlas.error = String(err && err.message ? err.message : err);
  store.set({ status: 'error', error: atlas.error });
  const schema = err instanceof SchemaError;
  const shown = startupError(location.protocol, atlas.error, schema);
  showError($('error'), shown.title, shown.message);
  setStatus($('status'), 'error');
  if (schema) console.warn(atlas.error);
  else console.error(err);
  rejectReady(err);
  resolveText(atlas);
});
