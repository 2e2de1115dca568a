// The static server answers 400 to a path that does not decode and 403 to one that leaves
// its folder (a sibling folder whose name starts with the root's included), and serves files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { startServer } from './serve.mjs';

function get(port, rawPath) {
  return new Promise((resolve, reject) => {
    // http.request sends the path as given (no normalisation), like a hostile client.
    const req = http.request({ host: '127.0.0.1', port, path: rawPath }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serve.mjs refuses malformed and escaping paths and serves the root', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'convlab-serve-'));
  const root = path.join(base, 'dist');
  fs.mkdirSync(root);
  fs.mkdirSync(path.join(base, 'dist-old'));
  fs.writeFileSync(path.join(root, 'index.html'), 'home');
  fs.writeFileSync(path.join(base, 'dist-old', 'x'), 'secret');
  fs.writeFileSync(path.join(base, 'y'), 'secret');
  const server = await startServer(root, 0);
  const port = server.address().port;
  try {
    assert.deepEqual(await get(port, '/'), { status: 200, body: 'home' });
    assert.equal((await get(port, '/%')).status, 400);
    assert.equal((await get(port, '/%E0%A4%A')).status, 400);
    // An encoded separator survives URL parsing and would leave the root: refused.
    for (const p of ['/..%2fdist-old/x', '/..%2f..%2fy', '/%2e%2e%2fy']) {
      const r = await get(port, p);
      assert.equal(r.status, 403, p);
      assert.notEqual(r.body, 'secret', p);
    }
    // Plain dot segments are resolved by URL parsing first: they stay inside (not found).
    for (const p of ['/../dist-old/x', '/%2e%2e/y']) {
      const r = await get(port, p);
      assert.equal(r.status, 404, p);
    }
    assert.equal((await get(port, '/missing.js')).status, 404);
    // The server is still alive after the bad requests.
    assert.equal((await get(port, '/index.html')).status, 200);
  } finally {
    await new Promise((r) => server.close(r));
    fs.rmSync(base, { recursive: true, force: true });
  }
});
