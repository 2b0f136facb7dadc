/**
 * The 3D points: their GPU buffers, the draw commands (dots, and pictures of the near images),
 * the level of detail and picking (on the CPU, when asked). Knows nothing about the DOM or the
 * store. (Rings and lines live in overlay.js, on their own canvas.)
 *
 * data: {positions: Float32Array(3N), modality: Uint8Array(N)}
 *
 * Colour: one uint8 buffer of values per mode (modality, cluster, a label field), uploaded once,
 * a 256 x 1 palette texture (value -> colour) and a 256 x 1 state texture (value -> shown,
 * dimmed, hidden: the legend's hover, isolation and hidden values).
 */
import { createDrawPoints } from './draw-points.js';
import { createPictures } from './draw-pictures.js';
import { buildGrid, pickWithGrid, pointDiameter } from './pick-cpu.js';
import { paletteData, colorTable, toRgb, BACKGROUND, CAPTION_GREY } from './palette.js';
import { valueStates } from '../ui/legend-model.js';
import { boundingBox, choosePictures, drawnCount, motionPrefix, typicalSpacing, MOTION_BUDGET, PICTURE_FULL_PX,
  PICTURE_MAX_PX, PICTURE_MIN_PX } from './lod.js';
import { project } from './camera.js';

const REF_DEPTH = 2.5; // the camera's starting distance: point sizes are given for it

/** Point diameter in CSS px: big for small sets, small for millions. */
export function basePointSize(n) {
  return Math.max(1.6, Math.min(9, 36 / Math.pow(Math.max(n, 1), 0.2)));
}

/**
 * data: {positions: Float32Array(3N), modality: Uint8Array(N), images?: I (points 0..I-1 are
 * images), atlas?: manifest.atlas, pageUrl?(page) -> URL of an atlas page}.
 */
