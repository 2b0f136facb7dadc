/**
 * At rest, a big set's every point is drawn offscreen, `per` points a frame, and shown in one go
 * once all are drawn; until then the screen keeps its last frame (the motion subset, a uniform
 * sample). On software GL a million points take about a second to draw: drawn in one piece, that
 * frame holds up every frame after it (a clicked point's panel, a hover ring) for as long; in
 * slices, by at most one slice. The picture shown is the one a single draw gives: the same points
 * in the same order into the same depth buffer, copied texel for texel.
 *
 * The slice adapts to the frame rate: it doubles while frames keep coming at display rate (a
 * real GPU draws a million points in a few frames) and halves when a frame takes longer than
 * SLOW_MS (software GL), between MIN_SLICE and the whole set.
 */
const FAST_MS = 22; // a frame interval this short: the GPU keeps up, draw more per frame
const SLOW_MS = 40; // this long: draw less per frame
const MIN_SLICE = 8192;

const BLIT_VERT = `precision highp float;
attribute vec2 a_xy;
varying vec2 v_uv;
void main() { v_uv = a_xy * 0.5 + 0.5; gl_Position = vec4(a_xy, 0.0, 1.0); }`;
const BLIT_FRAG = `precision highp float;
uniform sampler2D u_frame;
varying vec2 v_uv;
void main() { gl_FragColor = texture2D(u_frame, v_uv); }`;

export function createRestPass(regl) {
  const fbo = regl.framebuffer({ width: 1, height: 1, depth: true });
  const inFbo = regl({ framebuffer: fbo });
  const blit = regl({
    vert: BLIT_VERT,
    frag: BLIT_FRAG,
    attributes: { a_xy: [[-1, -1], [3, -1], [-1, 3]] }, // one triangle over the whole screen
    uniforms: { u_frame: fbo },
    depth: { enable: false },
    count: 3,
  });
  let key = null, next = 0, slice = 0, last = 0;
  return {
    /**
     * One frame of the pass. `k`: anything that changes when the picture does (a new k starts
     * over); now: the frame's time; width, height: the drawing buffer's; per: the first
     * slice's size; drawSlice(offset, count) draws points [offset, offset + count); drawLast()
     * draws what goes over every point (pictures). Returns true when this frame showed the
     * whole picture, false when it only drew offscreen.
     */
    frame(k, { now, width, height, total, per, background, drawSlice, drawLast }) {
      if (k !== key || next >= total) { // a new picture, or the same asked for again
        key = k;
        next = 0;
        slice = slice || per;
        if (fbo.width !== width || fbo.height !== height) fbo.resize(width, height);
      } else if (now - last < FAST_MS) slice = Math.min(total, slice * 2);
      else if (now - last > SLOW_MS) slice = Math.max(MIN_SLICE, Math.floor(slice / 2));
      last = now;
      inFbo(() => {
        if (next === 0) regl.clear({ color: [...background, 1], depth: 1 });
        const count = Math.min(slice, total - next);
        drawSlice(next, count);
        next += count;
        if (next >= total) drawLast();
      });
      if (next < total) return false;
      blit();
      return true;
    },
    /** Points drawn so far in the pass under way, and the slice now (tests). */
    get drawn() { return next; },
    get slice() { return slice; },
  };
}
