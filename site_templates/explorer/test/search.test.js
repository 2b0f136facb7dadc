import test from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, matchCaptions, highlightRanges } from '../src/search.js';
import { lowerBound, captionRange } from '../src/data/captions.js';
import { parseHash, formatHash } from '../src/router.js';

test('tokenize lower-cases and splits on spaces and punctuation', () => {
  assert.deepEqual(tokenize('  Red, CIRCLE! '), ['red', 'circle']);
  assert.deepEqual(tokenize(''), []);
});

test('every word must occur; substrings count', () => {
  const texts = ['a red circle', 'a blue circle', 'red square', '<img src=x onerror=alert(1)>'];
  assert.deepEqual(matchCaptions(texts, 'red'), [0, 2]);
  assert.deepEqual(matchCaptions(texts, 'RED cir'), [0]);
  assert.deepEqual(matchCaptions(texts, 'onerror'), [3]);
  assert.deepEqual(matchCaptions(texts, '   '), []);
});

test('highlight ranges are merged and sorted', () => {
  assert.deepEqual(highlightRanges('a red redder', 'red'), [[2, 5], [6, 9]]);
  assert.deepEqual(highlightRanges('abcd', 'abc bcd'), [[0, 4]]);
});

test('captions of an image are a contiguous run', () => {
  const captionImage = new Uint32Array([0, 0, 1, 3, 3, 3]);
  assert.equal(lowerBound(captionImage, 3), 3);
  assert.deepEqual(captionRange(captionImage, 0), [0, 2]);
  assert.deepEqual(captionRange(captionImage, 2), [3, 3]); // no captions
  assert.deepEqual(captionRange(captionImage, 3), [3, 6]);
});

test('the hash round-trips a view', () => {
  const view = { dataset: 'demo', point: 123, colorBy: 'category', query: 'red circle' };
  assert.deepEqual(parseHash(formatHash(view)), view);
  assert.deepEqual(parseHash('#p=abc&c=bogus'), { dataset: '', point: -1, colorBy: '', query: '' });
});