export function createScene(renderer, camera, data) {
  const { regl, size } = renderer;
  const n = data.modality.length;
  const images = data.images ?? 0;
  // The positions live here and only here (GPU buffer + CPU copy for picking and pictures):
  // setPositions swaps them (another projection, a transition frame).
  let posData = data.positions;
  const positions = regl.buffer({ data: posData, usage: 'dynamic' });
  const modality = regl.buffer({ data: data.modality, usage: 'static' });
  const flagData = new Uint8Array(n);
  const flags = regl.buffer({ length: n, type: 'uint8', usage: 'dynamic' }); // zeros: nothing to upload
  const selData = new Uint8Array(n); // 1 = in the reader's selection (selection-actions.js)
  const selected = regl.buffer({ length: n, type: 'uint8', usage: 'dynamic' });
  let selectionActive = false;
  const colorBuffers = { modality };
  const valueData = { modality: data.modality }; // CPU copies: picking skips hidden values
  const lookup = (bytes) => ({ width: 256, height: 1, data: bytes, min: 'nearest', mag: 'nearest' });
  const palette = regl.texture(lookup(paletteData(colorTable('modality', [1, 1]))));
  let stateBytes = valueStates();
  const states = regl.texture(lookup(stateBytes));
  let colorMode = 'modality';
  let captionsGrey = false;
  let lastPalette = paletteData(colorTable('modality', [1, 1]));
  let lastStates = valueStates();
  let saved = null; // the legend's colouring, while the map is shaded by similarity
  let filterActive = false;
  let budget = MOTION_BUDGET;
  const canSubsample = regl.hasExtension('OES_element_index_uint');
  // A big set's first frame is its motion subset (a uniform sample: quick to draw on software
  // GL); main.js draws every point right after it (setMoving(false)).
  let moving = canSubsample && n > budget;
  // the points drawn while moving: a uniform sample, sorted (lod.motionPrefix); given by the
  // loader (data.order) or made on first need
  let order = data.order && data.order.length === Math.min(n, budget) ? data.order : null;
  let orderBuffer = null;
  let picturesOn = Boolean(data.atlas && images > 0);
  let spacing = 0; // world size of a picture (typical distance between images), on first need
  let imageBox = null;
  const stats = { drawn: n, pictures: 0 };
  let pictureIds = new Int32Array(0);
  let picturePx = new Float32Array(0);

  const viewProj = () => camera.viewProj(size.width / size.height, size.width, size.height);
  let drawSize = basePointSize(n);
  const src = {
    positions, modality, flags, selected,
    selectionActive: () => selectionActive,
    count: n,
    background: BACKGROUND,
    color: () => colorBuffers[colorMode],
    palette: () => palette,
    states: () => states,
    captionsGrey: () => captionsGrey,
    captionGrey: toRgb(CAPTION_GREY).map((c) => c / 255),
    viewProj,
    pointSize: () => drawSize,
    refDepth: () => REF_DEPTH,
    pixelRatio: () => size.pixelRatio,
    filterActive: () => filterActive,
  };
  const drawPoints = createDrawPoints(regl, src);
  const drawSubset = canSubsample ? createDrawPoints(regl, { ...src, elements: () => orderBuffer, count: regl.prop('count') }) : null;
  const ensureOrder = () => {
    if (!order) order = motionPrefix(n, budget);
    if (!orderBuffer) orderBuffer = regl.elements({ data: order, type: 'uint32', primitive: 'points' });
  };
  let grid = null; // world-space grid of the points for picking (pick-cpu.js), per set of positions
  const ensureGrid = () => grid || (grid = buildGrid(posData, n));
  // The permutation and the picking grid are made when the browser is idle after the first
  // frame, not on the first move or hover.
  const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 50));
  idle(() => {
    if (canSubsample && n > drawnCount(n, true, budget)) ensureOrder();
    idle(ensureGrid);
  });

  const maxPointPx = (regl.limits.pointSizeDims && regl.limits.pointSizeDims[1]) || 64;
  // a thumbnail has `cell` pixels a side: drawn bigger than twice that it shows no more detail,
  // only costs more to fill (software GL pays for every pixel)
  const maxPicturePx = 2 * ((data.atlas && data.atlas.cell) || 64);
  const pictures = picturesOn ? createPictures(regl, { atlas: data.atlas, pageUrl: data.pageUrl, viewProj,
    palette: () => palette, pixelRatio: () => size.pixelRatio, background: BACKGROUND, onLoad: () => renderer.request() }) : null;
  const hidden = (i) => stateBytes[4 * valueData[colorMode][i]] === 2;

  function drawPictures(vp) {
    if (!spacing) {
      spacing = typicalSpacing(posData, images);
      imageBox = boundingBox(posData, images);
    }
    const focalPx = size.height / 2 / Math.tan(camera.fovy / 2);
    const chosen = choosePictures({ positions: posData, count: images, viewProj: vp, focalPx, worldSize: spacing,
      box: imageBox, skip: hidden, maxPx: Math.min(PICTURE_MAX_PX, maxPicturePx, maxPointPx / size.pixelRatio) });
    const values = valueData[colorMode];
    pictureIds = chosen.ids;
    picturePx = chosen.px;
    const list = [];
    for (let r = 0; r < chosen.ids.length; r++) {
      const i = chosen.ids[r];
      const st = stateBytes[4 * values[i]];
      const w = vp[3] * posData[3 * i] + vp[7] * posData[3 * i + 1] + vp[11] * posData[3 * i + 2] + vp[15];
      const dot = pointDiameter(drawSize, REF_DEPTH, w, { match: flagData[i], filter: filterActive, dim: st === 1, focused: st === 3 });
      const a = chosen.alpha[r];
      list.push({ i, rank: r, position: position(i), px: dot + (chosen.px[r] - dot) * a, alpha: a, color: values[i],
        dim: st === 1 ? 0.82 : (filterActive && !flagData[i]) || (selectionActive && !selData[i]) ? 0.72 : 0 });
    }
    return pictures.draw(list);
  }

  const position = (i) => [posData[3 * i], posData[3 * i + 1], posData[3 * i + 2]];

  /** The nearest picture (fully faded in or half so) whose square covers CSS pixel (x, y), or -1. */
  function pictureAt(vp, x, y) {
    for (let r = 0; r < pictureIds.length; r++) { // nearest first
      if (picturePx[r] < PICTURE_FULL_PX / 2 + PICTURE_MIN_PX / 2) continue; // still mostly a dot
      const p = project(vp, position(pictureIds[r]), size.width, size.height);
      if (Math.abs(p.x - x) <= picturePx[r] / 2 && Math.abs(p.y - y) <= picturePx[r] / 2) return pictureIds[r];
    }
    return -1;
  }
  const pickDot = (x, y) => pickWithGrid(ensureGrid(), { positions: posData, count: n, viewProj: viewProj(),
    width: size.width, height: size.height, focalPx: size.height / 2 / Math.tan(camera.fovy / 2), base: basePointSize(n),
    refDepth: REF_DEPTH, values: valueData[colorMode], states: stateBytes, flags: flagData, filter: filterActive }, x, y);

  return {
    count: n,
    position,
    viewProj,
    /** Draw one frame; returns true while the camera is still flying. */
    draw(now) {
      const flying = camera.tick(now);
      regl.clear({ color: [...BACKGROUND, 1], depth: 1 });
      if (moving && canSubsample && n > budget) ensureOrder();
      const count = order ? drawnCount(n, moving, budget) : n;
      // in motion a uniform subset, sized as a map of that many points would be
      drawSize = basePointSize(count);
      if (count < n) drawSubset({ count });
      else drawPoints();
      stats.drawn = count;
      stats.pictures = picturesOn ? drawPictures(viewProj()) : 0;
      return flying;
    },
    /** Colour by `mode`: its uint8 buffer of values (uploaded the first time) and its palette
     * (paletteData: 256 x RGBA). */
    setColor(mode, values, paletteBytes) {
      if (values && !colorBuffers[mode]) {
        colorBuffers[mode] = regl.buffer({ data: values, usage: 'static' });
        valueData[mode] = values;
      }
      saved = null;
      colorMode = mode;
      lastPalette = paletteBytes;
      palette(lookup(paletteBytes));
    },
    /** Shade every point by a score (one byte per point, 255 = most similar) through a ramp
     * (256 x RGBA), over the legend's colouring; clearSimilarity() brings that back. */
    setSimilarity(values, rampBytes) {
      if (!colorBuffers.similarity) colorBuffers.similarity = regl.buffer({ data: values, usage: 'dynamic' });
      else colorBuffers.similarity.subdata(values);
      valueData.similarity = Uint8Array.from(values); // CPU copy: picking and pictures read it
      if (!saved) saved = { mode: colorMode, grey: captionsGrey };
      colorMode = 'similarity';
      captionsGrey = false;
      palette(lookup(rampBytes));
      stateBytes = valueStates();
      states(lookup(stateBytes));
      renderer.invalidate();
    },
    clearSimilarity() {
      if (!saved) return;
      colorMode = saved.mode;
      captionsGrey = saved.grey;
      saved = null;
      palette(lookup(lastPalette));
      stateBytes = lastStates;
      states(lookup(lastStates));
      renderer.invalidate();
    },
    get shaded() { return Boolean(saved); },
    /** The legend's state of each value (valueStates: 256 x RGBA), the palette that goes with it
     * (a focused grey value recoloured) and whether captions are drawn grey. */
    setLegend(bytes, paletteBytes, grey) {
      lastStates = bytes;
      lastPalette = paletteBytes;
      if (saved) { saved.grey = Boolean(grey); return; } // shown again by clearSimilarity
      stateBytes = bytes;
      states(lookup(bytes));
      palette(lookup(paletteBytes));
      captionsGrey = Boolean(grey);
    },
    hasColor: (mode) => Boolean(colorBuffers[mode]),
    /** In motion, big sets draw a random subset (see MOTION_BUDGET); at rest, every point.
     * Returns whether the points drawn change with it: a set within the budget draws every point
     * either way, so coming to rest needs no new frame. */
    setMoving(value) {
      const drawn = () => (canSubsample ? drawnCount(n, moving, budget) : n);
      const before = drawn();
      moving = Boolean(value);
      return drawn() !== before;
    },
    get moving() { return moving; },
    /** Mark the given points as search matches (null clears the search). */
    setMatches(points) {
      flagData.fill(0);
      if (points) for (const p of points) flagData[p] = 1;
      flags.subdata(flagData);
      filterActive = Boolean(points);
    },
    /** Point id at CSS pixel (x, y) of the canvas, or -1: computed on the CPU from the
     * positions and the camera when asked (pick-cpu.js), nothing rendered or read back. */
    pick(x, y) {
      const vp = viewProj();
      const wOf = (i) => vp[3] * posData[3 * i] + vp[7] * posData[3 * i + 1] + vp[11] * posData[3 * i + 2] + vp[15];
      const dot = pickDot(x, y);
      // a picture under the cursor is its image, unless a dot in front of it is hit
      const pic = picturesOn ? pictureAt(vp, x, y) : -1;
      return pic >= 0 && (dot < 0 || wOf(pic) <= wOf(dot)) ? pic : dot;
    },
    /** Mark the reader's selection (sorted point indices; null clears it): the rest is dimmed. */
    setSelection(points) {
      selData.fill(0);
      if (points) for (const p of points) selData[p] = 1;
      selected.subdata(selData);
      selectionActive = Boolean(points && points.length);
      renderer.invalidate();
    },
    /** Replace every point's position (Float32Array(3N): another projection, or a frame of the
     * transition to it); position(i), picking and the pictures follow the new ones. */
    setPositions(array) {
      if (array.length !== 3 * n) throw new Error(`setPositions: expected ${3 * n} values, got ${array.length}`);
      posData = array;
      data.positions = array;
      positions.subdata(array);
      spacing = 0; // the pictures' size and box, and the picking grid, follow the new positions
      grid = null;
      renderer.invalidate();
    },
    /** Pictures on the map (image points near the camera drawn as their thumbnails) on or off. */
    setPictures(on) {
      picturesOn = Boolean(on) && Boolean(pictures);
      renderer.invalidate();
    },
    get picturesAvailable() { return Boolean(pictures); },
    get picturesOn() { return picturesOn; },
    /** What the last frame drew: {drawn: dots, pictures} (tests, benchmarks). */
    stats,
    /** The image points drawn as pictures in the last frame, nearest first (tests). */
    pictureIds: () => (picturesOn ? Array.from(pictureIds) : []),
    /** The on-screen size (CSS px) of those pictures when fully shown, in the same order. */
    picturePx: () => (picturesOn ? Array.from(picturePx) : []),
    /** How many points are drawn while the camera moves (tests lower it on small sites). */
    setMotionBudget(k) {
      budget = Math.max(1, k | 0);
      order = null;
      if (orderBuffer) orderBuffer.destroy();
      orderBuffer = null;
    },
    loadedPages: () => (pictures ? pictures.loadedPages() : 0),
  };
}
