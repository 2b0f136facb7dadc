import test from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, matchCaptions, highlightRanges, searchAll, countText } from '../src/search.js';
import { createItems } from '../src/data/items.js';
import { lowerBound, captionRange, createCaptions } from '../src/data/captions.js';
import { parseHash, formatHash } from '../src/router.js';

test('tokenize lower-cases and splits on anything that is not a letter, digit or mark', () => {
  assert.deepEqual(tokenize('  Red, CIRCLE! '), ['red', 'circle']);
  assert.deepEqual(tokenize('Café—naïve'), ['café', 'naïve']);
  assert.deepEqual(tokenize('cafe\u0301'), ['café']); // decomposed é is the same word
  assert.deepEqual(tokenize(''), []);
  assert.deepEqual(tokenize('(*)'), []);
});

test('words match whole words only, case-insensitively', () => {
  const texts = ['a red circle', 'red square', 'a checkered flag', 'reddish sky', 'bored', 'red-green, red.']
    .map((t) => t.toLowerCase());
  assert.deepEqual(matchCaptions(texts, 'red'), [0, 1, 5]);
  assert.deepEqual(matchCaptions(texts, 'RED'), [0, 1, 5]);
  assert.deepEqual(matchCaptions(texts, 'green'), [5]);
  assert.deepEqual(matchCaptions(texts, 'redd'), []);
  assert.deepEqual(matchCaptions(texts, 'checkered'), [2]);
  assert.deepEqual(matchCaptions(texts, '   '), []);
  assert.deepEqual(matchCaptions(['<img src=x onerror=alert(1)>'], 'onerror'), [0]);
});

test('a multi-word query needs every word, each whole, in the same text', () => {
  const texts = ['a red circle', 'a red square', 'red circles', 'circle of checkered red'];
  assert.deepEqual(matchCaptions(texts, 'red circle'), [0, 3]);
  assert.deepEqual(matchCaptions(texts, 'circle red'), [0, 3]);
  assert.deepEqual(matchCaptions(texts, 'red cir'), []); // no prefixes
});

test('unicode letters are part of words', () => {
  const texts = ['un café noir', 'cafe au lait', 'cafés', 'naïve art', 'ünder'].map((t) => t.toLowerCase());
  assert.deepEqual(matchCaptions(texts, 'café'), [0]);
  assert.deepEqual(matchCaptions(texts, 'CAFÉ'), [0]);
  assert.deepEqual(matchCaptions(texts, 'caf'), []); // é is a letter: "caf" is not a word of "café"
  assert.deepEqual(matchCaptions(texts, 'cafe'), [1]);
  assert.deepEqual(matchCaptions(texts, 'na'), []);
  assert.deepEqual(matchCaptions(texts, 'nder'), []);
  assert.deepEqual(matchCaptions(['猫 on a mat'], '猫'), [0]);
});

test('highlight ranges mark whole words only, merged and sorted', () => {
  assert.deepEqual(highlightRanges('a red redder', 'red'), [[2, 5]]);
  assert.deepEqual(highlightRanges('Red, checkered and RED.', 'red'), [[0, 3], [19, 22]]);
  assert.deepEqual(highlightRanges('a red circle', 'circle red'), [[2, 5], [6, 12]]);
  assert.deepEqual(highlightRanges('Un Café, cafés', 'café'), [[3, 7]]);
  assert.deepEqual(highlightRanges('abcd', 'abc bcd'), []);
  assert.deepEqual(highlightRanges('red-red', 'red'), [[0, 3], [4, 7]]);
});

