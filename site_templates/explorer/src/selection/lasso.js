/**
 * Selection in screen space, pure: which points fall inside a lasso (a polygon of CSS-pixel
 * vertices) or a box, and how a new selection combines with the one there is (replace, add,
 * subtract). Selections are sorted Uint32Arrays of point indices.
 */

/** Is (x, y) inside the polygon `poly` ([[x, y], ...], closed implicitly)? Even-odd rule; a
 * point on an edge may fall either way. */
export function pointInPolygon(x, y, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The box with corners a and b ([x, y]) as a polygon. */
export function boxPolygon(a, b) {
  const [x0, x1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0])];
  const [y0, y1] = [Math.min(a[1], b[1]), Math.max(a[1], b[1])];
  return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
}

/** A polygon encloses an area only with 3 vertices and some width and height. */
export function isArea(poly) {
  if (!poly || poly.length < 3) return false;
  const xs = poly.map((p) => p[0]), ys = poly.map((p) => p[1]);
  return Math.max(...xs) - Math.min(...xs) >= 2 && Math.max(...ys) - Math.min(...ys) >= 2;
}

/**
 * Points inside `poly`. `xy`: Float32Array(2N) of screen positions (NaN for a point not on
 * screen, e.g. behind the camera). Returns a sorted Uint32Array.
 */
export function pointsInside(xy, poly) {
  if (!isArea(poly)) return new Uint32Array(0);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const [x, y] of poly) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const out = [];
  for (let i = 0, n = xy.length / 2; i < n; i++) {
    const x = xy[2 * i], y = xy[2 * i + 1];
    if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) continue; // NaN fails too
    if (pointInPolygon(x, y, poly)) out.push(i);
  }
  return Uint32Array.from(out);
}

/** Combine the current selection (sorted, or null) with `picked` (sorted): 'replace', 'add' or
 * 'subtract'. Returns a sorted Uint32Array, or null when nothing is left. */
export function combine(current, picked, op) {
  let out;
  if (op === 'add' && current) {
    out = new Uint32Array(current.length + picked.length);
    let i = 0, j = 0, k = 0;
    while (i < current.length || j < picked.length) {
      const a = i < current.length ? current[i] : Infinity, b = j < picked.length ? picked[j] : Infinity;
      const v = Math.min(a, b);
      out[k++] = v;
      if (a === v) i++;
      if (b === v) j++;
    }
    out = out.slice(0, k);
  } else if (op === 'subtract') {
    if (!current) return null;
    const drop = new Set(picked);
    out = current.filter((p) => !drop.has(p));
  } else {
    out = picked;
  }
  return out.length ? out : null;
}

/** Screen positions of all points: `project(i)` -> {x, y, visible}; invisible points get NaN. */
export function screenPositions(n, project) {
  const xy = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const p = project(i);
    xy[2 * i] = p.visible ? p.x : NaN;
    xy[2 * i + 1] = p.visible ? p.y : NaN;
  }
  return xy;
}
