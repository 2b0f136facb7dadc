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
