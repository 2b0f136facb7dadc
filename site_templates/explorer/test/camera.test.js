import test from 'node:test';
import assert from 'node:assert/strict';
import { createCamera, multiply, project, lookAt, perspective } from '../src/gl/camera.js';

const close = (a, b, eps = 1e-4) => assert.ok(Math.abs(a - b) < eps, `${a} !~ ${b}`);

test('the target projects to the centre of the viewport', () => {
  const cam = createCamera({ target: [0.3, -0.2, 0.1], distance: 2, theta: 1.1, phi: 0.4 });
  const p = project(cam.viewProj(800 / 600), cam.target, 800, 600);
  close(p.x, 400);
  close(p.y, 300);
  assert.ok(p.visible);
});

test('identity multiply and lookAt puts the eye at the origin', () => {
  const id = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const v = lookAt([1, 2, 3], [0, 0, 0], [0, 1, 0]);
  assert.deepEqual(Array.from(multiply(id, v)), Array.from(v));
  // eye maps to view-space origin
  const e = [1, 2, 3];
  for (let r = 0; r < 3; r++) close(v[r] * e[0] + v[4 + r] * e[1] + v[8 + r] * e[2] + v[12 + r], 0);
});

test('a point above the target appears above the centre', () => {
  const cam = createCamera({ phi: 0 });
  const p = project(cam.viewProj(1), [0, 0.2, 0], 500, 500);
  assert.ok(p.y < 250);
});

test('points behind the camera are not visible', () => {
  const cam = createCamera({ theta: 0, phi: 0, distance: 2 });
  const p = project(cam.viewProj(1), [0, 0, 5], 500, 500);
  assert.equal(p.visible, false);
});

test('zoom is clamped and orbit keeps phi inside (-pi/2, pi/2)', () => {
  const cam = createCamera();
  for (let i = 0; i < 100; i++) cam.zoom(0.5);
  assert.ok(cam.distance >= 0.02);
  cam.orbit(0, 1e6, 600);
  assert.ok(cam.phi < Math.PI / 2);
});

test('pan moves the target in the view plane, keeping the distance', () => {
  const cam = createCamera({ theta: 0, phi: 0 });
  cam.pan(-100, 0, 600); // drag left: the target moves right (+x when looking down -z)
  assert.ok(cam.target[0] > 0);
  close(cam.target[1], 0);
  close(cam.target[2], 0);
});

test('flyTo reaches its goal and then stops', () => {
  const cam = createCamera();
  cam.flyTo([1, 1, 1], 0.5, 0, 100);
  assert.equal(cam.tick(50), true);
  assert.equal(cam.tick(100), false);
  assert.deepEqual(cam.target, [1, 1, 1]);
  close(cam.distance, 0.5);
});

test('perspective maps the near plane to depth -1', () => {
  const m = perspective(Math.PI / 2, 1, 1, 10);
  const z = -1;
  const clipZ = m[10] * z + m[14];
  const w = m[11] * z;
  close(clipZ / w, -1);
});

import { shuffledIndices } from '../src/gl/lod.js';

test('shuffledIndices is a deterministic permutation', () => {
  const a = shuffledIndices(1000, 7);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(Array.from(shuffledIndices(1000, 7)), Array.from(a));
  assert.notDeepEqual(Array.from(a.slice(0, 20)), Array.from({ length: 20 }, (_, i) => i));
  // a prefix is a fair sample: about a quarter of the first 250 fall in the last quarter
  const late = Array.from(a.slice(0, 250)).filter((i) => i >= 750).length;
  assert.ok(late > 35 && late < 90, String(late));
});

test('the screen offset moves the target off centre by that many pixels', () => {
  const cam = createCamera({ target: [0.1, 0.2, -0.3], theta: 0.4, phi: 0.2 });
  cam.offset = [-100, 50];
  const p = project(cam.viewProj(800 / 600, 800, 600), cam.target, 800, 600);
  close(p.x, 300);
  close(p.y, 350);
});
