/**
 * An uploaded image -> the image tower's input, as the model's own preprocessing does it
 * (manifest browser_model.image.preprocess, open_clip's eval transform on a PIL image):
 * resize ("shortest": the shorter side to the size, the longer one int(size * long / short);
 * "squash": both sides) with PIL's antialiased bicubic or bilinear filter (a separable
 * convolution whose support widens when shrinking, rounded to 8 bits after each pass, as PIL
 * does), center crop (top/left = Python's round((in - out) / 2)), then (x / 255 - mean) / std, CHW.
 * Pure: RGBA bytes in, Float32Array out.
 */

const FILTERS = {
  bicubic: { support: 2, f: (x) => { const a = -0.5; x = Math.abs(x); return x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : x < 2 ? (((x - 5) * x + 8) * x - 4) * a : 0; } },
  bilinear: { support: 1, f: (x) => { x = Math.abs(x); return x < 1 ? 1 - x : 0; } },
};

/** For each output index: [first input index, weights] (PIL's precompute_coeffs). */
function coefficients(inSize, outSize, filter) {
  const scale = inSize / outSize;
  const fscale = Math.max(scale, 1);
  const support = filter.support * fscale;
  const out = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const x0 = Math.max(0, Math.floor(center - support + 0.5));
    const x1 = Math.min(inSize, Math.floor(center + support + 0.5));
    const w = [];
    let total = 0;
    for (let x = x0; x < x1; x++) {
      const v = filter.f((x - center + 0.5) / fscale);
      w.push(v);
      total += v;
    }
    out.push([x0, w.map((v) => (total ? v / total : 0))]);
  }
  return out;
}

const clamp8 = (v) => Math.max(0, Math.min(255, Math.round(v)));
/** Python's round() (half to even), as torchvision's CenterCrop uses. */
export const pyRound = (v) => { const r = Math.round(v); return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; };

/** Resize RGB(A) bytes (3 channels used) from w x h to ow x oh: Uint8Array(ow * oh * 3). */
export function resize(rgba, w, h, ow, oh, interpolation = 'bicubic', channels = 4) {
  const filter = FILTERS[interpolation] || FILTERS.bicubic;
  const cx = coefficients(w, ow, filter), cy = coefficients(h, oh, filter);
  const tmp = new Uint8Array(ow * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      const [x0, ws] = cx[x];
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < ws.length; k++) s += ws[k] * rgba[(y * w + x0 + k) * channels + c];
        tmp[(y * ow + x) * 3 + c] = clamp8(s);
      }
    }
  }
  const out = new Uint8Array(ow * oh * 3);
  for (let y = 0; y < oh; y++) {
    const [y0, ws] = cy[y];
    for (let x = 0; x < ow; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < ws.length; k++) s += ws[k] * tmp[((y0 + k) * ow + x) * 3 + c];
        out[(y * ow + x) * 3 + c] = clamp8(s);
      }
    }
  }
  return out;
}

/** The size the image is resized to before the crop: [width, height]. */
export function resizedSize(w, h, spec) {
  const [H, W] = spec.size;
  if (spec.resize === 'squash') return [W, H];
  const size = Math.min(H, W);
  return w <= h ? [size, Math.floor((size * h) / w)] : [Math.floor((size * w) / h), size];
}

/** {data: RGBA bytes, width, height} -> Float32Array(3 * H * W), normalised, CHW. */
export function preprocess(image, spec) {
  const [H, W] = spec.size;
  const [rw, rh] = resizedSize(image.width, image.height, spec);
  const rgb = resize(image.data, image.width, image.height, rw, rh, spec.interpolation);
  const top = pyRound((rh - H) / 2), left = pyRound((rw - W) / 2);
  const out = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) {
    const m = spec.mean[c], s = spec.std[c];
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const sy = y + top, sx = x + left;
        const v = sy >= 0 && sy < rh && sx >= 0 && sx < rw ? rgb[(sy * rw + sx) * 3 + c] : 0;
        out[c * H * W + y * W + x] = (v / 255 - m) / s;
      }
    }
  }
  return out;
}
