/**
 * What the reader can do with a selection and with the projections, as functions of the store:
 * select the points inside a lasso or box (replace, add, subtract), clear, choose a selection
 * tool, switch the projection (animated), and restore both from the URL. The URL keeps the
 * projection and, up to MAX_URL_POINTS points, the selection (selection/encode.js).
 */
import { project } from './gl/camera.js';
import { combine, pointsInside, screenPositions } from './selection/lasso.js';
import { decodeSelection, encodeSelection, MAX_URL_POINTS } from './selection/encode.js';

/** `app` (main.js) with `projections` (projections.js); `actions` (actions.js: hashOf). */
export function createSelectionActions(app, actions) {
  const { store, scene, renderer, canvas, manifest } = app;
  const { N } = manifest.counts;
  const record = () => app.url.replace(actions.hashOf());

  /** Screen positions (CSS px of the canvas) of every point as drawn now; NaN off screen. */
  const screen = () => {
    const w = canvas.clientWidth, h = canvas.clientHeight, vp = scene.viewProj();
    return screenPositions(N, (i) => project(vp, scene.position(i), w, h));
  };

  /** Make `points` (sorted Uint32Array, or null) the selection. */
  function setSelection(points, { write = true } = {}) {
    const sel = points && points.length ? points : null;
    const code = sel && sel.length <= MAX_URL_POINTS ? encodeSelection(sel) : '';
    scene.setSelection(sel);
    store.set({ selection: sel, selectionCode: code });
    renderer.request();
    if (write) record();
  }

  /** Select the points inside `poly` ([[x, y], ...] in CSS px of the canvas): op is 'replace',
   * 'add' or 'subtract'. Returns the new selection's size. */
  function selectPolygon(poly, op = 'replace') {
    const picked = pointsInside(screen(), poly);
    setSelection(combine(store.get().selection, picked, op));
    const s = store.get().selection;
    return s ? s.length : 0;
  }

  const clearSelection = () => setSelection(null);
  const setTool = (tool) => store.set({ selectTool: store.get().selectTool === tool ? '' : tool });

  /** Show projection `key` (animated over `ms`, default TRANSITION_MS, unless `animate` is
   * false); writes the URL. */
  async function setProjection(key, { animate = true, write = true, ms } = {}) {
    if (!app.projections.has(key)) return;
    store.set({ projection: key });
    if (write) record();
    await app.projections.set(key, { animate, ...(ms ? { ms } : {}) });
  }

  /** The projection and the selection a URL asks for (router.parseHash); the URL is kept as it
   * is. Returns a note when the URL's selection could not be read. */
  async function restore(view) {
    const key = app.projections.has(view.projection) ? view.projection : app.projections.defaultKey;
    if (key !== store.get().projection) await setProjection(key, { animate: store.get().projection !== '', write: false });
    if ((view.selection || '') === store.get().selectionCode) return '';
    const points = view.selection ? decodeSelection(view.selection, N) : null;
    setSelection(points, { write: false });
    return view.selection && !points ? 'The selection in this link does not fit this dataset; it was left out.' : '';
  }

  return { setSelection, selectPolygon, clearSelection, setTool, setProjection, restore, screen };
}
