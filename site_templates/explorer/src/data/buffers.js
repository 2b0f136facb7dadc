/**
 * Binary buffers (.bin) -> typed arrays. Little-endian raw arrays as declared in the manifest.
 *
 * float16 has no JS typed array in our target browsers, so it arrives as Uint16Array and is
 * decoded through a 65536-entry lookup table (one table read per value: ~3 ms per million).
 */

import { resolveUrl } from './manifest.js';
import { fetchBytes } from './fetch.js';

const ARRAYS = {
  float16: Uint16Array,
  float32: Float32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

export function bytesPerElement(dtype) {
  const A = ARRAYS[dtype];
  if (!A) throw new Error(`unknown dtype ${JSON.stringify(dtype)}`);
  return A.BYTES_PER_ELEMENT;
}

/** Decode one IEEE 754 half-precision value given as its 16-bit pattern. */
export function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal (and +-0)
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let table = null;
function halfTable() {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToFloat(h);
  }
  return table;
}

/** Uint16Array of float16 bit patterns -> Float32Array. */
export function decodeFloat16(u16, out = new Float32Array(u16.length)) {
  const t = halfTable();
  for (let i = 0; i < u16.length; i++) out[i] = t[u16[i]];
  return out;
}

/** View `byteLength` bytes of `buffer` at `byteOffset` as the dtype's typed array (copies if unaligned). */
export function typedView(buffer, dtype, byteOffset, count) {
  const A = ARRAYS[dtype];
  if (!A) throw new Error(`unknown dtype ${JSON.stringify(dtype)}`);
  if (byteOffset % A.BYTES_PER_ELEMENT === 0) return new A(buffer, byteOffset, count);
  return new A(buffer.slice(byteOffset, byteOffset + count * A.BYTES_PER_ELEMENT));
}

/** Fetch an ArrayBuffer, failing with a message that names the URL. */
export const fetchArrayBuffer = fetchBytes;

/**
 * Fetch buffer `name` declared in `manifest.buffers`, check its length against the manifest,
 * and return it as a typed array (float16 decoded to Float32Array).
 */
export async function loadBuffer(manifest, baseUrl, name) {
  const spec = manifest.buffers && manifest.buffers[name];
  if (!spec) throw new Error(`the manifest declares no buffer named ${JSON.stringify(name)}`);
  const ab = await fetchArrayBuffer(resolveUrl(spec.file, baseUrl));
  if (ab.byteLength !== spec.bytes) {
    throw new Error(`${spec.file}: expected ${spec.bytes} bytes, got ${ab.byteLength}`);
  }
  const raw = new ARRAYS[spec.dtype](ab);
  return spec.dtype === 'float16' ? decodeFloat16(raw) : raw;
}
