import test from 'node:test';
import assert from 'node:assert/strict';
import { pointInPolygon, boxPolygon, pointsInside, combine, isArea } from '../src/selection/lasso.js';
import { encodeSelection, decodeSelection } from '../src/selection/encode.js';
import { csvCell, toCsv, selectionRows, toJson } from '../src/selection/export.js';
import { fieldCounts, modalityCounts, topWords, nearestByNeighbours, nearestByMeanDirection, evenSample }
  from '../src/selection/summary.js';

const U = (a) => Uint32Array.from(a);

test('point in polygon: a concave lasso (a U shape) keeps its notch out', () => {
  const u = [[0, 0], [30, 0], [30, 30], [20, 30], [20, 10], [10, 10], [10, 30], [0, 30]];
  assert.equal(pointInPolygon(5, 20, u), true); // left arm
  assert.equal(pointInPolygon(25, 20, u), true); // right arm
  assert.equal(pointInPolygon(15, 20, u), false); // the notch
  assert.equal(pointInPolygon(15, 5, u), true); // the base
  assert.equal(pointInPolygon(35, 5, u), false);
  assert.equal(pointInPolygon(-1, 5, u), false);
});

test('box: corners in any order; points inside a box or lasso, off-screen (NaN) points never', () => {
  assert.deepEqual(boxPolygon([10, 20], [0, 5]), [[0, 5], [10, 5], [10, 20], [0, 20]]);
  const xy = Float32Array.from([1, 1, 4, 4, 9, 9, 11, 5, NaN, NaN, 5, 30]);
  assert.deepEqual([...pointsInside(xy, boxPolygon([0, 0], [10, 10]))], [0, 1, 2]);
  const tri = [[0, 0], [10, 0], [0, 10]];
  assert.deepEqual([...pointsInside(xy, tri)], [0, 1]);
  assert.equal(isArea([[0, 0], [1, 0], [0, 1]]), false); // a click, not a lasso
  assert.equal(pointsInside(xy, [[0, 0], [10, 10]]).length, 0);
});

test('combine: replace, add (a sorted union), subtract; nothing left is null', () => {
  assert.deepEqual([...combine(U([1, 5]), U([2, 5, 9]), 'replace')], [2, 5, 9]);
  assert.deepEqual([...combine(U([1, 5, 12]), U([2, 5, 9]), 'add')], [1, 2, 5, 9, 12]);
  assert.deepEqual([...combine(null, U([3]), 'add')], [3]);
  assert.deepEqual([...combine(U([1, 5, 12]), U([5, 12, 40]), 'subtract')], [1]);
  assert.equal(combine(U([5]), U([5]), 'subtract'), null);
  assert.equal(combine(null, U([5]), 'subtract'), null);
  assert.equal(combine(U([5]), U([]), 'replace'), null);
});

test('selection encoding round-trips runs, gaps, large indices and the first point', () => {
  const cases = [[0], [7], [0, 1, 2, 3, 4], [5, 200, 201, 70000, 999999], Array.from({ length: 2000 }, (_, i) => i * 37 + 11)];
  for (const c of cases) {
    const text = encodeSelection(U(c));
    assert.match(text, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual([...decodeSelection(text, 1e6)], c);
  }
  // a run costs one byte (4/3 characters) per point
  assert.ok(encodeSelection(U(Array.from({ length: 1000 }, (_, i) => i + 500))).length < 1400);
});

test('selection decoding refuses what is not a selection of this dataset', () => {
  assert.equal(decodeSelection('', 10), null);
  assert.equal(decodeSelection('ab+c', 10), null); // not URL-safe base64
  assert.equal(decodeSelection(encodeSelection(U([3, 12])), 10), null); // 12 is out of range
  assert.equal(decodeSelection('_w', 10), null); // a varint that never ends
  assert.deepEqual([...decodeSelection(encodeSelection(U([3, 9])), 10)], [3, 9]);
});

test('CSV cells: commas, quotes and line breaks are quoted; formulas are defused', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a, b'), '"a, b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('cr\rhere'), '"cr\rhere"');
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), '"\'=HYPERLINK(""http://x"",""y"")"');
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('-2+3'), "'-2+3");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tcmd'), "'\tcmd");
  assert.equal(csvCell(-0.5), '-0.5'); // a number is a number
  assert.equal(csvCell(null), '');
  assert.equal(toCsv([{ a: 1, b: 'x,y' }], ['a', 'b']), 'a,b\r\n1,"x,y"\r\n');
});

