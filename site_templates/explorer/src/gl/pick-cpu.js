/**
 * Picking on the CPU: which point is under CSS pixel (x, y), computed from the positions and
 * the camera with the point sizes the vertex shader uses (points.vert.glsl). Nothing is
 * rendered or read back, and nothing is done until a hover or click asks.
 *
 * Rule: among the points whose disc (plus `pad` px) covers the cursor, the front-most; else
 * the one whose disc edge is nearest, within `radius` px. Points whose legend value is hidden
 * are left out.
 *
 * Two routes to the same answer: pickPoint tests every point (the reference); pickWithGrid
 * tests only the points in the cells of a world-space grid (buildGrid, once per set of
 * positions) that the cursor's ray passes near, so a pick at a million points tests thousands.
 */

const MAX_HALF_PX = 20; // half the largest point (40 px): with pad / 2 and radius, the farthest a hit can be

/** Point diameter in CSS px at clip depth w (points.vert.glsl, without the pixel ratio). */
export function pointDiameter(base, refDepth, w, { match = 1, filter = false, dim = false, focused = false } = {}) {
  let size = base * Math.pow(refDepth / Math.max(w, 1e-3), 0.75);
  if (filter) size *= match ? 1.9 : 0.55;
  if (dim) size *= 0.7;
  if (focused) size *= 1.35;
  return Math.min(40, Math.max(1.5, size));
}

/**
 * src: {positions: Float32Array(3N), count, viewProj: Float32Array(16), width, height (CSS px),
 * base, refDepth, values?: Uint8Array(N) (colour value of each point), states?: Uint8Array(1024)
 * (RGBA per value, R = 0 shown, 1 dimmed, 2 hidden, 3 focused), flags?: Uint8Array(N),
 * filter?: bool, pad = 3, radius = 4}. Returns a tester: consider(i) for candidate points, then .best.
 */
function tester(src, x, y) {
  const { positions: P, viewProj: m, width, height, base, refDepth } = src;
  const values = src.values || null, states = src.states || null, flags = src.flags || null;
  const filter = Boolean(src.filter), pad = src.pad ?? 3, radius = src.radius ?? 4;
  const hx = width / 2, hy = height / 2;
  const m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6], m7 = m[7];
  const m8 = m[8], m9 = m[9], m10 = m[10], m11 = m[11], m12 = m[12], m13 = m[13], m14 = m[14], m15 = m[15];
  const reach = MAX_HALF_PX + pad / 2 + radius;
  const cx = x / hx - 1, cy = 1 - y / hy, rx = reach / hx, ry = reach / hy;
  const grow = (filter ? 1.9 : 1) * 1.35; // the most a point can be enlarged (search match, focused)
  const t = { best: -1, bestW: Infinity, bestD: Infinity, consider };
  function consider(i) {
    const px = P[3 * i], py = P[3 * i + 1], pz = P[3 * i + 2];
    const w = m3 * px + m7 * py + m11 * pz + m15;
    if (w <= 1e-6) return;
    // beyond the largest point's reach (compared without dividing by w)
    const ex = m0 * px + m4 * py + m8 * pz + m12 - cx * w;
    if (ex > rx * w || ex < -rx * w) return;
    const ey = m1 * px + m5 * py + m9 * pz + m13 - cy * w;
    if (ey > ry * w || ey < -ry * w) return;
    const z = (m2 * px + m6 * py + m10 * pz + m14) / w;
    if (z < -1 || z > 1) return; // clipped by the near or far plane
    const dx = (ex / w) * hx, dy = (ey / w) * hy, dist2 = dx * dx + dy * dy;
    let size = base * Math.pow(refDepth / (w > 1e-3 ? w : 1e-3), 0.75);
    const far = Math.min(40, size * grow) / 2 + pad / 2 + radius;
    if (dist2 > far * far) return; // too far even for the largest this point can be
    let state = 0;
    if (states) {
      state = states[4 * values[i]];
      if (state === 2) return;
    }
    // points.vert.glsl's size, inline (pointDiameter): this runs for every candidate
    if (filter) size *= flags && flags[i] ? 1.9 : 0.55;
    if (state === 1) size *= 0.7;
    else if (state === 3) size *= 1.35;
    const d = size < 1.5 ? 1.5 : size > 40 ? 40 : size;
    const edge = Math.max(0, Math.sqrt(dist2) - (d + pad) / 2);
    if (edge > radius) return;
    // covering discs all have edge 0: the front-most wins among them
    if (edge < t.bestD - 1e-9 || (edge <= t.bestD + 1e-9 && w < t.bestW)) {
      t.best = i; t.bestW = w; t.bestD = edge;
    }
  }
  return t;
}

/** The reference: every point tested. Returns the point id, or -1. */
export function pickPoint(src, x, y) {
  const t = tester(src, x, y);
  for (let i = 0; i < src.count; i++) t.consider(i);
  return t.best;
}

