/**
 * regl command factories for points. Each takes the regl instance and a `src` object of
 * buffers and getters; uniforms are getters, so one command serves every frame.
 */
import pointsVert from './shaders/points.vert.glsl';
import pointsFrag from './shaders/points.frag.glsl';
import markerVert from './shaders/marker.vert.glsl';
import markerFrag from './shaders/marker.frag.glsl';

// GPUs that can read textures in vertex shaders look the palette and the legend state up once
// per point (nearly all can); the others per pixel.
const vertexPalette = (regl) => (regl.limits.maxVertexTextureUnits > 0 ? '#define VERTEX_PALETTE\n' : '');

function sharedUniforms(src, pixelRatio) {
  return {
    u_state: () => src.states(),
    u_viewProj: () => src.viewProj(),
    u_size: () => src.pointSize(),
    u_refDepth: () => src.refDepth(),
    u_filter: () => (src.filterActive() ? 1 : 0),
    u_pixelRatio: pixelRatio,
  };
}

/**
 * The visible pass. src: {positions, modality, flags, color(): buffer of values, palette():
 * texture, states(): texture (legend state per value), captionsGrey(): bool, captionGrey: rgb,
 * viewProj(), pointSize(), refDepth(), pixelRatio(), filterActive(), background, count,
 * selected (uint8 buffer, 1 = selected), selectionActive(),
 * elements? (an index buffer getter: draw `count` of its points instead of 0..count-1)}.
 */
export function createDrawPoints(regl, src) {
  const define = vertexPalette(regl);
  return regl({
    vert: define + pointsVert,
    frag: define + pointsFrag,
    attributes: {
      a_position: src.positions,
      a_modality: src.modality,
      a_flag: src.flags,
      a_color: () => src.color(),
      a_selected: src.selected,
    },
    uniforms: {
      ...sharedUniforms(src, () => src.pixelRatio()),
      u_selection: () => (src.selectionActive() ? 1 : 0),
      u_palette: () => src.palette(),
      u_background: src.background,
      u_captionGrey: src.captionGrey,
      u_captionsGrey: () => (src.captionsGrey() ? 1 : 0),
    },
    depth: { enable: true },
    primitive: 'points',
    ...(src.elements ? { elements: src.elements } : {}),
    count: src.count,
  });
}

/** Screen-sized rings for the overlay canvas. Props: {positions, colors, sizes, count}. */
export function createDrawMarkers(regl, src) {
  return regl({
    vert: markerVert,
    frag: markerFrag,
    attributes: {
      a_position: regl.prop('positions'),
      a_color: regl.prop('colors'),
      a_size: regl.prop('sizes'),
    },
    uniforms: {
      u_viewProj: () => src.viewProj(),
      u_pixelRatio: () => src.pixelRatio(),
    },
    depth: { enable: false },
    blend: { enable: true, func: { src: 'one', dst: 'one minus src alpha' } }, // premultiplied
    primitive: 'points',
    count: regl.prop('count'),
  });
}

/**
 * Compile the points' programs before there are points: one point drawn by each variant of the
 * visible pass (plain and with an index buffer), with the attribute formats of the real ones, so
 * that the first real frame finds the shaders compiled (regl shares programs by source, and
 * software GL caches its compiled draw routines by format). Nothing waits for the GPU here: the
 * work happens in the GPU process while the page waits for its data.
 */
export function warmUpPoints(regl, background) {
  const made = [];
  const keep = (x) => { made.push(x); return x; };
  const byte = () => keep(regl.buffer({ data: new Uint8Array(1), usage: 'static' }));
  const lookup = keep(regl.texture({ width: 256, height: 1, data: new Uint8Array(1024), min: 'nearest', mag: 'nearest' }));
  const src = { positions: keep(regl.buffer({ data: new Float32Array(3), usage: 'static' })), modality: byte(),
    flags: byte(), selected: byte(), selectionActive: () => false, count: 1, background, color: null,
    palette: () => lookup, states: () => lookup, captionsGrey: () => false, captionGrey: [0.5, 0.5, 0.5],
    viewProj: () => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], pointSize: () => 1, refDepth: () => 1,
    pixelRatio: () => 1, filterActive: () => false };
  src.color = () => src.modality;
  regl.clear({ color: [...background, 1], depth: 1 });
  createDrawPoints(regl, src)();
  if (regl.hasExtension('OES_element_index_uint')) {
    const elements = keep(regl.elements({ data: new Uint32Array(1), type: 'uint32', primitive: 'points' }));
    createDrawPoints(regl, { ...src, elements: () => elements, count: regl.prop('count') })({ count: 1 });
  }
  for (const x of made) x.destroy();
}
