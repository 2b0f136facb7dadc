/**
 * Sharded local views: where point p's row lives, and how to cut it out of a shard file.
 *
 * Shard s holds rows [s*R, (s+1)*R) of every local field; the file is the concatenation, in the
 * manifest's field order, of each field's rows (the last shard may hold fewer than R rows).
 */

import { bytesPerElement, decodeFloat16, typedView, fetchArrayBuffer } from './buffers.js';
import { resolveUrl } from './manifest.js';

/** Replace `{index:05d}`-style placeholders (Python format spec) with a zero-padded number. */
export function formatPattern(pattern, index) {
  return pattern.replace(/\{index(?::0?(\d+)d)?\}/g, (_, width) => String(index).padStart(Number(width || 0), '0'));
}

/** Which shard holds point `p`, which row inside it, and how many rows that shard has. */
export function shardAddress(local, n, p) {
  if (!(p >= 0 && p < n)) throw new RangeError(`point ${p} is outside 0..${n - 1}`);
  const r = local.rows_per_shard;
  const shard = Math.floor(p / r);
  return { shard, row: p - shard * r, rows: Math.min(r, n - shard * r), file: formatPattern(local.file_pattern, shard) };
}

/** Expected byte length of a shard with `rows` rows. */
export function shardBytes(fields, rows) {
  let total = 0;
  for (const f of fields) total += rows * f.row_shape.reduce((a, b) => a * b, 1) * bytesPerElement(f.dtype);
  return total;
}

/**
 * Cut row `row` of every field out of a shard ArrayBuffer with `rows` rows.
 * Returns {fieldName: typed array} (float16 decoded to Float32Array).
 */
export function readShardRow(buffer, fields, rows, row) {
  const out = {};
  let offset = 0;
  for (const f of fields) {
    const per = f.row_shape.reduce((a, b) => a * b, 1);
    const size = bytesPerElement(f.dtype);
    const view = typedView(buffer, f.dtype, offset + row * per * size, per);
    out[f.name] = f.dtype === 'float16' ? decodeFloat16(view) : Array.from(view);
    offset += rows * per * size;
  }
  return out;
}

/** Loads shards on demand and keeps the most recent few (a click reads one small file). */
export function createShardLoader(manifest, baseUrl, keep = 8) {
  const cache = new Map();
  const { local } = manifest;
  const n = manifest.counts.N;

  async function shard(addr) {
    if (cache.has(addr.shard)) {
      const hit = cache.get(addr.shard);
      cache.delete(addr.shard);
      cache.set(addr.shard, hit); // most recently used last
      return hit;
    }
    const promise = fetchArrayBuffer(resolveUrl(addr.file, baseUrl)).then((buf) => {
      const want = shardBytes(local.fields, addr.rows);
      if (buf.byteLength !== want) throw new Error(`${addr.file}: expected ${want} bytes, got ${buf.byteLength}`);
      return buf;
    });
    cache.set(addr.shard, promise);
    promise.catch(() => cache.delete(addr.shard));
    while (cache.size > keep) cache.delete(cache.keys().next().value);
    return promise;
  }

  /** -> {neighbours: number[K], local_xy: Float32Array(2K), local_dist: Float32Array(K), local_evr} */
  async function localView(p) {
    if (!local) throw new Error('this dataset has no local views');
    const addr = shardAddress(local, n, p);
    return readShardRow(await shard(addr), local.fields, addr.rows, addr.row);
  }
  /** Start fetching p's shard (hovering usually comes before clicking). */
  localView.prefetch = (p) => {
    if (local && p >= 0 && p < n) shard(shardAddress(local, n, p)).catch(() => {});
  };
  return localView;
}