/** A world-space grid of the points: about `perCell` points per cell, counting-sorted. */
export function buildGrid(positions, count, perCell = 8) {
  let x0 = Infinity, y0 = Infinity, z0 = Infinity, x1 = -Infinity, y1 = -Infinity, z1 = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = positions[3 * i], y = positions[3 * i + 1], z = positions[3 * i + 2];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
  }
  if (!count) { x0 = y0 = z0 = 0; x1 = y1 = z1 = 1; }
  const g = Math.max(1, Math.min(160, Math.round(Math.cbrt(count / perCell))));
  const cell = Math.max(x1 - x0, y1 - y0, z1 - z0, 1e-6) / g;
  const inv = 1 / cell, top = g - 1;
  const cellOf = new Uint32Array(count);
  const start = new Uint32Array(g * g * g + 1);
  for (let i = 0; i < count; i++) {
    let a = Math.floor((positions[3 * i] - x0) * inv), b = Math.floor((positions[3 * i + 1] - y0) * inv);
    let c = Math.floor((positions[3 * i + 2] - z0) * inv);
    a = a < 0 ? 0 : a > top ? top : a;
    b = b < 0 ? 0 : b > top ? top : b;
    c = c < 0 ? 0 : c > top ? top : c;
    const k = (a * g + b) * g + c;
    cellOf[i] = k;
    start[k + 1]++;
  }
  for (let c = 0; c < g * g * g; c++) start[c + 1] += start[c];
  const fill = start.slice(0, g * g * g);
  const items = new Uint32Array(count);
  for (let i = 0; i < count; i++) items[fill[cellOf[i]]++] = i;
  return { g, cell, lo: [x0, y0, z0], start, items, stamp: new Uint32Array(g * g * g), pass: 0 };
}

/** Inverse of a column-major 4 x 4 matrix (null when singular). */
export function invert4(m) {
  const inv = new Float64Array(16);
  inv[0] = m[5] * m[10] * m[15] - m[5] * m[11] * m[14] - m[9] * m[6] * m[15] + m[9] * m[7] * m[14] + m[13] * m[6] * m[11] - m[13] * m[7] * m[10];
  inv[4] = -m[4] * m[10] * m[15] + m[4] * m[11] * m[14] + m[8] * m[6] * m[15] - m[8] * m[7] * m[14] - m[12] * m[6] * m[11] + m[12] * m[7] * m[10];
  inv[8] = m[4] * m[9] * m[15] - m[4] * m[11] * m[13] - m[8] * m[5] * m[15] + m[8] * m[7] * m[13] + m[12] * m[5] * m[11] - m[12] * m[7] * m[9];
  inv[12] = -m[4] * m[9] * m[14] + m[4] * m[10] * m[13] + m[8] * m[5] * m[14] - m[8] * m[6] * m[13] - m[12] * m[5] * m[10] + m[12] * m[6] * m[9];
  inv[1] = -m[1] * m[10] * m[15] + m[1] * m[11] * m[14] + m[9] * m[2] * m[15] - m[9] * m[3] * m[14] - m[13] * m[2] * m[11] + m[13] * m[3] * m[10];
  inv[5] = m[0] * m[10] * m[15] - m[0] * m[11] * m[14] - m[8] * m[2] * m[15] + m[8] * m[3] * m[14] + m[12] * m[2] * m[11] - m[12] * m[3] * m[10];
  inv[9] = -m[0] * m[9] * m[15] + m[0] * m[11] * m[13] + m[8] * m[1] * m[15] - m[8] * m[3] * m[13] - m[12] * m[1] * m[11] + m[12] * m[3] * m[9];
  inv[13] = m[0] * m[9] * m[14] - m[0] * m[10] * m[13] - m[8] * m[1] * m[14] + m[8] * m[2] * m[13] + m[12] * m[1] * m[10] - m[12] * m[2] * m[9];
  inv[2] = m[1] * m[6] * m[15] - m[1] * m[7] * m[14] - m[5] * m[2] * m[15] + m[5] * m[3] * m[14] + m[13] * m[2] * m[7] - m[13] * m[3] * m[6];
  inv[6] = -m[0] * m[6] * m[15] + m[0] * m[7] * m[14] + m[4] * m[2] * m[15] - m[4] * m[3] * m[14] - m[12] * m[2] * m[7] + m[12] * m[3] * m[6];
  inv[10] = m[0] * m[5] * m[15] - m[0] * m[7] * m[13] - m[4] * m[1] * m[15] + m[4] * m[3] * m[13] + m[12] * m[1] * m[7] - m[12] * m[3] * m[5];
  inv[14] = -m[0] * m[5] * m[14] + m[0] * m[6] * m[13] + m[4] * m[1] * m[14] - m[4] * m[2] * m[13] - m[12] * m[1] * m[6] + m[12] * m[2] * m[5];
  inv[3] = -m[1] * m[6] * m[11] + m[1] * m[7] * m[10] + m[5] * m[2] * m[11] - m[5] * m[3] * m[10] - m[9] * m[2] * m[7] + m[9] * m[3] * m[6];
  inv[7] = m[0] * m[6] * m[11] - m[0] * m[7] * m[10] - m[4] * m[2] * m[11] + m[4] * m[3] * m[10] + m[8] * m[2] * m[7] - m[8] * m[3] * m[6];
  inv[11] = -m[0] * m[5] * m[11] + m[0] * m[7] * m[9] + m[4] * m[1] * m[11] - m[4] * m[3] * m[9] - m[8] * m[1] * m[7] + m[8] * m[3] * m[5];
  inv[15] = m[0] * m[5] * m[10] - m[0] * m[6] * m[9] - m[4] * m[1] * m[10] + m[4] * m[2] * m[9] + m[8] * m[1] * m[6] - m[8] * m[2] * m[5];
  const det = m[0] * inv[0] + m[1] * inv[4] + m[2] * inv[8] + m[3] * inv[12];
  if (!det) return null;
  for (let i = 0; i < 16; i++) inv[i] /= det;
  return inv;
}

