import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { fetchJSON, fetchBytes } from '../src/data/fetch.js';
import { loadIndex, SchemaError } from '../src/data/manifest.js';

/** A real HTTP server on 127.0.0.1 serving a few fixed bodies. */
async function serve(routes) {
  const server = http.createServer((req, res) => {
    const body = routes[req.url];
    res.writeHead(body === undefined ? 404 : 200);
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

test('fetchJSON and fetchBytes: bodies, and errors that name the URL', async () => {
  const s = await serve({ '/a.json': '{"x": [1, 2]}', '/b.bin': Buffer.from([1, 2, 255]), '/bad.json': '{nope' });
  try {
    assert.deepEqual(await fetchJSON(`${s.base}/a.json`), { x: [1, 2] });
    assert.deepEqual([...new Uint8Array(await fetchBytes(`${s.base}/b.bin`))], [1, 2, 255]);
    await assert.rejects(fetchBytes(`${s.base}/missing.bin`), { message: `could not load ${s.base}/missing.bin (HTTP 404)` });
    await assert.rejects(fetchJSON(`${s.base}/bad.json`), { message: `${s.base}/bad.json is not valid JSON` });
    // the explorer's loader turns the same failures into SchemaError (shown as "cannot be shown")
    await assert.rejects(loadIndex(`${s.base}/explorer/index.html`), (e) => e instanceof SchemaError && /HTTP 404/.test(e.message));
  } finally {
    s.close();
  }
});
