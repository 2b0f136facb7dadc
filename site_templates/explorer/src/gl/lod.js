/** Level of detail in motion: pure helpers (unit-tested). */

// While the camera moves, at most this many points (a fixed random subset) are drawn; the full
// set is drawn again as soon as it rests. Keeps orbiting smooth at millions of points.
export const MOTION_BUDGET = 300_000;

/** A deterministic random permutation of 0..n-1 (mulberry32 + Fisher-Yates). */
export function shuffledIndices(n, seed = 1) {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const j = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (i + 1));
    const tmp = out[i]; out[i] = out[j]; out[j] = tmp;
  }
  return out;
}
