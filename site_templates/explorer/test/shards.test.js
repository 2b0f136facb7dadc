import test from 'node:test';
import assert from 'node:assert/strict';
import { shardAddress, shardBytes, readShardRow, formatPattern, createShardLoader } from '../src/data/shards.js';

const fields = [
  { name: 'neighbours', dtype: 'uint32', row_shape: [3] },
  { name: 'local_xy', dtype: 'float16', row_shape: [3, 2] },
  { name: 'local_dist', dtype: 'float16', row_shape: [3] },
  { name: 'local_evr', dtype: 'float16', row_shape: [2] },
];
const local = { rows_per_shard: 4, file_pattern: 'local/shard-{index:05d}.bin', fields };

test('formatPattern follows the Python format spec', () => {
  assert.equal(formatPattern('local/shard-{index:05d}.bin', 7), 'local/shard-00007.bin');
  assert.equal(formatPattern('s{index}.bin', 12), 's12.bin');
});

test('shardAddress: shard, row and the short last shard', () => {
  assert.deepEqual(shardAddress(local, 10, 0), { shard: 0, row: 0, rows: 4, file: 'local/shard-00000.bin' });
  assert.deepEqual(shardAddress(local, 10, 5), { shard: 1, row: 1, rows: 4, file: 'local/shard-00001.bin' });
  assert.deepEqual(shardAddress(local, 10, 9), { shard: 2, row: 1, rows: 2, file: 'local/shard-00002.bin' });
  assert.throws(() => shardAddress(local, 10, 10), RangeError);
});

test('readShardRow cuts each field out of the concatenated shard', () => {
  const rows = 2; // a short last shard
  const buf = new ArrayBuffer(shardBytes(fields, rows));
  assert.equal(buf.byteLength, rows * (3 * 4 + 6 * 2 + 3 * 2 + 2 * 2));
  const nb = new Uint32Array(buf, 0, rows * 3);
  nb.set([1, 2, 3, 7, 8, 9]);
  const half = new Uint16Array(buf, rows * 12, rows * (6 + 3 + 2));
  half.fill(0x3c00); // 1.0 everywhere
  half[6 + 0] = 0x4000; // row 1, xy[0] = 2.0
  const r = readShardRow(buf, fields, rows, 1);
  assert.deepEqual(r.neighbours, [7, 8, 9]);
  assert.equal(r.local_xy.length, 6);
  assert.equal(r.local_xy[0], 2);
  assert.deepEqual(Array.from(r.local_dist), [1, 1, 1]);
  assert.deepEqual(Array.from(r.local_evr), [1, 1]);
});

test('shards are checked against checksums.json, itself checked against the manifest', async () => {
  const { createHash } = await import('node:crypto');
  const http = await import('node:http');
  const hex = (b) => createHash('sha256').update(b).digest('hex');
  const fields = [{ name: 'neighbours', dtype: 'uint32', row_shape: [2] }];
  const good = Buffer.from(new Uint32Array([1, 2, 3, 4]).buffer); // 2 rows
  const other = Buffer.from(new Uint32Array([1, 2, 3, 5]).buffer);
  const sums = Buffer.from(JSON.stringify({ local: { sha256: [hex(good), hex(good)] }, files: {} }));
  const routes = { '/d/local/shard-00000.bin': good, '/d/local/shard-00001.bin': other, '/d/checksums.json': sums };
  const server = http.createServer((req, res) => {
    const body = routes[req.url];
    res.writeHead(body === undefined ? 404 : 200);
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}/d/`;
  const manifest = (checksums) => ({ counts: { N: 4 }, checksums,
    local: { rows_per_shard: 2, file_pattern: 'local/shard-{index:05d}.bin', fields } });
  try {
    const load = createShardLoader(manifest({ file: 'checksums.json', bytes: sums.length, sha256: hex(sums) }), base);
    assert.deepEqual((await load(1)).neighbours, [3, 4]);
    await assert.rejects(load(2), /shard-00001\.bin does not match its checksum/);
    const mixed = createShardLoader(manifest({ file: 'checksums.json', bytes: sums.length, sha256: hex(other) }), base);
    await assert.rejects(mixed(0), /checksums\.json does not match the manifest/);
    // no checksums at all (an older build): the length check only
    assert.deepEqual((await createShardLoader(manifest(undefined), base)(3)).neighbours, [3, 5]);
  } finally {
    server.close();
  }
});
