import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atlasCell } from '../src/ui/thumbs.js';

const atlas = { cols: 32, rows: 32, count: 1024 + 300 };

test('a full page is cols x rows cells, row-major from the top-left', () => {
  assert.deepEqual(atlasCell(atlas, 0), { page: 0, col: 0, row: 0, pageCols: 32, pageRows: 32 });
  assert.deepEqual(atlasCell(atlas, 33), { page: 0, col: 1, row: 1, pageCols: 32, pageRows: 32 });
  assert.deepEqual(atlasCell(atlas, 1023), { page: 0, col: 31, row: 31, pageCols: 32, pageRows: 32 });
});

test('the last, partial page is only as tall as the rows it uses', () => {
  // 300 images on page 1: 9 full rows of 32 and 12 on the tenth
  assert.deepEqual(atlasCell(atlas, 1024), { page: 1, col: 0, row: 0, pageCols: 32, pageRows: 10 });
  assert.deepEqual(atlasCell(atlas, 1024 + 299), { page: 1, col: 11, row: 9, pageCols: 32, pageRows: 10 });
  assert.equal(atlasCell({ cols: 32, rows: 32, count: 32 }, 5).pageRows, 1);
  assert.equal(atlasCell({ cols: 32, rows: 32, count: 2048 }, 2047).pageRows, 32);
});
