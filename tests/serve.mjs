// A static file server for the built app (dist/): `node tests/serve.mjs [dir] [port]`.
// Also imported by the browser tests (startServer). Binds to 127.0.0.1 only.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
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

export function startServer(dir, port = 0) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    let file = resolvePath(root, req.url);
    if (file === BAD) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
      return;
    }
    if (file === OUTSIDE) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden');
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      });
      res.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? 'dist';
  const port = Number(process.argv[3] ?? 8080);
  const server = await startServer(dir, port);
  console.log(`convlab: serving ${dir} at http://127.0.0.1:${server.address().port}/ (Ctrl-C to stop)`);
}
