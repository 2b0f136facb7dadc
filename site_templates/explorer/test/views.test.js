import test from 'node:test';
import assert from 'node:assert/strict';
import { panelShift, underPanel } from '../src/ui/geometry.js';
import { overlayShapes } from '../src/views.js';

const SIDE = { layout: 'side', width: 380, inset: 12, sheet: 0.55 };
const SHEET = { ...SIDE, layout: 'sheet' };

test('a side panel shifts the point left by half the panel and its insets, at most 40% of the width', () => {
  assert.deepEqual(panelShift(1200, 800, SIDE), [-(380 + 24) / 2, 0]);
  assert.deepEqual(panelShift(800, 800, SIDE), [-(320 + 24) / 2, 0]);
  assert.deepEqual(panelShift(600, 800, SHEET), [0, -0.55 * 800 / 2]);
});

test('a click counts as under the panel near or past its edge', () => {
  // side panel at 1200 wide: its left edge is at 1200 - 404 = 796
  assert.equal(underPanel(700, 400, 1200, 800, SIDE, 24), false);
  assert.equal(underPanel(780, 400, 1200, 800, SIDE, 24), true);
  // bottom sheet at 800 high: its top edge is at 360
  assert.equal(underPanel(300, 300, 600, 800, SHEET, 24), false);
  assert.equal(underPanel(300, 350, 600, 800, SHEET, 24), true);
});

test('overlay: neighbour, selection and hover rings; lines from the focused image to its captions', () => {
  const captions = { imageOfPoint: (p) => (p < 10 ? p : 3), ofImage: (img) => (img === 3 ? [0, 1] : []) };
  const [rings, segments] = overlayShapes({ hover: -1, selected: 3, local: { neighbours: [4, 5] } }, captions, 10);
  assert.deepEqual(rings.map((r) => [r.p, r.size]), [[4, 11], [5, 11], [3, 22]]);
  assert.deepEqual(segments, [[3, 10], [3, 11]]);
  const [hoverRings, hoverLines] = overlayShapes({ hover: 11, selected: -1, local: null }, captions, 10);
  assert.deepEqual(hoverRings.map((r) => r.p), [11]);
  assert.deepEqual(hoverLines, [[3, 10], [3, 11]]); // a caption: its image's lines
  assert.deepEqual(overlayShapes({ hover: 2, selected: -1, local: null }, null, 10)[1], []); // no text yet
});
