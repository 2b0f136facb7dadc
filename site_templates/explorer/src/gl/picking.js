/**
 * GPU picking: point ids are drawn into an offscreen framebuffer at CSS-pixel resolution,
 * re-rendered only when the scene version changed (camera moved, resized, sizes changed).
 *
 * The id buffer is read back once into a CPU copy — when the camera comes to rest (`refresh`,
 * called when idle) or at the first hover after a change — and every hover after that is a
 * lookup in that copy: no GPU round trip, no loop over points. The id nearest the cursor within
 * `radius` px wins.
 */

export function createPicker(regl, { drawPick, size, radius = 4 }) {
  const framebuffer = regl.framebuffer({ width: 1, height: 1, colorType: 'uint8', depth: true });
  let renderedVersion = -1;
  let cpu = null; // full read-back of the id buffer
  let cpuVersion = -1;

  function ensure(version) {
    const w = Math.max(1, Math.round(size.width));
    const h = Math.max(1, Math.round(size.height));
    if (framebuffer.width !== w || framebuffer.height !== h) {
      framebuffer.resize(w, h);
      renderedVersion = -1;
      cpuVersion = -1;
    }
    if (renderedVersion !== version) {
      regl.clear({ color: [0, 0, 0, 0], depth: 1, framebuffer });
      drawPick();
      renderedVersion = version;
    }
  }

  /** Nearest non-empty id to (cx, cy) in the rw x rh block at (x0, y0) of an RGBA image `stride` px wide. */
  function nearest(data, stride, x0, y0, rw, rh, cx, cy) {
    let best = -1, bestD = Infinity;
    for (let j = 0; j < rh; j++) {
      for (let i = 0; i < rw; i++) {
        const o = ((y0 + j) * stride + x0 + i) * 4;
        const id = data[o] + data[o + 1] * 256 + data[o + 2] * 65536;
        if (id === 0) continue;
        const d = (x0 + i - cx) ** 2 + (y0 + j - cy) ** 2;
        if (d < bestD) { bestD = d; best = id - 1; }
      }
    }
    return best;
  }

  /** Bring the id buffer and its CPU copy up to date; a no-op when nothing changed. */
  function refresh(version) {
    ensure(version);
    if (cpuVersion === version) return;
    const n = framebuffer.width * framebuffer.height * 4;
    if (!cpu || cpu.length !== n) cpu = new Uint8Array(n);
    regl.read({ framebuffer, data: cpu });
    cpuVersion = version;
  }

  return {
    framebuffer,
    refresh,
    /** Id of the point at CSS pixel (x, y) of the canvas, or -1. */
    pick(x, y, version) {
      const w = Math.max(1, Math.round(size.width)), h = Math.max(1, Math.round(size.height));
      const cx = Math.round(x), cy = h - 1 - Math.round(y); // GL rows start at the bottom
      const x0 = Math.max(0, cx - radius), y0 = Math.max(0, cy - radius);
      const x1 = Math.min(w - 1, cx + radius), y1 = Math.min(h - 1, cy + radius);
      if (x1 < x0 || y1 < y0) return -1;
      const rw = x1 - x0 + 1, rh = y1 - y0 + 1;
      refresh(version);
      return nearest(cpu, framebuffer.width, x0, y0, rw, rh, cx, cy);
    },
  };
}
