/**
 * Orbit camera: pure math, no DOM and no WebGL, so it is unit-tested under node.
 *
 * State: a target point, a distance from it, an azimuth `theta` (around +y) and an elevation
 * `phi`. Matrices are column-major Float32Array(16), as WebGL expects.
 */

export const MIN_DISTANCE = 0.02;
export const MAX_DISTANCE = 20;
const MAX_PHI = Math.PI / 2 - 0.01;

export function perspective(fovy, aspect, near, far) {
  const f = 1 / Math.tan(fovy / 2);
  const nf = 1 / (near - far);
  const m = new Float32Array(16);
  m[0] = f / aspect;
  m[5] = f;
  m[10] = (far + near) * nf;
  m[11] = -1;
  m[14] = 2 * far * near * nf;
  return m;
}

function sub(a, b) { return [a[0] - b[0], a[1] - b[1], a[2] - b[2]]; }
function cross(a, b) { return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]; }
function normalize(a) {
  const l = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / l, a[1] / l, a[2] / l];
}
function dot(a, b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

export function lookAt(eye, center, up) {
  const z = normalize(sub(eye, center));
  const x = normalize(cross(up, z));
  const y = cross(z, x);
  return new Float32Array([
    x[0], y[0], z[0], 0,
    x[1], y[1], z[1], 0,
    x[2], y[2], z[2], 0,
    -dot(x, eye), -dot(y, eye), -dot(z, eye), 1,
  ]);
}

export function multiply(a, b) {
  const out = new Float32Array(16);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
      out[c * 4 + r] = s;
    }
  }
  return out;
}

/** Project a world point with a view-projection matrix to CSS pixels (origin top-left). */
export function project(viewProj, p, width, height) {
  const m = viewProj;
  const x = m[0] * p[0] + m[4] * p[1] + m[8] * p[2] + m[12];
  const y = m[1] * p[0] + m[5] * p[1] + m[9] * p[2] + m[13];
  const w = m[3] * p[0] + m[7] * p[1] + m[11] * p[2] + m[15];
  if (w <= 1e-6) return { x: NaN, y: NaN, w, visible: false };
  const nx = x / w, ny = y / w;
  return {
    x: (nx * 0.5 + 0.5) * width,
    y: (1 - (ny * 0.5 + 0.5)) * height,
    w,
    visible: Math.abs(nx) <= 1 && Math.abs(ny) <= 1,
  };
}

const easeInOut = (t) => (t < 0.5 ? 2 * t * t : 1 - ((-2 * t + 2) ** 2) / 2);
/** theta - from, as the shorter way round (in (-pi, pi]). */
const turn = (from, theta) => {
  const d = (theta - from) % (2 * Math.PI);
  return d > Math.PI ? d - 2 * Math.PI : d <= -Math.PI ? d + 2 * Math.PI : d;
};

/** Where the camera starts, and where "reset view" takes it back to. */
export const DEFAULT_VIEW = Object.freeze({ target: [0, 0, 0], distance: 2.5, theta: 0.6, phi: 0.35 });

