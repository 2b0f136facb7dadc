/**
 * Reader input -> actions: hover and click on the map (picking), Escape, and the URL changing
 * under the page (back / forward).
 */
import { attachControls } from './gl/controls.js';
import { parseHash } from './router.js';
import { readGeometry, underPanel } from './ui/geometry.js';

const CLEAR_PX = 24; // a clicked point this close to the panel's edge counts as covered
const PREFETCH_MS = 80; // hover this long over a point to prefetch its local view

export function attachInput({ store, scene, camera, renderer, canvas, preview, entry, localViewOf, timings }, actions) {
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
      if (p >= 0) prefetchTimer = setTimeout(() => localViewOf.prefetch(p), PREFETCH_MS);
      const r = canvas.getBoundingClientRect();
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
      const fly = underPanel(x, y, canvas.clientWidth, canvas.clientHeight, readGeometry(), CLEAR_PX);
      if (p >= 0) actions.select(p, { t0, fly });
    },
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && store.get().selected >= 0 && !(e.target instanceof HTMLInputElement)) actions.select(-1);
  });
  window.addEventListener('popstate', () => {
    const v = parseHash(location.hash);
    if (v.dataset && v.dataset !== entry.name) return location.reload();
    actions.restoreColour(v);
    if (v.query !== store.get().query) actions.search(v.query);
    actions.select(v.point, { push: false });
  });
  return controls;
}