function unproject(inv, nx, ny, nz) {
  const x = inv[0] * nx + inv[4] * ny + inv[8] * nz + inv[12];
  const y = inv[1] * nx + inv[5] * ny + inv[9] * nz + inv[13];
  const z = inv[2] * nx + inv[6] * ny + inv[10] * nz + inv[14];
  const w = inv[3] * nx + inv[7] * ny + inv[11] * nz + inv[15];
  return [x / w, y / w, z / w];
}

/**
 * The same answer as pickPoint, testing only the points of the grid cells within reach of the
 * cursor's ray. src also needs focalPx (CSS px per world unit at depth 1). Falls back to
 * pickPoint when the matrix cannot be inverted.
 */
export function pickWithGrid(grid, src, x, y) {
  const inv = invert4(src.viewProj);
  if (!inv) return pickPoint(src, x, y);
  const t = tester(src, x, y);
  const nx = (2 * x) / src.width - 1, ny = 1 - (2 * y) / src.height;
  const a = unproject(inv, nx, ny, -1), b = unproject(inv, nx, ny, 1);
  const m = src.viewProj;
  const wOf = (p) => m[3] * p[0] + m[7] * p[1] + m[11] * p[2] + m[15];
  const { g, cell, lo, start, items, stamp } = grid;
  const pass = (grid.pass = (grid.pass + 1) >>> 0) || (stamp.fill(0), (grid.pass = 1));
  // clip the ray to the grid's box (slabs), then march it in half-cell steps
  const dir = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  let t0 = 0, t1 = 1;
  const pad = src.pad ?? 3, radius = src.radius ?? 4, grow = (src.filter ? 1.9 : 1) * 1.35;
  const reachMax = (MAX_HALF_PX + pad / 2 + radius) / src.focalPx; // world reach per unit of depth, any size
  /** World distance from the ray within which a point at depth w can be hit. */
  const reachAt = (w) => {
    const d = Math.min(40, src.base * grow * Math.pow(src.refDepth / Math.max(w, 1e-3), 0.75));
    return ((d / 2 + pad / 2 + radius) * Math.max(w, 0)) / src.focalPx;
  };
  for (let k = 0; k < 3; k++) {
    const margin = reachMax * Math.max(wOf(a), wOf(b)) + cell;
    const boxLo = lo[k] - margin, boxHi = lo[k] + g * cell + margin;
    if (Math.abs(dir[k]) < 1e-12) {
      if (a[k] < boxLo || a[k] > boxHi) return -1;
      continue;
    }
    let u = (boxLo - a[k]) / dir[k], v = (boxHi - a[k]) / dir[k];
    if (u > v) [u, v] = [v, u];
    t0 = Math.max(t0, u); t1 = Math.min(t1, v);
  }
  if (t0 > t1) return -1;
  const len = Math.hypot(dir[0], dir[1], dir[2]) * (t1 - t0);
  const steps = Math.max(1, Math.ceil(len / (cell / 2)));
  const clampCell = (v) => Math.min(g - 1, Math.max(0, Math.floor(v)));
  for (let s = 0; s <= steps; s++) {
    const u = t0 + ((t1 - t0) * s) / steps;
    const q = [a[0] + dir[0] * u, a[1] + dir[1] * u, a[2] + dir[2] * u];
    const r = reachAt(wOf(q)) + cell / 2; // world radius within reach at this depth
    const c0 = q.map((v, k) => clampCell((v - r - lo[k]) / cell)), c1 = q.map((v, k) => clampCell((v + r - lo[k]) / cell));
    for (let i = c0[0]; i <= c1[0]; i++) for (let j = c0[1]; j <= c1[1]; j++) for (let k = c0[2]; k <= c1[2]; k++) {
      const c = (i * g + j) * g + k;
      if (stamp[c] === pass) continue;
      stamp[c] = pass;
      for (let e = start[c]; e < start[c + 1]; e++) t.consider(items[e]);
    }
  }
  return t.best;
}
