import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCamera, project } from '../src/gl/camera.js';
import { boundingBox, choosePictures, drawnCount, motionOrder, shuffledIndices, typicalSpacing, MOTION_BUDGET, MAX_PICTURES,
  PICTURE_MIN_PX, PICTURE_FULL_PX } from '../src/gl/lod.js';

const W = 1280, H = 800;
const focalPx = (cam) => H / 2 / Math.tan(cam.fovy / 2);
const vpOf = (cam) => cam.viewProj(W / H, W, H);

function grid(side, step) {
  const out = new Float32Array(side ** 3 * 3);
  let k = 0;
  for (let x = 0; x < side; x++) for (let y = 0; y < side; y++) for (let z = 0; z < side; z++) {
    out[k++] = (x - side / 2) * step; out[k++] = (y - side / 2) * step; out[k++] = (z - side / 2) * step;
  }
  return out;
}

test('in motion big sets draw the budget, at rest every point; small sets always all', () => {
  assert.equal(drawnCount(1_000_000, true), MOTION_BUDGET);
  assert.equal(drawnCount(1_000_000, false), 1_000_000);
  assert.equal(drawnCount(15_000, true), 15_000);
  assert.equal(drawnCount(500, true, 100), 100);
});

test('a prefix of the permutation is a uniform sample (density preserved)', () => {
  const n = 200_000, order = shuffledIndices(n);
  assert.equal(new Set(order).size, n); // a permutation
  assert.deepEqual(shuffledIndices(1000), shuffledIndices(1000)); // seeded
  const bins = new Array(10).fill(0);
  for (let r = 0; r < 20_000; r++) bins[Math.floor(order[r] / (n / 10))]++;
  for (const b of bins) assert.ok(Math.abs(b - 2000) < 200, `bin ${b} far from 2000`);
});

test('the motion order: the same sample as the permutation prefix, sorted; still a permutation', () => {
  const n = 50_000, budget = 5000;
  const order = motionOrder(n, budget), plain = shuffledIndices(n);
  assert.deepEqual([...order.subarray(0, budget)], [...plain.subarray(0, budget)].sort((a, b) => a - b));
  for (let r = 1; r < budget; r++) assert.ok(order[r] > order[r - 1]);
  assert.equal(new Set(order).size, n);
});

test('typical spacing: the nearest-neighbour distance of a grid, also from a sample', () => {
  const pos = grid(20, 0.05); // 8,000 points, spacing 0.05
  const s = typicalSpacing(pos, 8000, 8000, 200);
  assert.ok(Math.abs(s - 0.05) < 1e-6, `spacing ${s}`);
  // a random cloud: the estimate from a sample matches the one from every point
  const n = 20_000, cloud = new Float32Array(3 * n);
  let s0 = 3;
  for (let i = 0; i < 3 * n; i++) { s0 = (s0 * 16807) % 2147483647; cloud[i] = s0 / 2147483647; }
  const all = typicalSpacing(cloud, n, n, 400), sampled = typicalSpacing(cloud, n, 2000, 400);
  assert.ok(Math.abs(sampled / all - 1) < 0.3, `sampled ${sampled} vs all ${all}`);
});

test('pictures: only near and on-screen points, nearest first, at most max, faded by size', () => {
  const pos = grid(20, 0.05);
  const cam = createCamera({ distance: 0.6, target: [0, 0, 0] });
  const vp = vpOf(cam);
  const got = choosePictures({ positions: pos, count: 8000, viewProj: vp, focalPx: focalPx(cam), worldSize: 0.05 });
  assert.ok(got.ids.length > 10 && got.ids.length <= MAX_PICTURES, `${got.ids.length} pictures`);
  const eye = cam.eye();
  const dist = (i) => Math.hypot(pos[3 * i] - eye[0], pos[3 * i + 1] - eye[1], pos[3 * i + 2] - eye[2]);
  for (let r = 1; r < got.ids.length; r++) assert.ok(got.px[r] <= got.px[r - 1] + 1e-3, 'nearest (biggest) first');
  for (let r = 0; r < got.ids.length; r++) {
    const p = project(vp, [pos[3 * got.ids[r]], pos[3 * got.ids[r] + 1], pos[3 * got.ids[r] + 2]], W, H);
    assert.ok(p.visible, 'on screen');
    assert.ok(got.px[r] >= PICTURE_MIN_PX - 1e-3);
    const want = got.px[r] >= PICTURE_FULL_PX ? 1 : 0;
    if (want) assert.equal(got.alpha[r], 1);
    assert.ok(got.alpha[r] >= 0 && got.alpha[r] <= 1);
  }
  assert.ok(dist(got.ids[0]) <= dist(got.ids.at(-1)));
  // a cap keeps the nearest ones
  const few = choosePictures({ positions: pos, count: 8000, viewProj: vp, focalPx: focalPx(cam), worldSize: 0.05, max: 5 });
  assert.deepEqual([...few.ids], [...got.ids.slice(0, 5)]);
  // hidden points are skipped; far away everything stays a dot
  const skipped = choosePictures({ positions: pos, count: 8000, viewProj: vp, focalPx: focalPx(cam), worldSize: 0.05,
    skip: (i) => i === got.ids[0] });
  assert.ok(!skipped.ids.includes(got.ids[0]));
  const far = createCamera({ distance: 12 });
  assert.equal(choosePictures({ positions: pos, count: 8000, viewProj: vpOf(far), focalPx: focalPx(far), worldSize: 0.05 }).ids.length, 0);
  // the box shortcut gives the same answer, near and far
  const box = boundingBox(pos, 8000);
  const boxed = choosePictures({ positions: pos, count: 8000, viewProj: vp, focalPx: focalPx(cam), worldSize: 0.05, box });
  assert.deepEqual([...boxed.ids], [...got.ids]);
  assert.equal(choosePictures({ positions: pos, count: 8000, viewProj: vpOf(far), focalPx: focalPx(far), worldSize: 0.05, box }).ids.length, 0);
  // only the first `count` points (the images) can be pictures
  const none = choosePictures({ positions: pos, count: 0, viewProj: vp, focalPx: focalPx(cam), worldSize: 0.05 });
  assert.equal(none.ids.length, 0);
});
