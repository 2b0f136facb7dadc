import test from 'node:test';
import assert from 'node:assert/strict';
import { createCamera, DEFAULT_VIEW, project } from '../src/gl/camera.js';
import { formatCamera, formatHash, parseCamera, parseHash, withCamera } from '../src/router.js';
import { groupCoincident, plotFrame } from '../src/ui/plot-layout.js';
import { hasView } from '../src/url.js';
import { withHash } from '../src/pages/explorer-embed.js';

const close = (a, b, eps) => assert.ok(Math.abs(a - b) <= eps, `${a} !~ ${b}`);

test('the camera round-trips through the hash and draws the same picture', () => {
  const cam = createCamera({ target: [0.123456, -0.654321, 0.0004], distance: 0.73219, theta: -7.1, phi: -0.42 });
  cam.offset = [-202, 0];
  const v = formatCamera(cam.getView(), 1280, 748);
  assert.match(v, /^[\d.,-]+$/); // short and needs no escaping
  const hash = withCamera(formatHash({ dataset: 'demo', point: 5, colorBy: 'category', query: 'red circle' }), v);
  assert.deepEqual(parseHash(hash), { dataset: 'demo', point: 5, colorBy: 'category', query: 'red circle',
    field: '', grey: false, value: '', pictures: true, projection: '', selection: '' });
  // the legend's keys (f, g, i) and the camera's (v) live side by side
  const both = withCamera(formatHash({ dataset: 'demo', point: -1, field: 'shape', grey: true, value: 'star' }), v);
  assert.deepEqual(parseCamera(both), parseCamera(hash));
  assert.deepEqual([parseHash(both).field, parseHash(both).grey, parseHash(both).value], ['shape', true, 'star']);
  assert.ok(hasView('#f=shape') && hasView('#g=1') && hasView('#i=star') && hasView('#t=0'));
  const back = parseCamera(hash);
  const restored = createCamera();
  restored.setView({ ...back, offset: [back.offset[0] * 1280, back.offset[1] * 748] });
  // theta comes back modulo a turn; every point lands on the same pixel (to a tenth)
  const a = cam.viewProj(1280 / 748, 1280, 748), b = restored.viewProj(1280 / 748, 1280, 748);
  for (const p of [[0, 0, 0], [0.5, -0.3, 0.2], [-0.4, 0.8, -0.6], cam.target]) {
    const pa = project(a, p, 1280, 748), pb = project(b, p, 1280, 748);
    close(pa.x, pb.x, 0.1);
    close(pa.y, pb.y, 0.1);
  }
  // a second round trip is exact
  assert.equal(formatCamera(restored.getView(), 1280, 748), v);
});

test('a centred camera has no offset part; bad camera values are ignored', () => {
  assert.equal(formatCamera({ ...DEFAULT_VIEW, offset: [0, 0] }), '0.6,0.35,2.5,0,0,0');
  assert.deepEqual(parseCamera('#v=0.6,0.35,2.5,0,0,0'), { theta: 0.6, phi: 0.35, distance: 2.5, target: [0, 0, 0], offset: null });
  for (const bad of ['#v=1,2,3', '#v=0.6,0.35,0,0,0,0', '#v=a,b,c,d,e,f', '#v=1,1,1,1,1,1,1', '#v=1,1,1e999,1,1,1', '#p=3']) {
    assert.equal(parseCamera(bad), null, bad);
  }
  assert.equal(withCamera('#p=3&v=1,1,1,1,1,1', ''), '#p=3');
  assert.equal(hasView('#v=1,1,1,1,1,1'), true);
  assert.equal(hasView('#p=0'), true);
  assert.equal(hasView('#explorer'), false); // a docs page's own anchor
  assert.equal(hasView(''), false);
});

test('reset flies back to the starting view the shorter way round', () => {
  const cam = createCamera();
  cam.setView({ target: [1, 2, 3], distance: 9, theta: DEFAULT_VIEW.theta + 2 * Math.PI - 0.2, phi: 1.2 });
  cam.reset(0, 100);
  cam.tick(50);
  assert.ok(cam.theta > DEFAULT_VIEW.theta + 2 * Math.PI - 0.2, 'turns forward, not back almost a whole turn');
  assert.equal(cam.tick(100), false);
  close(cam.distance, DEFAULT_VIEW.distance, 1e-9);
  close(cam.phi, DEFAULT_VIEW.phi, 1e-9);
  close(Math.cos(cam.theta), Math.cos(DEFAULT_VIEW.theta), 1e-9);
  close(Math.sin(cam.theta), Math.sin(DEFAULT_VIEW.theta), 1e-9);
  assert.deepEqual(cam.target, [0, 0, 0]);
  assert.deepEqual(cam.offset, [0, 0]);
});

test('setView clamps what a hand-edited link could set out of range', () => {
  const cam = createCamera();
  cam.setView({ distance: 1e6, phi: 3 });
  assert.ok(cam.distance <= 20 && cam.phi < Math.PI / 2);
});

test('coincident neighbours form one group with every member, nearest first', () => {
  // neighbours 0 and 2 at one place, 1, 3 and 4 at another (within the rounding), 5 alone
  const xy = new Float32Array([0.5, 0.5, -0.2, 0.1, 0.5, 0.5, -0.2, 0.1, -0.2004, 0.1003, 0.9, -0.9]);
  const groups = groupCoincident(xy, 6, 0.01);
  assert.deepEqual(groups.map((g) => g.members), [[0, 2], [1, 3, 4], [5]]);
  assert.deepEqual([groups[0].x, groups[0].y], [0.5, 0.5]);
  assert.equal(groups.reduce((n, g) => n + g.members.length, 0), 6);
  // distinct places stay apart however close the rounding puts them
  assert.equal(groupCoincident(new Float32Array([0, 0, 0.05, 0]), 2, 0.01).length, 2);
});

test('the plot frame holds the origin and every neighbour inside its margin', () => {
  const xy = new Float32Array([0.4, 0.1, 0.9, -0.3, 0.2, 0.6]);
  const frame = plotFrame(xy, 3);
  const spots = [frame.at(0, 0), ...[0, 1, 2].map((j) => frame.at(xy[2 * j], xy[2 * j + 1]))];
  for (const { left, top } of spots) assert.ok(left >= 5.99 && left <= 94.01 && top >= 5.99 && top <= 94.01, `${left},${top}`);
  assert.ok(frame.at(0.9, 0).left > frame.at(0, 0).left && frame.at(0, 0.6).top < frame.at(0, 0).top);
});

test('the full-screen link takes the frame\'s hash in place of its own', () => {
  assert.equal(withHash('explorer/index.html', '#p=5&v=1,1,1,0,0,0'), 'explorer/index.html#p=5&v=1,1,1,0,0,0');
  assert.equal(withHash('explorer/index.html#p=5', '#p=7'), 'explorer/index.html#p=7');
  assert.equal(withHash('explorer/index.html#p=5', ''), 'explorer/index.html');
  assert.equal(withHash('explorer/index.html#p=5', '#'), 'explorer/index.html');
});
