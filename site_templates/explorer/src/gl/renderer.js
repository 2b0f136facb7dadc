/**
 * Owns the regl context, the canvas size and the frame loop. Frames are drawn only when
 * something asked for one (`request`), never continuously: an idle explorer uses no GPU.
 *
 * `sceneVersion` changes whenever what the id (picking) buffer would show changes — camera,
 * size, point sizes — so picking re-renders its buffer only then.
 */
import createREGL from 'regl';

export function createRenderer(canvas, { draw, timings }) {
  const regl = createREGL({
    canvas,
    attributes: { antialias: true, alpha: false, depth: true, premultipliedAlpha: false, powerPreference: 'high-performance' },
    optionalExtensions: ['OES_element_index_uint'],
  });
  const gl = regl._gl;
  const size = { width: 1, height: 1, pixelRatio: 1 };
  let scheduled = false;
  let sceneVersion = 0;
  let firstFrame = null;

  const renderer = {
    regl,
    gl,
    size,
    syncFrames: false, // benchmarks set this so frame times include GPU work (gl.finish)
    get sceneVersion() { return sceneVersion; },
    /** Ask for one frame (overlays changed: hover ring, lines). */
    request() {
      if (!scheduled) {
        scheduled = true;
        requestAnimationFrame(frame);
      }
    },
    /** The scene changed (camera, size, point sizes): picking must re-render too. */
    invalidate() {
      sceneVersion++;
      renderer.request();
    },
    /** Resolves after the first frame is drawn and finished, with its time since navigation. */
    firstFrame: new Promise((resolve) => { firstFrame = resolve; }),
  };

  function resize() {
    const pixelRatio = Math.min(window.devicePixelRatio || 1, 2);
    const width = Math.max(1, canvas.clientWidth);
    const height = Math.max(1, canvas.clientHeight);
    Object.assign(size, { width, height, pixelRatio });
    canvas.width = Math.round(width * pixelRatio);
    canvas.height = Math.round(height * pixelRatio);
    renderer.invalidate();
  }

  function frame(now) {
    scheduled = false;
    const t0 = performance.now();
    regl.poll();
    const more = draw(now);
    if (renderer.syncFrames || firstFrame) gl.finish();
    const t1 = performance.now();
    timings.frame.push(t1 - t0);
    if (timings.frame.length > 2000) timings.frame.splice(0, 1000);
    if (firstFrame) {
      firstFrame(t1);
      firstFrame = null;
    }
    if (more) renderer.invalidate();
  }

  resize();
  new ResizeObserver(resize).observe(canvas);
  return renderer;
}
