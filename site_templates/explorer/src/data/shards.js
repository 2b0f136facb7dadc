/**
 * Sharded local views: where point p's row lives, and how to cut it out of a shard file.
 *
 * Shard s holds rows [s*R, (s+1)*R) of every local field; the file is the concatenation, in the
 * manifest's field order, of each field's rows (the last shard may hold fewer than R rows).
 *
 * Integrity: every shard's length is checked, and its sha256 too where the browser has
 * crypto.subtle (secure contexts: https, localhost). The per-shard checksums live in
 * checksums.json (the manifest names it with its own sha256; older manifests list them inline),
 * read with the first shard, not before the first frame.
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

/** Hex sha256 of an ArrayBuffer, or null where the browser offers no crypto.subtle. */
export async function sha256Hex(buffer) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) return null;
  const digest = new Uint8Array(await subtle.digest('SHA-256', buffer));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The shards' sha256 list: from checksums.json (checked against the manifest) or inline; null if none. */
async function loadShardSums(manifest, baseUrl) {
  if (manifest.local && Array.isArray(manifest.local.sha256)) return manifest.local.sha256;
  const spec = manifest.checksums;
  if (!spec || typeof spec.file !== 'string') return null;
  const buf = await fetchArrayBuffer(resolveUrl(spec.file, baseUrl));
  const got = await sha256Hex(buf);
  if (buf.byteLength !== spec.bytes || (got && spec.sha256 && got !== spec.sha256)) {
    throw new Error(`${spec.file} does not match the manifest (a mixed or damaged build)`);
  }
  const json = JSON.parse(new TextDecoder().decode(buf));
  return json && json.local && Array.isArray(json.local.sha256) ? json.local.sha256 : null;
}

/** Loads shards on demand and keeps the most recent few (a click reads one small file). */
export function createShardLoader(manifest, baseUrl, keep = 8) {
  const cache = new Map();
  const { local } = manifest;
  const n = manifest.counts.N;
  let sums = null;
  const shardSums = () => {
    if (!sums) {
      sums = loadShardSums(manifest, baseUrl);
      sums.catch(() => { sums = null; }); // tried again with the next shard
    }
    return sums;
  };

  async function shard(addr) {
    if (cache.has(addr.shard)) {
      const hit = cache.get(addr.shard);
      cache.delete(addr.shard);
      cache.set(addr.shard, hit); // most recently used last
      return hit;
    }
    const promise = Promise.all([fetchArrayBuffer(resolveUrl(addr.file, baseUrl)), shardSums()]).then(async ([buf, hashes]) => {
      const want = shardBytes(local.fields, addr.rows);
      if (buf.byteLength !== want) throw new Error(`${addr.file}: expected ${want} bytes, got ${buf.byteLength}`);
      const expected = hashes && hashes[addr.shard];
      const got = expected ? await sha256Hex(buf) : null;
      if (got && got !== expected) throw new Error(`${addr.file} does not match its checksum (a mixed or damaged build)`);
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
  /** Read the checksums now (when idle after the first frame), so the first click waits for less. */
  localView.prefetchChecksums = () => { if (local) shardSums().catch(() => {}); };
  localView.prefetch = (p) => {
    if (local && p >= 0 && p < n) shard(shardAddress(local, n, p)).catch(() => {});
  };
  return localView;
}
