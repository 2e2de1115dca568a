// A static file server for the built app (dist/): `node tests/serve.mjs [dir] [port] [base]`,
// e.g. `node tests/serve.mjs dist 8080 /convlab/` serves the folder under a sub-path, as a
// GitHub Pages project site does. Also imported by the browser tests (startServer). Binds to
// 127.0.0.1 only. Like the static hosts the app is deployed on, it gzips text and wasm for
// clients that accept it and answers revalidations (ETag) with 304, and it counts the bytes
// it sends (the first-visit transfer the browser tests print).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};
/// Types a static host compresses (data files and PNGs are sent as they are).
const COMPRESSED = new Set(['.html', '.js', '.mjs', '.css', '.wasm', '.json', '.svg', '.txt']);

const BAD = Symbol('malformed path');
const OUTSIDE = Symbol('outside the root');

/// The file a request path names under `root` (an absolute, resolved folder), or BAD for a
/// path that does not decode (`/%`), or OUTSIDE for one that leaves the root
/// (`/..%2fsibling/x`): the check compares whole path components, so `/root-old` is not
/// inside `/root`.
export function resolvePath(root, reqUrl) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(reqUrl, 'http://127.0.0.1').pathname);
  } catch {
    return BAD;
  }
  if (pathname.includes('\0')) return BAD;
  const file = path.resolve(root, '.' + path.sep + pathname);
  if (file !== root && !file.startsWith(root + path.sep)) return OUTSIDE;
  return file;
}

/// Serves `dir` on 127.0.0.1:`port` (0: any free port) under the URL path `base` ("/" or a
/// sub-path such as "/convlab/"; anything outside it is 404, and the sub-path without its
/// final slash redirects to it, as static hosts do). `server.bytesSent` counts the bytes of
/// every response body (after compression); `server.requests` lists `[path, status, bytes]`.
export function startServer(dir, port = 0, base = '/') {
  const root = path.resolve(dir);
  if (!base.startsWith('/') || !base.endsWith('/')) throw new Error(`base must start and end with "/": ${base}`);
  const gzipped = new Map();
  const server = http.createServer((req, res) => {
    const send = (status, headers, body) => {
      const n = body ? body.length : 0;
      server.bytesSent += n;
      server.requests.push([req.url, status, n]);
      res.writeHead(status, headers).end(body);
    };
    const url = req.url ?? '/';
    if (base !== '/' && (url === base.slice(0, -1) || url.startsWith(base.slice(0, -1) + '?'))) {
      send(301, { location: base + url.slice(base.length - 1) }, null);
      return;
    }
    if (!url.startsWith(base)) {
      send(404, { 'content-type': 'text/plain' }, Buffer.from('not found'));
      return;
    }
    let file = resolvePath(root, '/' + url.slice(base.length));
    if (file === BAD) {
      send(400, { 'content-type': 'text/plain' }, Buffer.from('bad request'));
      return;
    }
    if (file === OUTSIDE) {
      send(403, { 'content-type': 'text/plain' }, Buffer.from('forbidden'));
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        send(404, { 'content-type': 'text/plain' }, Buffer.from('not found'));
        return;
      }
      const ext = path.extname(file);
      const etag = '"' + crypto.createHash('sha1').update(body).digest('base64url') + '"';
      const headers = {
        'content-type': TYPES[ext] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
        etag,
        vary: 'accept-encoding',
      };
      if (req.headers['if-none-match'] === etag) {
        send(304, headers, null);
        return;
      }
      if (COMPRESSED.has(ext) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        const key = `${file}:${etag}`;
        if (!gzipped.has(key)) gzipped.set(key, zlib.gzipSync(body, { level: 6 }));
        headers['content-encoding'] = 'gzip';
        send(200, headers, gzipped.get(key));
        return;
      }
      send(200, headers, body);
    });
  });
  server.bytesSent = 0;
  server.requests = [];
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? 'dist';
  const port = Number(process.argv[3] ?? 8080);
  const base = process.argv[4] ?? '/';
  const server = await startServer(dir, port, base);
  console.log(`convlab: serving ${dir} at http://127.0.0.1:${server.address().port}${base} (Ctrl-C to stop)`);
}
