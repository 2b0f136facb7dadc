/**
 * The overlay: highlight rings (hovered, selected, neighbours) and the lines joining an image
 * to its captions, drawn with their own regl context on a transparent canvas above the points.
 * Hover and selection change only this cheap layer.
 */
import { createRenderer } from './renderer.js';
import { createDrawMarkers } from './draw-points.js';
import { createDrawLines } from './draw-lines.js';

const MAX_MARKERS = 256;
const MAX_LINE_VERTS = 512;

/** `position(i)` -> [x, y, z] of point i; `viewProj()` -> the points' current matrix. */
export function createOverlay(canvas, { position, viewProj }) {
  let marker = null, lines = null;
  let drawMarkers = null, drawLines = null;
  const renderer = createRenderer(canvas, { transparent: true, draw });
  const { regl, size } = renderer;
  renderer.start();
  const src = { viewProj, pixelRatio: () => size.pixelRatio };
  drawMarkers = createDrawMarkers(regl, src);
  drawLines = createDrawLines(regl, src);
  marker = {
    pos: regl.buffer({ usage: 'dynamic', type: 'float', length: MAX_MARKERS * 12 }),
    col: regl.buffer({ usage: 'dynamic', type: 'float', length: MAX_MARKERS * 16 }),
    size: regl.buffer({ usage: 'dynamic', type: 'float', length: MAX_MARKERS * 4 }),
    count: 0,
  };
  lines = { pos: regl.buffer({ usage: 'dynamic', type: 'float', length: MAX_LINE_VERTS * 12 }), count: 0 };

  function draw() {
    regl.clear({ color: [0, 0, 0, 0] });
    if (lines.count) drawLines({ positions: lines.pos, count: lines.count, color: [0.95, 0.96, 1, 0.55] });
    if (marker.count) drawMarkers({ positions: marker.pos, colors: marker.col, sizes: marker.size, count: marker.count });
    return false;
  }

  return {
    renderer,
    /** Rings: [{p, rgba, size}] (or {xyz} instead of p: a place that is no point); line
     * segments: [[a, b], ...] between points (or [x, y, z] places). Redraws. */
    set(rings, segments) {
      const r = rings.slice(0, MAX_MARKERS);
      const pos = new Float32Array(r.length * 3), col = new Float32Array(r.length * 4), sz = new Float32Array(r.length);
      r.forEach((m, k) => { pos.set(m.xyz || position(m.p), 3 * k); col.set(m.rgba, 4 * k); sz[k] = m.size; });
      if (r.length) { marker.pos.subdata(pos); marker.col.subdata(col); marker.size.subdata(sz); }
      marker.count = r.length;
      const s = segments.slice(0, MAX_LINE_VERTS / 2);
      const lp = new Float32Array(s.length * 6);
      const at = (q) => (typeof q === 'number' ? position(q) : q);
      s.forEach(([a, b], k) => { lp.set(at(a), 6 * k); lp.set(at(b), 6 * k + 3); });
      if (s.length) lines.pos.subdata(lp);
      lines.count = s.length * 2;
      renderer.request();
    },
  };
}
