/** regl command factory for line segments (image <-> its captions). Props: {positions, count}. */
import vert from './shaders/lines.vert.glsl';
import frag from './shaders/lines.frag.glsl';

export function createDrawLines(regl, src) {
  return regl({
    vert,
    frag,
    attributes: { a_position: regl.prop('positions') },
    uniforms: {
      u_viewProj: () => src.viewProj(),
      u_color: regl.prop('color'),
    },
    depth: { enable: false },
    blend: { enable: true, func: { src: 'one', dst: 'one minus src alpha' } }, // premultiplied
    primitive: 'lines',
    count: regl.prop('count'),
  });
}
