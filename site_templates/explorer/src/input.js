/**
 * Reader input -> actions: hover and click on the map (picking), Enter on the focused map (opens
 * the hovered point), Escape, R (reset the view), and the URL changing under the page (back /
 * forward). Embedded in a page (`framed`), the wheel scrolls that page until the map is clicked.
 */
import { attachControls } from './gl/controls.js';
import { parseCamera, parseHash } from './router.js';
import { applyCamera } from './url.js';
import { panelShift, readGeometry, underPanel } from './ui/geometry.js';

const CLEAR_PX = 24; // a clicked point this close to the panel's edge counts as covered
const PREFETCH_MS = 80; // hover this long over a point to prefetch its local view

const typing = (t) => t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;

export function attachInput(app, actions) {
  const { store, scene, camera, renderer, canvas, preview, entry, localViewOf, timings, hint, notice, framed } = app;
  let prefetchTimer = 0;
  let quiet = -1; // the point just clicked: its hover card stays closed until the cursor leaves it
  let at = null; // the cursor's last position on the canvas
  let engaged = !framed; // embedded: does the wheel zoom yet?
  /** Open point p, keeping the map still unless the panel would cover (x, y). */
  const open = (p, x, y, t0 = performance.now()) => {
    preview.hide();
    quiet = p;
    const fly = underPanel(x, y, canvas.clientWidth, canvas.clientHeight, readGeometry(), CLEAR_PX);
    if (p >= 0) actions.select(p, { t0, fly });
  };
  const engage = () => { engaged = true; };
  /** The cursor is off the points: no hover, no card (it left the map, or a lasso began). */
  const unhover = () => {
    clearTimeout(prefetchTimer);
    store.set({ hover: -1 });
    preview.hide();
    at = null;
    canvas.style.cursor = '';
  };
  canvas.addEventListener('lassostart', unhover); // the camera controls do not see a lasso's moves
  canvas.addEventListener('pointerdown', engage);
  canvas.addEventListener('touchstart', engage, { passive: true });
  window.addEventListener('blur', () => { engaged = !framed; });
  const controls = attachControls(canvas, camera, {
    wheelZooms: () => engaged,
    onWheelIgnored: () => notice.show('Click the map to zoom it with the wheel'),
    onChange() {
      hint.dismiss();
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
      at = [x, y];
      clearTimeout(prefetchTimer);
      if (p >= 0) prefetchTimer = setTimeout(() => localViewOf.prefetch(p), PREFETCH_MS);
      if (p !== quiet) quiet = -1;
      const r = canvas.getBoundingClientRect();
      if (p >= 0 && p !== quiet) preview.show(p, x, y, r.width, r.height);
      else preview.hide();
      canvas.style.cursor = p >= 0 ? 'pointer' : '';
    },
    onLeave: unhover,
    onClick(x, y) {
      const t0 = performance.now();
      hint.dismiss();
      // The point is under the cursor: the map stays still, unless the panel would cover it.
      open(scene.pick(x, y), x, y, t0);
    },
  });
  canvas.addEventListener('keydown', (e) => {
    const p = store.get().hover;
    if (e.key !== 'Enter' || p < 0 || !at) return;
    e.preventDefault();
    open(p, ...at);
  });
  document.addEventListener('keydown', (e) => {
    if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape' && store.get().selected >= 0) actions.select(-1);
    else if (e.key === 'r' || e.key === 'R') actions.resetView();
    else if ((e.key === 'p' || e.key === 'P') && scene.picturesAvailable) actions.setPictures(!store.get().pictures);
  });
  window.addEventListener('popstate', () => {
    const v = parseHash(location.hash);
    if (v.dataset && v.dataset !== entry.name) return location.reload();
    actions.restoreColour(v);
    if (v.pictures !== store.get().pictures && scene.picturesAvailable) actions.setPictures(v.pictures, false);
    if (v.query !== store.get().query) actions.search(v.query);
    const cam = parseCamera(location.hash);
    if (cam) {
      const shift = v.point >= 0 ? panelShift(canvas.clientWidth, canvas.clientHeight, readGeometry()) : null;
      applyCamera(camera, cam, canvas, shift);
      scene.setMoving(true);
      renderer.invalidate();
    }
    actions.select(v.point, { push: false, fly: !cam });
  });
  return controls;
}