export function createCamera(opts = {}) {
  const cam = {
    target: opts.target ? [...opts.target] : [...DEFAULT_VIEW.target],
    distance: opts.distance ?? DEFAULT_VIEW.distance,
    theta: opts.theta ?? DEFAULT_VIEW.theta,
    phi: opts.phi ?? DEFAULT_VIEW.phi,
    fovy: Math.PI / 4,
    offset: [0, 0], // CSS px [right, down] from the canvas centre where the target appears (room for a panel)
    flight: null,
  };

  cam.eye = () => {
    const c = Math.cos(cam.phi);
    return [
      cam.target[0] + cam.distance * c * Math.sin(cam.theta),
      cam.target[1] + cam.distance * Math.sin(cam.phi),
      cam.target[2] + cam.distance * c * Math.cos(cam.theta),
    ];
  };
  cam.view = () => lookAt(cam.eye(), cam.target, [0, 1, 0]);
  /** Perspective, shifted on screen by `offset` pixels of a width x height viewport. */
  cam.projection = (aspect, width = 0, height = 0) => {
    const m = perspective(cam.fovy, aspect, Math.max(0.001, cam.distance * 0.01), cam.distance + 10);
    // a translation in NDC applied after projection (clip.xy += shift * clip.w, clip.w = -z)
    if (width > 0) m[8] -= (2 * cam.offset[0]) / width;
    if (height > 0) m[9] += (2 * cam.offset[1]) / height;
    return m;
  };
  cam.viewProj = (aspect, width = 0, height = 0) => multiply(cam.projection(aspect, width, height), cam.view());

  /** Rotate by a drag of (dx, dy) pixels on a viewport `height` pixels tall. */
  cam.orbit = (dx, dy, height = 600) => {
    const k = (2 * Math.PI) / Math.max(height, 1);
    cam.theta -= dx * k * 0.5;
    cam.phi = Math.max(-MAX_PHI, Math.min(MAX_PHI, cam.phi + dy * k * 0.5));
    cam.flight = null;
  };
  /** Move the target so the scene follows a drag of (dx, dy) pixels. */
  cam.pan = (dx, dy, height = 600) => {
    const v = cam.view();
    const right = [v[0], v[4], v[8]];
    const up = [v[1], v[5], v[9]];
    const scale = (2 * cam.distance * Math.tan(cam.fovy / 2)) / Math.max(height, 1);
    for (let i = 0; i < 3; i++) cam.target[i] += (-dx * right[i] + dy * up[i]) * scale;
    cam.flight = null;
  };
  /** Zoom by `factor` (< 1 moves closer). */
  cam.zoom = (factor) => {
    cam.distance = Math.max(MIN_DISTANCE, Math.min(MAX_DISTANCE, cam.distance * factor));
    cam.flight = null;
  };
  /** The view as plain numbers: {target, distance, theta, phi, offset}. */
  cam.getView = () => ({ target: [...cam.target], distance: cam.distance, theta: cam.theta, phi: cam.phi,
    offset: [...cam.offset] });
  /** Jump to a view (any of its fields; the others stay); stops a flight. */
  cam.setView = (v) => {
    if (v.target) cam.target = [...v.target];
    if (v.distance !== undefined) cam.distance = Math.max(MIN_DISTANCE, Math.min(MAX_DISTANCE, v.distance));
    if (v.theta !== undefined) cam.theta = v.theta;
    if (v.phi !== undefined) cam.phi = Math.max(-MAX_PHI, Math.min(MAX_PHI, v.phi));
    if (v.offset) cam.offset = [...v.offset];
    cam.flight = null;
  };
  /** Start an eased flight to a view (fields left out stay as they are), the shorter way round. */
  cam.flyToView = (v, now, duration = 600) => {
    const from = cam.getView();
    const theta = v.theta ?? cam.theta, phi = v.phi ?? cam.phi;
    cam.flight = {
      from,
      to: { target: [...(v.target || cam.target)], distance: v.distance ?? cam.distance,
        theta: cam.theta + turn(cam.theta, theta), phi: Math.max(-MAX_PHI, Math.min(MAX_PHI, phi)),
        offset: [...(v.offset || cam.offset)] },
      start: now,
      duration,
    };
  };
  /** Start an eased flight to look at `target` from `distance`, ending `offset` px off centre. */
  cam.flyTo = (target, distance, now, duration = 600, offset = cam.offset) =>
    cam.flyToView({ target, distance: distance ?? cam.distance, offset }, now, duration);
  /** Fly back to DEFAULT_VIEW, the target `offset` px off centre. */
  cam.reset = (now, duration = 500, offset = [0, 0]) => cam.flyToView({ ...DEFAULT_VIEW, offset }, now, duration);
  /** Advance a flight to time `now`; returns true while still moving. */
  cam.tick = (now) => {
    const f = cam.flight;
    if (!f) return false;
    const t = Math.min(1, (now - f.start) / f.duration);
    const e = easeInOut(Math.max(0, t));
    for (let i = 0; i < 3; i++) cam.target[i] = f.from.target[i] + (f.to.target[i] - f.from.target[i]) * e;
    cam.distance = f.from.distance * Math.pow(f.to.distance / f.from.distance, e);
    cam.theta = f.from.theta + (f.to.theta - f.from.theta) * e;
    cam.phi = f.from.phi + (f.to.phi - f.from.phi) * e;
    for (let i = 0; i < 2; i++) cam.offset[i] = f.from.offset[i] + (f.to.offset[i] - f.from.offset[i]) * e;
    if (t >= 1) cam.flight = null;
    return t < 1;
  };
  return cam;
}
