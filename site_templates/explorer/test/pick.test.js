import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCamera, project } from '../src/gl/camera.js';
import { buildGrid, pickPoint, pickWithGrid, pointDiameter } from '../src/gl/pick-cpu.js';

const W = 800, H = 600;

function setup(points) {
  const cam = createCamera();
  const positions = new Float32Array(points.flat());
  const viewProj = cam.viewProj(W / H, W, H);
  return { cam, src: { positions, count: points.length, viewProj, width: W, height: H, base: 6, refDepth: 2.5 } };
}
const at = (src, i) => project(src.viewProj, [src.positions[3 * i], src.positions[3 * i + 1], src.positions[3 * i + 2]], W, H);

test('the point under the cursor is picked; empty space picks nothing', () => {
  const { src } = setup([[0, 0, 0], [0.5, 0.2, 0], [-0.4, -0.3, 0.2]]);
  for (let i = 0; i < 3; i++) {
    const p = at(src, i);
    assert.equal(pickPoint(src, p.x, p.y), i);
    assert.equal(pickPoint(src, p.x + 2, p.y - 1), i); // inside its disc
  }
  const p = at(src, 0);
  assert.equal(pickPoint(src, p.x + 60, p.y + 60), -1);
});

test('the front-most of overlapping points wins, the nearest within the radius otherwise', () => {
  const { cam, src } = setup([[0, 0, 0], [0, 0, 0]]);
  const eye = cam.eye();
  // point 1 moved a little towards the camera: it covers point 0
  src.positions.set([eye[0] * 0.1, eye[1] * 0.1, eye[2] * 0.1], 3);
  const p = at(src, 0);
  assert.equal(pickPoint(src, p.x, p.y), 1);
  // beside a disc, within radius: still that point; beyond: nothing
  const d = pointDiameter(6, 2.5, p.w);
  assert.equal(pickPoint({ ...src, count: 1 }, p.x + (d + 3) / 2 + 3, p.y), 0);
  assert.equal(pickPoint({ ...src, count: 1 }, p.x + (d + 3) / 2 + 5, p.y), -1);
});

test('hidden values are not pickable; the search enlarges matches like the shader', () => {
  const { src } = setup([[0, 0, 0]]);
  const p = at(src, 0);
  const states = new Uint8Array(1024);
  const values = new Uint8Array([7]);
  assert.equal(pickPoint({ ...src, values, states }, p.x, p.y), 0);
  states[4 * 7] = 2;
  assert.equal(pickPoint({ ...src, values, states }, p.x, p.y), -1);
  assert.ok(pointDiameter(6, 2.5, 2.5, { filter: true, match: 1 }) > pointDiameter(6, 2.5, 2.5));
  assert.ok(pointDiameter(6, 2.5, 2.5, { filter: true, match: 0 }) < pointDiameter(6, 2.5, 2.5));
  assert.equal(pointDiameter(6, 2.5, 0.001), 40); // clamped as in points.vert.glsl
});

function cloud(n, seed = 1) {
  const positions = new Float32Array(3 * n);
  let s = seed;
  for (let i = 0; i < 3 * n; i++) { s = (s * 16807) % 2147483647; positions[i] = (s / 2147483647) * 2 - 1; }
  return positions;
}

test('the grid route gives the reference answer, camera near and far, cursor anywhere', () => {
  const n = 20_000, positions = cloud(n);
  const grid = buildGrid(positions, n);
  let hits = 0, total = 0;
  for (const distance of [0.3, 1.2, 2.5, 6]) {
    for (const theta of [0.2, 2.4]) {
      const cam = createCamera({ distance, theta, phi: 0.3, target: [0.1, -0.05, 0.2] });
      const src = { positions, count: n, viewProj: cam.viewProj(W / H, W, H), width: W, height: H, base: 4,
        refDepth: 2.5, focalPx: H / 2 / Math.tan(cam.fovy / 2) };
      for (let k = 0; k < 40; k++) {
        const x = (k * 97) % W, y = (k * 61) % H;
        const want = pickPoint(src, x, y);
        assert.equal(pickWithGrid(grid, src, x, y), want, `distance ${distance}, (${x}, ${y})`);
        total++;
        if (want >= 0) hits++;
      }
    }
  }
  assert.ok(hits > total / 3, `${hits} of ${total} cursors over a point: the test must test something`);
});

test('a million points: the grid pick takes a fraction of a frame, the reference tests every point', () => {
  const n = 1_000_000, positions = cloud(n, 7);
  const t0 = performance.now();
  const grid = buildGrid(positions, n);
  const built = performance.now() - t0;
  const cam = createCamera();
  const src = { positions, count: n, viewProj: cam.viewProj(W / H, W, H), width: W, height: H, base: 2.3, refDepth: 2.5,
    focalPx: H / 2 / Math.tan(cam.fovy / 2) };
  const time = (fn) => { const t = performance.now(); for (let k = 0; k < 10; k++) fn(200 + 40 * k, 300); return (performance.now() - t) / 10; };
  time((x, y) => pickWithGrid(grid, src, x, y));
  const fast = time((x, y) => pickWithGrid(grid, src, x, y));
  const full = time((x, y) => pickPoint(src, x, y));
  console.log(`pick at 1M: grid ${fast.toFixed(2)} ms, every point ${full.toFixed(1)} ms, grid built in ${built.toFixed(0)} ms`);
  for (let k = 0; k < 10; k++) assert.equal(pickWithGrid(grid, src, 210 + 37 * k, 320), pickPoint(src, 210 + 37 * k, 320));
  assert.ok(fast < full / 4, `grid ${fast} ms vs ${full} ms`);
});
