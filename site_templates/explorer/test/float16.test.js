import test from 'node:test';
import assert from 'node:assert/strict';
import { halfToFloat, decodeFloat16, typedView } from '../src/data/buffers.js';

test('known float16 bit patterns', () => {
  assert.equal(halfToFloat(0x0000), 0);
  assert.ok(Object.is(halfToFloat(0x8000), -0));
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x3555), 0.333251953125);
  assert.equal(halfToFloat(0x7bff), 65504); // largest finite
  assert.equal(halfToFloat(0x0001), 2 ** -24); // smallest subnormal
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

test('table decode equals the scalar decode for every pattern', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const out = decodeFloat16(all);
  for (let h = 0; h < 65536; h++) {
    const want = Math.fround(halfToFloat(h));
    if (Number.isNaN(want)) assert.ok(Number.isNaN(out[h]));
    else assert.equal(out[h], want);
  }
});

test('typedView copies when the offset is unaligned', () => {
  const buf = new Uint8Array([0, 0x00, 0x3c, 0x00, 0xc0]).buffer;
  const v = typedView(buf, 'float16', 1, 2);
  assert.deepEqual(Array.from(decodeFloat16(v)), [1, -2]);
});
