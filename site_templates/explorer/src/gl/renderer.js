/**
 * Owns one regl context, its canvas size and its frame loop. Frames are drawn only when
 * something asked for one (`request`), never continuously: an idle explorer uses no GPU.
 *
 * Two renderers run: the points (opaque, big) and the overlay (transparent, a few rings and
 * lines), so hovering and selecting redraw only the overlay, never a million points.
 *
 * `sceneVersion` changes whenever the picture changes — camera, size, point sizes (picking
 * needs no render: gl/pick-cpu.js).
 */
import createREGL from 'regl';

export function createRenderer(canvas, { draw, timings = null, transparent = false }) {
  const regl = createREGL({
    canvas,
    // no MSAA: points are discs cut out with discard, which multisampling does not smooth anyway
    attributes: { antialias: false, alpha: transparent, depth: !transparent, premultipliedAlpha: true,
      powerPreference: 'high-performance' },
    optionalExtensions: ['OES_element_index_uint'],
  });
  const gl = regl._gl;
  const size = { width: 1, height: 1, pixelRatio: 1 };
  const pixel = new Uint8Array(4);
  let scheduled = false;
  let paused = true; // no frames until start(): the first frame must show the points
  let sceneVersion = 0;
  let firstFrame = null;

  const renderer = {
    regl,
    gl,
    size,
    syncFrames: false, // benchmarks set this so frame times include the GPU's work
    onFrame: null, // called after each frame (the overlay follows the points' camera)
    get sceneVersion() { return sceneVersion; },
    /** Allow frames (once there is something to draw) and draw the first. */
    start() {
      paused = false;
      renderer.request();
    },
    /** Ask for one frame. */
    request() {
      if (!scheduled && !paused) {
        scheduled = true;
        requestAnimationFrame(frame);
      }
    },
    /** The scene changed (camera, size, point sizes): draw a frame. */
    invalidate() {
      sceneVersion++;
      renderer.request();
    },
    /** Draw now, inside the caller's frame. */
    renderNow() {
      frame(performance.now());
    },
    /** Resolves after the first frame is drawn and rasterised, with its time since navigation. */
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
    // Reading one pixel waits until the frame is really rasterised (gl.finish alone does not
    // on every implementation, e.g. SwiftShader): used for the first frame and by benchmarks.
    if (renderer.syncFrames || firstFrame) gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
    const t1 = performance.now();
    if (timings) {
      timings.frame.push(t1 - t0);
      if (timings.frame.length > 2000) timings.frame.splice(0, 1000);
    }
    if (firstFrame) {
      firstFrame(t1);
      firstFrame = null;
    }
    if (renderer.onFrame) renderer.onFrame(now);
    if (more) renderer.invalidate();
  }

  resize();
  new ResizeObserver(resize).observe(canvas);
  return renderer;
}
