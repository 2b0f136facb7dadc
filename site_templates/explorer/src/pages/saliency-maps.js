/**
 * The saliency page's arithmetic, without a DOM: the viridis colour map, bilinear upsampling of
 * a map grid, scaling a quantised map row to 0..1, and the checks on what index.json declares.
 */

/** viridis at 9 evenly spaced stops (perceptually uniform, readable in grey and by most colour-blind readers) */
export const VIRIDIS = [
  [68, 1, 84], [71, 45, 123], [59, 82, 139], [44, 114, 142], [33, 145, 140],
  [40, 174, 128], [94, 201, 98], [173, 220, 48], [253, 231, 37],
];

/** 256 RGB triples (flat, Uint8ClampedArray) interpolated linearly between the VIRIDIS stops. */
export function colourTable(stops = VIRIDIS) {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1), k = Math.min(Math.floor(t), stops.length - 2), f = t - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = stops[k][c] * (1 - f) + stops[k + 1][c] * f;
  }
  return lut;
}

/** The images a page may show: the build's own images/NNN.webp, nothing else. */
export const isImageSrc = (src) => /^images\/[0-9]{1,6}\.webp$/.test(src);

/** Bilinear upsampling (align_corners = false) of grid g (h*w values in 0..1) to W x H. */
export function upsample(g, h, w, W, H) {
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const v = Math.min(Math.max((y + 0.5) * h / H - 0.5, 0), h - 1), y0 = Math.floor(v), y1 = Math.min(y0 + 1, h - 1), fy = v - y0;
    for (let x = 0; x < W; x++) {
      const u = Math.min(Math.max((x + 0.5) * w / W - 0.5, 0), w - 1), x0 = Math.floor(u), x1 = Math.min(x0 + 1, w - 1), fx = u - x0;
      const top = g[y0 * w + x0] * (1 - fx) + g[y0 * w + x1] * fx;
      const bot = g[y1 * w + x0] * (1 - fx) + g[y1 * w + x1] * fx;
      out[y * W + x] = top * (1 - fy) + bot * fy;
    }
  }
  return out;
}

/**
 * Values 0..1 of quantised map row `raw` (uint8, scaled per map to [lo, hi]). With `shared`
 * ({lo, hi}: the range over all prompts of the image) the row is put on that common scale.
 */
export function mapValues(raw, lo, hi, shared = null) {
  const out = new Float32Array(raw.length);
  if (!shared) {
    for (let i = 0; i < raw.length; i++) out[i] = raw[i] / 255;
    return out;
  }
  const span = shared.hi > shared.lo ? shared.hi - shared.lo : 1;
  for (let j = 0; j < raw.length; j++) out[j] = (lo + (raw[j] / 255) * (hi - lo) - shared.lo) / span;
  return out;
}

/** The common scale of an image's prompts' maps; gradient maps keep 0 in range. */
export function sharedRange(prompts, info, gradient) {
  let lo = Infinity, hi = -Infinity;
  for (const p of prompts) { lo = Math.min(lo, info.min[p.map]); hi = Math.max(hi, info.max[p.map]); }
  return { lo: gradient ? Math.min(lo, 0) : lo, hi };
}

/** [lowest, highest] cosine similarity over all prompts, 0 included (the bars' scale). */
export function similarityRange(images) {
  let lo = Infinity, hi = -Infinity;
  for (const im of images) for (const p of im.prompts) { lo = Math.min(lo, p.sim); hi = Math.max(hi, p.sim); }
  return [Math.min(lo, 0), hi > lo ? hi : lo + 1];
}

/** Throw unless the two map buffers hold as many rows of grid[0] x grid[1] as index.json says. */
export function checkBuffers(data, maps, tokens) {
  const size = data.grid[0] * data.grid[1];
  if (maps.length !== data.maps.shape[0] * size || tokens.length !== data.tokens.shape[0] * size) {
    throw new Error('map buffers do not match index.json');
  }
}

/** RGBA pixels of the heatmap: low values are more transparent, so the image stays readable. */
export function heatmapPixels(values, lut, opacity, out = new Uint8ClampedArray(values.length * 4)) {
  const a = opacity * 255;
  for (let i = 0; i < values.length; i++) {
    const v = Math.max(0, Math.min(255, Math.round(values[i] * 255)));
    out[i * 4] = lut[v * 3]; out[i * 4 + 1] = lut[v * 3 + 1]; out[i * 4 + 2] = lut[v * 3 + 2];
    out[i * 4 + 3] = Math.round(a * (0.35 + 0.65 * v / 255));
  }
  return out;
}

/** "12.3 %" for a softmax share, "0.283" for a cosine, "16.55" for a logit. */
export const percent = (p) => `${(100 * p).toFixed(1)} %`;
export const cosine = (s) => s.toFixed(3);
export const logit = (z) => z.toFixed(2);

/** A bar's filled share, clamped to 0..1. */
export const barFraction = (frac) => Math.max(0, Math.min(1, frac));
