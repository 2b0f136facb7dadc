/**
 * The 3D scene: GPU buffers for the points, the draw commands, the overlays (highlight rings,
 * image-caption lines) and the picker. Knows nothing about the DOM or the store.
 *
 * data: {positions: Float32Array(3N), modality: Uint8Array(N), category: Uint8Array(N)}
 */
import { createDrawPoints, createDrawPick, createDrawMarkers } from './draw-points.js';
import { createDrawLines } from './draw-lines.js';
import { createPicker } from './picking.js';
import { paletteData, BACKGROUND } from './palette.js';

const REF_DEPTH = 2.5; // the camera's starting distance: point sizes are given for it
const MAX_MARKERS = 256;
const MAX_LINE_VERTS = 512;

/** Point diameter in CSS px: big for small sets, small for millions. */
export function basePointSize(n) {
  return Math.max(1.6, Math.min(9, 36 / Math.pow(Math.max(n, 1), 0.2)));
}

export function createScene(renderer, camera, data) {
  const { regl, size } = renderer;
  const n = data.modality.length;
  const positions = regl.buffer({ data: data.positions, usage: 'static' });
  const modality = regl.buffer({ data: data.modality, usage: 'static' });
  const flagData = new Uint8Array(n);
  const flags = regl.buffer({ data: flagData, usage: 'dynamic' });
  const idData = new Float32Array(n);
  for (let i = 0; i < n; i++) idData[i] = i;
  const ids = regl.buffer({ data: idData, usage: 'static' });
  const colorBuffers = { modality, category: regl.buffer({ data: data.category, usage: 'static' }) };
  const palette = regl.texture({ width: 256, height: 1, data: paletteData('modality'), min: 'nearest', mag: 'nearest' });
  let colorMode = 'modality';
  let filterActive = false;

  const viewProj = () => camera.viewProj(size.width / size.height);
  const src = {
    positions, modality, flags, ids,
    count: n,
    background: BACKGROUND,
    color: () => colorBuffers[colorMode],
    palette: () => palette,
    viewProj,
    pointSize: () => basePointSize(n),
    refDepth: () => REF_DEPTH,
    pixelRatio: () => size.pixelRatio,
    filterActive: () => filterActive,
    framebuffer: null,
  };
  const drawPoints = createDrawPoints(regl, src);
  const drawPick = createDrawPick(regl, src);
  const picker = createPicker(regl, { drawPick: () => drawPick(), size });
  src.framebuffer = picker.framebuffer;
  const drawMarkers = createDrawMarkers(regl, src);
  const drawLines = createDrawLines(regl, src);

  const marker = {
    pos: regl.buffer({ usage: 'dynamic', type: 'float', length: MAX_MARKERS * 12 }),
    col: regl.buffer({ usage: 'dynamic', type: 'float', length: MAX_MARKERS * 16 }),
    size: regl.buffer({ usage: 'dynamic', type: 'float', length: MAX_MARKERS * 4 }),
    count: 0,
  };
  const lines = { pos: regl.buffer({ usage: 'dynamic', type: 'float', length: MAX_LINE_VERTS * 12 }), count: 0 };

  const position = (i) => [data.positions[3 * i], data.positions[3 * i + 1], data.positions[3 * i + 2]];

  return {
    count: n,
    position,
    viewProj,
    /** Draw one frame; returns true while the camera is still flying. */
    draw(now) {
      const moving = camera.tick(now);
      regl.clear({ color: [...BACKGROUND, 1], depth: 1 });
      drawPoints();
      if (lines.count) drawLines({ positions: lines.pos, count: lines.count, color: [0.95, 0.96, 1, 0.5] });
      if (marker.count) drawMarkers({ positions: marker.pos, colors: marker.col, sizes: marker.size, count: marker.count });
      return moving;
    },
    /** Colour by `mode` using a uint8 buffer of palette indices (given once per mode). */
    setColor(mode, values) {
      if (values && !colorBuffers[mode]) colorBuffers[mode] = regl.buffer({ data: values, usage: 'static' });
      colorMode = mode;
      palette({ width: 256, height: 1, data: paletteData(mode), min: 'nearest', mag: 'nearest' });
    },
    hasColor: (mode) => Boolean(colorBuffers[mode]),
    /** Mark the given points as search matches (null clears the search). */
    setMatches(points) {
      flagData.fill(0);
      if (points) for (const p of points) flagData[p] = 1;
      flags.subdata(flagData);
      filterActive = Boolean(points);
    },
    /** Rings: [{p, rgba, size}]; line segments: [[a, b], ...] between points. */
    setOverlays(rings, segments) {
      const r = rings.slice(0, MAX_MARKERS);
      const pos = new Float32Array(r.length * 3), col = new Float32Array(r.length * 4), sz = new Float32Array(r.length);
      r.forEach((m, k) => { pos.set(position(m.p), 3 * k); col.set(m.rgba, 4 * k); sz[k] = m.size; });
      if (r.length) { marker.pos.subdata(pos); marker.col.subdata(col); marker.size.subdata(sz); }
      marker.count = r.length;
      const s = segments.slice(0, MAX_LINE_VERTS / 2);
      const lp = new Float32Array(s.length * 6);
      s.forEach(([a, b], k) => { lp.set(position(a), 6 * k); lp.set(position(b), 6 * k + 3); });
      if (s.length) lines.pos.subdata(lp);
      lines.count = s.length * 2;
    },
    /** Point id at CSS pixel (x, y) of the canvas, or -1. */
    pick: (x, y) => picker.pick(x, y, renderer.sceneVersion),
  };
}
