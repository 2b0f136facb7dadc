/**
 * The 3D points: their GPU buffers, the draw command and the picker. Knows nothing about the
 * DOM or the store. (Rings and lines live in overlay.js, on their own canvas.)
 *
 * data: {positions: Float32Array(3N), modality: Uint8Array(N)}
 *
 * Colour: one uint8 buffer of values per mode (modality, cluster, a label field), uploaded once,
 * a 256 x 1 palette texture (value -> colour) and a 256 x 1 state texture (value -> shown,
 * dimmed, hidden: the legend's hover, isolation and hidden values).
 */
import { createDrawPoints, createDrawPick } from './draw-points.js';
import { createPicker } from './picking.js';
import { paletteData, colorTable, toRgb, BACKGROUND, CAPTION_GREY } from './palette.js';
import { valueStates } from '../ui/legend-model.js';
import { MOTION_BUDGET, shuffledIndices } from './lod.js';

const REF_DEPTH = 2.5; // the camera's starting distance: point sizes are given for it

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
  const selData = new Uint8Array(n); // 1 = in the reader's selection (selection-actions.js)
  const selected = regl.buffer({ data: selData, usage: 'dynamic' });
  let selectionActive = false;
  const colorBuffers = { modality };
  const lookup = (bytes) => ({ width: 256, height: 1, data: bytes, min: 'nearest', mag: 'nearest' });
  const palette = regl.texture(lookup(paletteData(colorTable('modality', [1, 1]))));
  const states = regl.texture(lookup(valueStates()));
  let colorMode = 'modality';
  let captionsGrey = false;
  let lastPalette = paletteData(colorTable('modality', [1, 1]));
  let lastStates = valueStates();
  let saved = null; // the legend's colouring, while the map is shaded by similarity
  let filterActive = false;
  let moving = false;
  let subset = null; // elements buffer: a random order of all points, the first MOTION_BUDGET drawn in motion
  const canSubsample = n > MOTION_BUDGET && regl.hasExtension('OES_element_index_uint');

  const viewProj = () => camera.viewProj(size.width / size.height, size.width, size.height);
  const src = {
    positions, modality, flags, selected,
    selectionActive: () => selectionActive,
    ids: null, // point ids for the picking pass, made with the picker (after the first frame)
    count: n,
    background: BACKGROUND,
    color: () => colorBuffers[colorMode],
    palette: () => palette,
    states: () => states,
    captionsGrey: () => captionsGrey,
    captionGrey: toRgb(CAPTION_GREY).map((c) => c / 255),
    viewProj,
    pointSize: () => basePointSize(n),
    refDepth: () => REF_DEPTH,
    pixelRatio: () => size.pixelRatio,
    filterActive: () => filterActive,
    framebuffer: null,
  };
  const drawPoints = createDrawPoints(regl, src);
  const drawSubset = canSubsample ? createDrawPoints(regl, { ...src, elements: () => subset, count: MOTION_BUDGET }) : null;
  // The picking program is compiled on first use: shader compilation is a large part of
  // time-to-first-frame, most of all on software GL.
  const lazy = (make) => { let cmd = null; return (props) => (cmd || (cmd = make()))(props); };
  let picker = null;
  const getPicker = () => {
    if (!picker) {
      const idData = new Float32Array(n);
      for (let i = 0; i < n; i++) idData[i] = i;
      src.ids = regl.buffer({ data: idData, usage: 'static' });
      picker = createPicker(regl, { drawPick: lazy(() => createDrawPick(regl, src)), size });
      src.framebuffer = picker.framebuffer;
    }
    return picker;
  };

  const position = (i) => [data.positions[3 * i], data.positions[3 * i + 1], data.positions[3 * i + 2]];

  return {
    count: n,
    position,
    viewProj,
    /** Draw one frame; returns true while the camera is still flying. */
    draw(now) {
      const flying = camera.tick(now);
      regl.clear({ color: [...BACKGROUND, 1], depth: 1 });
      if (moving && drawSubset) {
        if (!subset) subset = regl.elements({ data: shuffledIndices(n), type: 'uint32', primitive: 'points' });
        drawSubset();
      } else {
        drawPoints();
      }
      return flying;
    },
    /** Colour by `mode`: its uint8 buffer of values (uploaded the first time) and its palette
     * (paletteData: 256 x RGBA). */
    setColor(mode, values, paletteBytes) {
      if (values && !colorBuffers[mode]) colorBuffers[mode] = regl.buffer({ data: values, usage: 'static' });
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
      if (!saved) saved = { mode: colorMode, grey: captionsGrey };
      colorMode = 'similarity';
      captionsGrey = false;
      palette(lookup(rampBytes));
      states(lookup(valueStates()));
    },
    clearSimilarity() {
      if (!saved) return;
      colorMode = saved.mode;
      captionsGrey = saved.grey;
      saved = null;
      palette(lookup(lastPalette));
      states(lookup(lastStates));
    },
    get shaded() { return Boolean(saved); },
    /** The legend's state of each value (valueStates: 256 x RGBA), the palette that goes with it
     * (a focused grey value recoloured) and whether captions are drawn grey. */
    setLegend(stateBytes, paletteBytes, grey) {
      lastStates = stateBytes;
      lastPalette = paletteBytes;
      if (saved) { saved.grey = Boolean(grey); return; } // shown again by clearSimilarity
      states(lookup(stateBytes));
      palette(lookup(paletteBytes));
      captionsGrey = Boolean(grey);
    },
    hasColor: (mode) => Boolean(colorBuffers[mode]),
    /** In motion, big sets draw a random subset (see MOTION_BUDGET); at rest, every point. */
    setMoving(value) {
      moving = Boolean(value);
    },
    get moving() { return moving; },
    /** Mark the given points as search matches (null clears the search). */
    setMatches(points) {
      flagData.fill(0);
      if (points) for (const p of points) flagData[p] = 1;
      flags.subdata(flagData);
      filterActive = Boolean(points);
    },
    /** Mark the reader's selection (sorted point indices; null clears it): the rest is dimmed. */
    setSelection(points) {
      selData.fill(0);
      if (points) for (const p of points) selData[p] = 1;
      selected.subdata(selData);
      selectionActive = Boolean(points && points.length);
    },
    /** Replace every point's position (Float32Array(3N): another projection, or a frame of the
     * transition to it); position(i) reads the new ones. */
    setPositions(array) {
      positions.subdata(array);
      data.positions = array;
    },
    /** Point id at CSS pixel (x, y) of the canvas, or -1. */
    pick: (x, y) => getPicker().pick(x, y, renderer.sceneVersion),
    /** Bring the id buffer and its CPU copy up to date (when idle, so hovers never wait). */
    refreshPick: () => getPicker().refresh(renderer.sceneVersion),
  };
}
