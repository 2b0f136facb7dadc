/**
 * The similarity colour ramp: low scores dark and close to the background, high scores bright
 * yellow (stops after matplotlib's viridis, written out here). 256 x RGBA for the palette
 * texture, and the same ramp as a CSS gradient for its key in the Ask panel.
 */
const STOPS = [[0, [38, 42, 70]], [0.35, [49, 104, 142]], [0.6, [33, 145, 140]], [0.8, [94, 201, 98]], [1, [253, 231, 37]]];

export function rampColor(t) {
  const x = Math.max(0, Math.min(1, t));
  let i = 1;
  while (i < STOPS.length - 1 && STOPS[i][0] < x) i++;
  const [t0, c0] = STOPS[i - 1], [t1, c1] = STOPS[i];
  const f = (x - t0) / (t1 - t0 || 1);
  return c0.map((v, k) => Math.round(v + f * (c1[k] - v)));
}

/** 256 x 1 RGBA (palette texture data): value v -> rampColor(v / 255). */
export function rampPalette() {
  const out = new Uint8Array(256 * 4);
  for (let v = 0; v < 256; v++) out.set([...rampColor(v / 255), 255], 4 * v);
  return out;
}

export const RAMP_CSS = `linear-gradient(to right, ${STOPS.map(([t, c]) => `rgb(${c.join(',')}) ${t * 100}%`).join(', ')})`;
