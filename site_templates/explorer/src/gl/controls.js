/**
 * Input -> camera. Mouse: left-drag orbits, right-drag (or ctrl + drag) pans, wheel
 * zooms (shift + drag is a lasso, ui/lasso-input.js, which stops it before it gets here). Touch: one finger orbits, two fingers pinch-zoom and pan. Keys (canvas focused):
 * arrows orbit, shift + arrows pan, +/- zoom.
 *
 * `onChange` is called after every camera change; `isDragging()` lets hover picking pause.
 * A press that moves less than a few pixels is a click, reported through `onClick`.
 * `wheelZooms()` (optional) may turn the wheel off: the event then goes on to scroll the page
 * (an embedded explorer, before the reader clicked it), and `onWheelIgnored` is told.
 */

const CLICK_SLOP = 4; // px a press may move and still count as a click

export function attachControls(canvas, camera, { onChange, onClick, onHover, onLeave, wheelZooms, onWheelIgnored }) {
  let drag = null; // {x, y, startX, startY, mode, moved}
  const touches = new Map();
  let pinch = null;

  const height = () => canvas.clientHeight || 600;
  const local = (e) => {
    const r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };

  canvas.addEventListener('contextmenu', (e) => e.preventDefault());

  canvas.addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'touch') return;
    canvas.focus({ preventScroll: true });
    const mode = e.button === 2 || e.shiftKey || e.ctrlKey || e.metaKey ? 'pan' : 'orbit';
    drag = { x: e.clientX, y: e.clientY, startX: e.clientX, startY: e.clientY, mode, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });

  canvas.addEventListener('pointermove', (e) => {
    if (e.pointerType === 'touch') return;
    if (!drag) {
      onHover(...local(e));
      return;
    }
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    drag.x = e.clientX;
    drag.y = e.clientY;
    if (!drag.moved && Math.hypot(e.clientX - drag.startX, e.clientY - drag.startY) < CLICK_SLOP) return;
    drag.moved = true;
    if (drag.mode === 'pan') camera.pan(dx, dy, height());
    else camera.orbit(dx, dy, height());
    onChange();
  });

  canvas.addEventListener('pointerup', (e) => {
    if (e.pointerType === 'touch' || !drag) return;
    const wasClick = !drag.moved && e.button === 0;
    drag = null;
    if (wasClick) onClick(...local(e), e);
  });
  canvas.addEventListener('pointercancel', () => { drag = null; });
  canvas.addEventListener('pointerleave', (e) => { if (!drag && e.pointerType !== 'touch') onLeave(); });

  canvas.addEventListener('wheel', (e) => {
    if (wheelZooms && !wheelZooms()) {
      if (onWheelIgnored) onWheelIgnored();
      return;
    }
    e.preventDefault();
    const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    camera.zoom(Math.exp(Math.max(-1, Math.min(1, delta * 0.0015))));
    onChange();
  }, { passive: false });

  // Touch: handled with touch events so pinch works the same in every browser.
  const touchPoint = (t) => [t.clientX, t.clientY];
  canvas.addEventListener('touchstart', (e) => {
    e.preventDefault();
    for (const t of e.changedTouches) touches.set(t.identifier, { p: touchPoint(t), start: touchPoint(t), moved: false });
    pinch = null;
  }, { passive: false });
  canvas.addEventListener('touchmove', (e) => {
    e.preventDefault();
    const before = new Map([...touches].map(([k, v]) => [k, v.p]));
    for (const t of e.changedTouches) {
      const rec = touches.get(t.identifier);
      if (!rec) continue;
      rec.p = touchPoint(t);
      if (Math.hypot(rec.p[0] - rec.start[0], rec.p[1] - rec.start[1]) >= CLICK_SLOP) rec.moved = true;
    }
    const ids = [...touches.keys()];
    if (ids.length === 1) {
      const [a] = ids;
      camera.orbit(touches.get(a).p[0] - before.get(a)[0], touches.get(a).p[1] - before.get(a)[1], height());
    } else if (ids.length >= 2) {
      const [a, b] = ids;
      const pa = touches.get(a).p, pb = touches.get(b).p, qa = before.get(a), qb = before.get(b);
      const dist = Math.hypot(pa[0] - pb[0], pa[1] - pb[1]);
      const prev = Math.hypot(qa[0] - qb[0], qa[1] - qb[1]);
      if (prev > 0 && dist > 0) camera.zoom(prev / dist);
      camera.pan(((pa[0] + pb[0]) - (qa[0] + qb[0])) / 2, ((pa[1] + pb[1]) - (qa[1] + qb[1])) / 2, height());
    }
    onChange();
  }, { passive: false });
  canvas.addEventListener('touchend', (e) => {
    e.preventDefault();
    for (const t of e.changedTouches) {
      const rec = touches.get(t.identifier);
      touches.delete(t.identifier);
      // a single short tap selects, like a click
      if (rec && !rec.moved && touches.size === 0 && e.touches.length === 0) {
        const r = canvas.getBoundingClientRect();
        onClick(rec.p[0] - r.left, rec.p[1] - r.top, e);
      }
    }
  }, { passive: false });
  canvas.addEventListener('touchcancel', () => touches.clear());

  canvas.addEventListener('keydown', (e) => {
    const step = 24;
    const move = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
    if (move) {
      if (e.shiftKey) camera.pan(move[0], move[1], height());
      else camera.orbit(move[0], move[1], height());
    } else if (e.key === '+' || e.key === '=') camera.zoom(0.85);
    else if (e.key === '-' || e.key === '_') camera.zoom(1 / 0.85);
    else return;
    e.preventDefault();
    onChange();
  });

  return { isDragging: () => drag !== null && drag.moved };
}
