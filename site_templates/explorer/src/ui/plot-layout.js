/**
 * The local view's 2D plot, as numbers (no DOM, unit-tested under node): the square frame that
 * holds the neighbourhood, and which neighbours fall on the same spot and are drawn as one
 * marker with a count.
 *
 * `xy`: local_xy of one point, [x0, y0, x1, y1, ...] for its K neighbours (the point itself is
 * at the origin).
 */

export const PLOT_MARGIN = 44; // % of the plot's half-width a coordinate of `half` lands from the centre

/**
 * The bounding box of the neighbours and the origin, squared (one scale for both axes, so
 * distances stay true) -> {cx, cy, half, at(x, y) -> {left, top} in % of the plot}.
 */
export function plotFrame(xy, k) {
  let x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  for (let j = 0; j < k; j++) {
    const x = xy[2 * j], y = xy[2 * j + 1];
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const half = Math.max(x1 - x0, y1 - y0, 1e-6) / 2;
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const at = (x, y) => ({ left: 50 + PLOT_MARGIN * ((x - cx) / half), top: 50 - PLOT_MARGIN * ((y - cy) / half) });
  return { cx, cy, half, at };
}

/**
 * Neighbours at the same place once rounded to `tol` -> groups, each {x, y, members} with
 * `members` the neighbour ranks (0-based, nearest first); groups in the order of their nearest
 * member. With `tol` a small fraction of the plot, a group is what would be drawn as one dot.
 */
export function groupCoincident(xy, k, tol) {
  const groups = [];
  const byKey = new Map();
  const step = tol > 0 ? tol : 1e-9;
  for (let j = 0; j < k; j++) {
    const x = xy[2 * j], y = xy[2 * j + 1];
    const key = `${Math.round(x / step)},${Math.round(y / step)}`;
    let g = byKey.get(key);
    if (!g) {
      g = { x, y, members: [] };
      byKey.set(key, g);
      groups.push(g);
    }
    g.members.push(j);
  }
  return groups;
}
