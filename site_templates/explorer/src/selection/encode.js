/**
 * A selection in the URL: its sorted point indices as gaps (index - previous index - 1, so a run
 * of neighbours is a run of zeros), each a base-128 varint, the bytes in URL-safe base64 (no
 * padding): one byte per gap below 128, two below 16,384. 2,000 points 500 apart take 5,332
 * characters, 2,000 contiguous ones 2,668 (measured). Larger selections are not kept in the URL
 * (MAX_URL_POINTS).
 */

export const MAX_URL_POINTS = 2000;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function toBase64Url(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += ALPHABET[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

function fromBase64Url(text) {
  const bytes = [];
  let bits = 0, acc = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 255);
    }
  }
  return Uint8Array.from(bytes);
}

/** Sorted, distinct indices -> the URL value. */
export function encodeSelection(indices) {
  const bytes = [];
  let prev = -1;
  for (const p of indices) {
    let gap = p - prev - 1;
    prev = p;
    while (gap >= 128) {
      bytes.push((gap & 127) | 128);
      gap = Math.floor(gap / 128);
    }
    bytes.push(gap);
  }
  return toBase64Url(bytes);
}

/** The URL value -> sorted Uint32Array of indices < n, or null when it is not a valid selection
 * of this dataset (bad characters, a truncated number, an index out of range). */
export function decodeSelection(text, n) {
  if (!text || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const bytes = fromBase64Url(text);
  if (!bytes) return null;
  const out = [];
  let prev = -1, gap = 0, scale = 1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    gap += (b & 127) * scale;
    if (b & 128) {
      scale *= 128;
      if (scale > 2 ** 35) return null;
      continue;
    }
    prev = prev + gap + 1;
    if (prev >= n) return null;
    out.push(prev);
    gap = 0;
    scale = 1;
  }
  if (scale !== 1 || out.length === 0) return null;
  return Uint32Array.from(out);
}
