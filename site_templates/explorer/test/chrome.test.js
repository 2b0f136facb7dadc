import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startupError } from '../src/ui/chrome.js';

test('opened from file://, the reader is told how to serve the site', () => {
  const shown = startupError('file:', 'Failed to fetch');
  assert.match(shown.message, /python -m builder serve/);
  assert.doesNotMatch(shown.message, /Failed to fetch/);
});

test('served over HTTP, the error itself is shown', () => {
  assert.deepEqual(startupError('http:', 'HTTP 404'), { title: 'The explorer failed to start', message: 'HTTP 404' });
  assert.equal(startupError('https:', 'bad schema', true).title, 'This dataset cannot be shown');
});
