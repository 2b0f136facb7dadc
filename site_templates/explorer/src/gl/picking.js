/**
 * GPU picking: point ids are drawn into an offscreen framebuffer at CSS-pixel resolution,
 * re-rendered only when the scene version changed (camera moved, resized). A hover then reads a
 * small window of pixels around the cursor and takes the id nearest its centre — no loop over
 * points in JavaScript.
 */

export function createPicker(regl, { drawPick, size, radius = 4 }) {
  const framebuffer = regl.framebuffer({ width: 1, height: 1, colorType: 'uint8', depth: true });
  const side = 2 * radius + 1;
  const pixels = new Uint8Array(side * side * 4);
  let renderedVersion = -1;

  function ensure(version) {
    const w = Math.max(1, Math.round(size.width));
    const h = Math.max(1, Math.round(size.height));
    if (framebuffer.width !== w || framebuffer.height !== h) {
      framebuffer.resize(w, h);
      renderedVersion = -1;
    }
    if (renderedVersion !== version) {
      regl.clear({ color: [0, 0, 0, 0], depth: 1, framebuffer });
      drawPick();
      renderedVersion = version;
    }
  }

  return {
    framebuffer,
    /** Id of the point at CSS pixel (x, y) of the canvas, or -1. */
    pick(x, y, version) {
      ensure(version);
      const w = framebuffer.width, h = framebuffer.height;
      const cx = Math.round(x), cy = h - 1 - Math.round(y); // GL rows start at the bottom
      const x0 = Math.max(0, cx - radius), y0 = Math.max(0, cy - radius);
      const x1 = Math.min(w - 1, cx + radius), y1 = Math.min(h - 1, cy + radius);
      if (x1 < x0 || y1 < y0) return -1;
      const rw = x1 - x0 + 1, rh = y1 - y0 + 1;
      const data = regl.read({ framebuffer, x: x0, y: y0, width: rw, height: rh, data: pixels.subarray(0, rw * rh * 4) });
      let best = -1, bestD = Infinity;
      for (let j = 0; j < rh; j++) {
        for (let i = 0; i < rw; i++) {
          const o = (j * rw + i) * 4;
          const id = data[o] + data[o + 1] * 256 + data[o + 2] * 65536;
          if (id === 0) continue;
          const d = (x0 + i - cx) ** 2 + (y0 + j - cy) ** 2;
          if (d < bestD) { bestD = d; best = id - 1; }
        }
      }
      return best;
    },
  };
}
