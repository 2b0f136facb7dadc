/**
 * The view in the URL hash: #d=<dataset>&p=<point>&c=<colour mode>&q=<search>, and for a label
 * field f=<field name>, g=1 (captions grey), i=<isolated value name>, t=0 (pictures off), the
 * projection pr=<key> (absent: the default one), a selection s=<selection/encode.js value>; the
 * camera in v= (below).
 * Any view is a shareable link; selections push history entries so back/forward work.
 */

export const COLOR_MODES = ['modality', 'category', 'cluster'];

export function parseHash(hash) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const p = params.get('p');
  const point = p !== null && /^\d+$/.test(p) ? Number(p) : -1;
  const c = params.get('c');
  return {
    dataset: params.get('d') || '',
    point,
    colorBy: COLOR_MODES.includes(c) ? c : '',
    query: params.get('q') || '',
    field: params.get('f') || '',
    grey: params.get('g') === '1',
    value: params.get('i') || '',
    pictures: params.get('t') !== '0',
    projection: /^[a-z][a-z0-9]{0,15}$/.test(params.get('pr') || '') ? params.get('pr') : '',
    selection: params.get('s') || '',
  };
}

export function formatHash({ dataset, point, colorBy, query, field, grey, value, pictures = true, projection, selection }) {
  const params = new URLSearchParams();
  if (dataset) params.set('d', dataset);
  if (point >= 0) params.set('p', String(point));
  if (colorBy && colorBy !== 'modality') params.set('c', colorBy);
  if (query) params.set('q', query);
  if (field) params.set('f', field);
  if (grey) params.set('g', '1');
  if (value) params.set('i', value);
  if (!pictures) params.set('t', '0');
  if (projection) params.set('pr', projection);
  if (selection) params.set('s', selection);
  return '#' + params.toString();
}

/**
 * The camera in the hash: v=<theta>,<phi>,<distance>,<tx>,<ty>,<tz>[,<ox>,<oy>] — the orbit
 * angles (radians), the distance, the target, and where the target sits on screen as a fraction
 * of the canvas (only when off centre). Rounded so a link stays short yet restores the same
 * picture to a fraction of a pixel. It is written with replaceState (no history entry per frame).
 */
export const CAMERA_KEY = 'v';

const round = (x, digits) => String(Number(x.toFixed(digits)) + 0); // "+ 0" turns -0 into 0

/** camera view {theta, phi, distance, target, offset} and canvas size -> the `v` value. */
export function formatCamera({ theta, phi, distance, target, offset = [0, 0] }, width = 1, height = 1) {
  const turn = 2 * Math.PI;
  const parts = [round(((theta % turn) + turn) % turn, 5), round(phi, 5), round(distance, 5),
    ...target.map((t) => round(t, 5))];
  const ox = offset[0] / Math.max(width, 1), oy = offset[1] / Math.max(height, 1);
  if (Math.abs(ox) >= 5e-5 || Math.abs(oy) >= 5e-5) parts.push(round(ox, 4), round(oy, 4));
  return parts.join(',');
}

/** The camera of a hash -> {theta, phi, distance, target, offset: [fx, fy] | null}, or null. */
export function parseCamera(hash) {
  const v = new URLSearchParams(String(hash || '').replace(/^#/, '')).get(CAMERA_KEY);
  if (!v) return null;
  const n = v.split(',').map((s) => (/^-?\d+(\.\d+)?(e-?\d+)?$/.test(s) ? Number(s) : NaN));
  if ((n.length !== 6 && n.length !== 8) || !n.every(Number.isFinite) || !(n[2] > 0)) return null;
  return { theta: n[0], phi: n[1], distance: n[2], target: n.slice(3, 6), offset: n.length === 8 ? n.slice(6, 8) : null };
}

/** `hash` (from formatHash) with the camera value `v` set, or removed when `v` is empty. */
export function withCamera(hash, v) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  if (v) params.set(CAMERA_KEY, v);
  else params.delete(CAMERA_KEY);
  return '#' + params.toString().replace(/%2C/g, ',');
}