test('images match by label values, id or file name; the count names the kinds', () => {
  const items = createItems({
    ids: ['img-1', 'img-2', 'red-3', 'img-4'],
    files: ['a/one.png', 'a/two.png', 'b/three.png', 'red/four.png'],
    labels: [{ colour: 'red', shape: 'circle' }, { colour: 'blue' }, { colour: 'bordered' }, {}],
  });
  const index = { I: 4, captions: ['a red circle', 'checkered', 'red'], items: items.lowered() };
  const hits = searchAll(index, 'red');
  assert.deepEqual(hits, [
    { p: 0, kind: 'label' }, { p: 2, kind: 'id' }, { p: 3, kind: 'file' },
    { p: 4, kind: 'caption' }, { p: 6, kind: 'caption' },
  ]);
  assert.equal(countText(hits), '2 captions · 1 image by label · 1 id · 1 file name');
  assert.deepEqual(searchAll(index, 'colour'), []); // field names are not values
  assert.deepEqual(searchAll(index, 'two png'), [{ p: 1, kind: 'file' }]);
  assert.deepEqual(searchAll({ ...index, items: null }, 'red').map((m) => m.kind), ['caption', 'caption']);
  assert.equal(countText([]), 'no matches');
  assert.equal(items.labelText(0), 'colour: red · shape: circle');
  assert.equal(items.file(3), 'red/four.png');
  assert.equal(createItems({ ids: ['x'] }).file(0), ''); // an older items.json has no files
});

test('captions of an image are a contiguous run', () => {
  const captionImage = new Uint32Array([0, 0, 1, 3, 3, 3]);
  assert.equal(lowerBound(captionImage, 3), 3);
  assert.deepEqual(captionRange(captionImage, 0), [0, 2]);
  assert.deepEqual(captionRange(captionImage, 2), [3, 3]); // no captions
  assert.deepEqual(captionRange(captionImage, 3), [3, 6]);
});

test('the hash round-trips a view', () => {
  const view = { dataset: 'demo', point: 123, colorBy: 'category', query: 'red circle', field: '', grey: false, value: '',
    pictures: true, projection: '', selection: '' };
  assert.deepEqual(parseHash(formatHash(view)), view);
  assert.deepEqual(parseHash('#p=abc&c=bogus&g=yes&pr=No%20Such'),
    { dataset: '', point: -1, colorBy: '', query: '', field: '', grey: false, value: '', pictures: true, projection: '',
      selection: '' });
  // pictures off is kept as t=0; on (the default) leaves the hash clean
  assert.equal(formatHash({ ...view, pictures: false }), '#d=demo&p=123&c=category&q=red+circle&t=0');
  assert.equal(parseHash(formatHash({ ...view, pictures: false })).pictures, false);
  // the projection and a selection (selection/encode.js) ride along
  const chosen = { ...view, projection: 'tsne', selection: 'AAEC-_' };
  assert.equal(formatHash(chosen), '#d=demo&p=123&c=category&q=red+circle&pr=tsne&s=AAEC-_');
  assert.deepEqual(parseHash(formatHash(chosen)), chosen);
  // a label field by its name (dataset text, encoded), captions grey, an isolated value
  const field = { ...view, colorBy: '', field: 'super category & <b>', grey: true, value: 'a/b=c' };
  assert.equal(formatHash(field), '#d=demo&p=123&q=red+circle&f=super+category+%26+%3Cb%3E&g=1&i=a%2Fb%3Dc');
  assert.deepEqual(parseHash(formatHash(field)), field);
});

test('a result and the card name the item: caption text, labels, id, file', async () => {
  const { matchText, itemText } = await import('../src/ui/describe.js');
  const items = createItems({ ids: ['a-1', 'a-2'], files: ['x/1.png', 'x/2.png'], labels: [{ colour: 'red' }, {}] });
  const bytes = new TextEncoder().encode('firstsecond');
  const captions = createCaptions(bytes, new Uint32Array([0, 5, 11]), new Uint32Array([0, 1]), 2);
  const ctx = { I: 2, captions, items };
  assert.equal(matchText(ctx, { p: 3, kind: 'caption' }), 'second');
  assert.equal(matchText(ctx, { p: 0, kind: 'label' }), 'colour: red');
  assert.equal(matchText(ctx, { p: 1, kind: 'id' }), 'a-2');
  assert.equal(matchText(ctx, { p: 1, kind: 'file' }), 'x/2.png');
  assert.equal(itemText(ctx, 0), 'id a-1 · file x/1.png');
  assert.equal(itemText(ctx, 3), 'id a-2 · file x/2.png'); // a caption names its image
  assert.equal(itemText({ ...ctx, items: null }, 0), '');
});
