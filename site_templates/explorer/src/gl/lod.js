/**
 * Level of detail: pure helpers (unit-tested under node).
 *
 * Dots in motion: big sets draw a fixed uniform random subset (a prefix of one seeded random
 * permutation, so it preserves density) while the camera moves, sized as a map of that many
 * points would be, and every point again as soon as the camera rests.
 *
 * Pictures: image points near the camera and on screen are drawn as their thumbnails, at most
 * MAX_PICTURES of them, nearest first; they fade in (and grow from the dot) between
 * PICTURE_MIN_PX and PICTURE_FULL_PX of on-screen size.
 */

// While the camera moves, at most this many points are drawn (the frame time of a 100K map).
export const MOTION_BUDGET = 100_000;
export const MAX_PICTURES = 2000;
export const PICTURE_MIN_PX = 22; // a picture smaller than this on screen stays a dot
export const PICTURE_FULL_PX = 40; // from this size on, fully a picture
export const PICTURE_MAX_PX = 256;

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

/**
 * The drawing order for motion: a seeded permutation whose first `budget` entries (the points
 * drawn while moving: still the same uniform sample) are sorted, so the GPU reads the vertex
 * buffers in order instead of at random (several times faster on software GL).
 */
export function motionOrder(n, budget = MOTION_BUDGET, seed = 1) {
  const order = shuffledIndices(n, seed);
  order.subarray(0, Math.min(n, budget)).sort();
  return order;
}

/** The points drawn while moving, sorted: motionOrder's first `budget` entries (a copy). */
export function motionPrefix(n, budget = MOTION_BUDGET, seed = 1) {
  return motionOrder(n, budget, seed).slice(0, Math.min(n, budget));
}

/** How many points to draw: all at rest (or when n fits the budget), else the budget. */
export function drawnCount(n, moving, budget = MOTION_BUDGET) {
  return moving && n > budget ? budget : n;
}

const smoothstep = (a, b, x) => {
  const t = Math.min(1, Math.max(0, (x - a) / (b - a)));
  return t * t * (3 - 2 * t);
};

/**
 * The typical distance from an image to its nearest image (the world size of a picture):
 * median nearest-neighbour distance in a sample of at most `sample` images, scaled to all
 * `count` images by (sample / count)^(1/3) (distances in a uniform 3D sample shrink so).
 */
export function typicalSpacing(positions, count, sample = 3000, probes = 250) {
  if (count < 2) return 0.05;
  const S = Math.min(count, sample);
  // a seeded random sample (a regular stride would keep the data's own order: rows of a grid)
  let seed = 12345;
  const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
  const idx = S === count ? Array.from({ length: S }, (_, k) => k) : Array.from({ length: S }, () => Math.floor(rand() * count));
  const dists = [];
  const every = Math.max(1, Math.floor(S / probes));
  for (let a = 0; a < S; a += every) {
    const i = idx[a];
    let best = Infinity;
    for (let b = 0; b < S; b++) {
      if (b === a) continue;
      const j = idx[b];
      const dx = positions[3 * i] - positions[3 * j], dy = positions[3 * i + 1] - positions[3 * j + 1];
      const dz = positions[3 * i + 2] - positions[3 * j + 2];
      const d = dx * dx + dy * dy + dz * dz;
      if (d > 0 && d < best) best = d;
    }
    if (best < Infinity) dists.push(Math.sqrt(best));
  }
  if (!dists.length) return 0.05;
  dists.sort((x, y) => x - y);
  return dists[dists.length >> 1] * Math.cbrt(S / count);
}

/** The bounding box [x0, y0, z0, x1, y1, z1] of points 0..count-1. */
export function boundingBox(positions, count) {
  const b = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
  for (let i = 0; i < count; i++) {
    for (let a = 0; a < 3; a++) {
      const v = positions[3 * i + a];
      if (v < b[a]) b[a] = v;
      if (v > b[a + 3]) b[a + 3] = v;
    }
  }
  return b;
}

/**
 * Which image points are drawn as pictures now. src: {positions, count (images are points
 * 0..count-1), viewProj, focalPx (CSS px per world unit at depth 1: height / 2 / tan(fovy/2)),
 * worldSize, skip?(i) -> bool (hidden points), max?, maxPx?, box?: [x0, y0, z0, x1, y1, z1] of the
 * images (when all of it is too far, no point is looked at)}.
 * Returns {ids: Int32Array, px: Float32Array (on-screen size), alpha: Float32Array}, nearest
 * first, only points in front of the camera, on screen, and at least PICTURE_MIN_PX big.
 */
export function choosePictures(src) {
  const { positions: P, count, viewProj: m, focalPx, worldSize } = src;
  const max = src.max ?? MAX_PICTURES, maxPx = src.maxPx ?? PICTURE_MAX_PX, skip = src.skip || null;
  // a point is a picture when worldSize * focalPx / w >= PICTURE_MIN_PX, i.e. w <= wMax
  const wMax = (worldSize * focalPx) / PICTURE_MIN_PX;
  const found = [];
  // w is linear in the position: if every corner of the images' box is too far, all are
  const box = src.box || null;
  let nearest = box ? Infinity : -Infinity;
  if (box) {
    for (let c = 0; c < 8; c++) {
      const x = box[c & 1 ? 3 : 0], y = box[c & 2 ? 4 : 1], z = box[c & 4 ? 5 : 2];
      nearest = Math.min(nearest, m[3] * x + m[7] * y + m[11] * z + m[15]);
    }
  }
  const loop = nearest <= wMax ? count : 0;
  for (let i = 0; i < loop; i++) {
    const x = P[3 * i], y = P[3 * i + 1], z = P[3 * i + 2];
    const w = m[3] * x + m[7] * y + m[11] * z + m[15];
    if (w > wMax || w <= 1e-3) continue;
    const nx = (m[0] * x + m[4] * y + m[8] * z + m[12]) / w;
    const ny = (m[1] * x + m[5] * y + m[9] * z + m[13]) / w;
    if (nx < -1 || nx > 1 || ny < -1 || ny > 1) continue;
    const nz = (m[2] * x + m[6] * y + m[10] * z + m[14]) / w;
    if (nz < -1 || nz > 1) continue;
    if (skip && skip(i)) continue;
    found.push(w, i);
  }
  const n = found.length / 2;
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => found[2 * a] - found[2 * b]);
  const k = Math.min(n, max);
  const out = { ids: new Int32Array(k), px: new Float32Array(k), alpha: new Float32Array(k) };
  for (let r = 0; r < k; r++) {
    const w = found[2 * order[r]];
    const px = (worldSize * focalPx) / w;
    out.ids[r] = found[2 * order[r] + 1];
    out.px[r] = Math.min(maxPx, px);
    out.alpha[r] = smoothstep(PICTURE_MIN_PX, PICTURE_FULL_PX, px);
  }
  return out;
}
