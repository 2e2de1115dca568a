// The static server answers 400 to a path that does not decode and 403 to one that leaves
// its folder (a sibling folder whose name starts with the root's included), and serves files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import zlib from 'node:zlib';
import { startServer } from './serve.mjs';

function get(port, rawPath, headers = {}) {
  return new Promise((resolve, reject) => {
    // http.request sends the path as given (no normalisation), like a hostile client.
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode, body: raw.toString(), raw, headers: res.headers });
      });
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
    const home = await get(port, '/');
    assert.deepEqual([home.status, home.body], [200, 'home']);
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

test('serve.mjs serves a sub-path like a project site, gzips wasm and answers revalidations with 304', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'convlab-serve-'));
  const root = path.join(base, 'dist');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'index.html'), 'home');
  const wasm = Buffer.alloc(100_000, 7);
  fs.writeFileSync(path.join(root, 'a.wasm'), wasm);
  const server = await startServer(root, 0, '/convlab/');
  const port = server.address().port;
  try {
    const home = await get(port, '/convlab/');
    assert.deepEqual([home.status, home.body], [200, 'home']);
    // The sub-path without its slash redirects (relative URLs need the slash), keeping the query.
    const bare = await get(port, '/convlab?page=cifar');
    assert.deepEqual([bare.status, bare.headers.location], [301, '/convlab/?page=cifar']);
    // Nothing outside the sub-path is served, and the root check still holds inside it.
    assert.equal((await get(port, '/')).status, 404);
    assert.equal((await get(port, '/index.html')).status, 404);
    assert.equal((await get(port, '/convlab/..%2f..%2fetc/passwd')).status, 403);
    // gzip for a client that accepts it; the body inflates to the file.
    const z = await get(port, '/convlab/a.wasm', { 'accept-encoding': 'gzip, br' });
    assert.equal(z.headers['content-encoding'], 'gzip');
    assert.ok(z.raw.length < 2_000, `compressed to ${z.raw.length} bytes`);
    assert.ok(zlib.gunzipSync(z.raw).equals(wasm));
    const plain = await get(port, '/convlab/a.wasm');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.raw.length, wasm.length);
    // A revalidation with the ETag sends no body.
    const again = await get(port, '/convlab/a.wasm', { 'if-none-match': plain.headers.etag });
    assert.deepEqual([again.status, again.raw.length], [304, 0]);
    // The byte counter saw every body: two wasm bodies, the home page and the error pages.
    assert.ok(server.bytesSent >= wasm.length + z.raw.length + 4, `bytesSent ${server.bytesSent}`);
    assert.ok(server.bytesSent < wasm.length + z.raw.length + 100, `bytesSent ${server.bytesSent}`);
  } finally {
    await new Promise((r) => server.close(r));
    fs.rmSync(base, { recursive: true, force: true });
  }
});
