/**
 * Lasso and box gestures on the map. Shift + drag draws a lasso that adds to the selection
 * (Shift + Alt + drag subtracts); with a selection tool chosen (lasso or box), a plain drag
 * selects (replacing the selection), Shift adds and Alt subtracts, and touch works the same
 * way. While a gesture runs, the camera controls do not see it: these listeners are attached
 * before them (gl/controls.js) and stop the events they handle, so a gesture's start is announced
 * on the canvas as a 'lassostart' event (the hover card listens for it and closes).
 */
import { boxPolygon } from '../selection/lasso.js';

const SVG = 'http://www.w3.org/2000/svg';

/** The operation of a gesture: Alt subtracts, Shift adds, a plain drag with a tool replaces. */
export function gestureOp({ shiftKey, altKey }, tool) {
  if (altKey) return 'subtract';
  if (shiftKey || !tool) return 'add';
  return 'replace';
}

/**
 * `canvas`, `svg` (an <svg> over it that shows the outline), `tool()` ('' | 'lasso' | 'box'),
 * `onSelect(polygon, op)`.
 */
export function attachLasso(canvas, svg, { tool, onSelect }) {
  let g = null; // {id, shape, points: [[x, y]], start}
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('class', 'lasso-path');
  svg.append(path);
  const local = (e) => {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const polygon = () => (g.shape === 'box' ? boxPolygon(g.start, g.points[g.points.length - 1]) : g.points);
  const draw = () => {
    const poly = g ? polygon() : [];
    path.setAttribute('d', poly.length ? `M${poly.map((p) => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join('L')}Z` : '');
  };
  const stop = (e) => {
    e.stopImmediatePropagation();
    e.preventDefault();
  };

  canvas.addEventListener('pointerdown', (e) => {
    if (g) { // a second finger: a pinch, not a lasso
      g = null;
      draw();
      return;
    }
    const t = tool();
    if (e.button !== 0 || !(t || (e.shiftKey && e.pointerType !== 'touch'))) return;
    stop(e);
    canvas.focus({ preventScroll: true });
    const at = local(e);
    g = { id: e.pointerId, shape: t === 'box' ? 'box' : 'lasso', points: [at], start: at };
    canvas.setPointerCapture(e.pointerId);
    canvas.dispatchEvent(new CustomEvent('lassostart'));
    draw();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!g || e.pointerId !== g.id) return;
    stop(e);
    const at = local(e), last = g.points[g.points.length - 1];
    if (Math.hypot(at[0] - last[0], at[1] - last[1]) >= 2) g.points.push(at);
    draw();
  });
  const end = (e, cancelled) => {
    if (!g || e.pointerId !== g.id) return;
    stop(e);
    g.points.push(local(e));
    const poly = polygon();
    const op = gestureOp(e, tool());
    g = null;
    draw();
    if (!cancelled) onSelect(poly, op);
  };
  canvas.addEventListener('pointerup', (e) => end(e, false));
  canvas.addEventListener('pointercancel', (e) => end(e, true));
  // With a tool chosen, one finger selects: the touch events the camera orbits with are stopped.
  for (const type of ['touchstart', 'touchmove', 'touchend']) {
    canvas.addEventListener(type, (e) => {
      if (tool() && e.touches.length <= 1) stop(e);
    }, { passive: false });
  }
  return { get active() { return g !== null; } };
}