test('selection rows: images and captions with ids, files, captions, labels and positions', () => {
  const items = { id: (i) => `id${i}`, file: (i) => `f${i}.png` };
  const captions = { imageOf: (c) => [0, 0, 1][c], text: (c) => ['a red "disc"', '=1+1', 'blue'][c] };
  const fields = [{ field: 'colour', names: ['red', 'blue'], values: Uint8Array.from([0, 1, 0, 0, 255]) }];
  const position = (p) => [p, -p / 3, 0.5];
  const { columns, rows } = selectionRows(U([0, 3, 4]), { I: 2, items, captions, fields, position, projection: 'pca' });
  assert.deepEqual(columns, ['point', 'kind', 'id', 'file', 'caption', 'label:colour', 'projection', 'x', 'y', 'z']);
  assert.deepEqual(rows.map((r) => [r.point, r.kind, r.id, r.file, r.caption, r['label:colour']]), [
    [0, 'image', 'id0', 'f0.png', '', 'red'], [3, 'caption', 'id0', 'f0.png', '=1+1', 'red'],
    [4, 'caption', 'id1', 'f1.png', 'blue', '']]);
  assert.deepEqual([rows[1].x, rows[1].y, rows[1].z], [3, -1, 0.5]);
  const csv = toCsv(rows, columns).split('\r\n');
  assert.equal(csv[2], "3,caption,id0,f0.png,'=1+1,red,pca,3,-1,0.5");
  const json = JSON.parse(toJson({ columns, rows }, { dataset: 'd' }));
  assert.equal(json.count, 3);
  assert.equal(json.rows[1].caption, '=1+1'); // JSON keeps the text as it is
});

test('summary: modality and field counts, caption words, nearest captions two ways', () => {
  const sel = U([0, 1, 5, 6]);
  assert.deepEqual(modalityCounts(sel, 4), { images: 2, captions: 2 });
  assert.deepEqual(fieldCounts(sel, Uint8Array.from([1, 0, 0, 0, 0, 1, 255]), ['red', 'blue']),
    [{ name: 'blue', count: 2 }, { name: '(none)', count: 1 }, { name: 'red', count: 1 }]);
  assert.deepEqual(topWords(['A red circle on the grass', 'a red square', 'Red circle!'], 2),
    [{ word: 'red', count: 3 }, { word: 'circle', count: 2 }]);
  assert.deepEqual(evenSample(U([1, 2, 3, 4, 5, 6]), 3), [1, 3, 5]);
  assert.deepEqual(nearestByNeighbours([[5, 1, 7], [7, 6], [7, 2]], 4, 2), [{ p: 7, count: 3 }, { p: 5, count: 1 }]);
  // int8 index: 2 image rows pointing along x, captions along x, y and -x
  const dim = 2;
  const index = Int8Array.from([127, 0, 120, 10, 127, 0, 0, 127, -127, 0]);
  const scales = Float32Array.from([1 / 127, 1 / 127, 1 / 127, 1 / 127, 1 / 127]);
  const top = nearestByMeanDirection(index, scales, dim, U([0, 1]), 2, 2);
  assert.deepEqual(top.map((t) => t.p), [2, 3]);
  assert.ok(Math.abs(top[0].score - 1) < 0.01 && Math.abs(top[1].score) < 0.05);
});
