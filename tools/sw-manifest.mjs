// Trunk post-build hook: writes the app shell's file list, the compute worker builds' file
// lists and the build's version into the service worker (sw.js), and sw-manifest.json with the
// same (read by the tests and tests/size.mjs). The shell is what every first visit needs
// (HTML, JS, CSS, the UI's wasm); a visit adds the files of one worker build, the one the page
// chose (src/ui/client.rs); data and weights are cached when a lab first uses them. The
// version is a hash of all these files' contents, so each build gets its own cache and a
// changed sw.js (which is how browsers notice a new build).
// It also writes an empty .nojekyll, so GitHub Pages serves the folder as it is.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error('TRUNK_STAGING_DIR is not set (run as a Trunk hook)');
const shellFiles = fs
  .readdirSync(dir, { withFileTypes: true })
  .filter((e) => e.isFile() && /\.(html|js|css|wasm)$/.test(e.name) && e.name !== 'sw.js')
  .map((e) => e.name)
  .sort();
const hash = crypto.createHash('sha256');
let bytes = 0;
for (const name of shellFiles) {
  const body = fs.readFileSync(path.join(dir, name));
  bytes += body.length;
  hash.update(name).update(body);
}
const version = hash.digest('hex').slice(0, 16);
// The worker builds (index.html: Trunk's `worker` and `worker_relaxed` bins), each its JS, its
// wasm and its loader shim, by the names the page and sw.js know them by.
const BUILDS = { simd128: 'worker', relaxed: 'worker_relaxed' };
const workers = {};
for (const [id, bin] of Object.entries(BUILDS)) {
  const files = [`${bin}.js`, `${bin}_bg.wasm`, `${bin}_loader.js`];
  for (const f of files) {
    if (!shellFiles.includes(f)) throw new Error(`the worker build ${id} has no ${f}`);
  }
  workers[id] = files.map((f) => './' + f);
}
const inWorkers = new Set(Object.values(workers).flat());
// index.html is the page at './' (and './index.html' is not asked for).
const shell = [
  './',
  ...shellFiles.filter((f) => f !== 'index.html').map((f) => './' + f).filter((f) => !inWorkers.has(f)),
];
const swPath = path.join(dir, 'sw.js');
const sw = fs.readFileSync(swPath, 'utf8');
const out = sw
  .replace(/^const VERSION = 'dev';$/m, `const VERSION = '${version}';`)
  .replace(/^const SHELL = \['\.\/'\];$/m, `const SHELL = ${JSON.stringify(shell)};`)
  .replace(/^const WORKERS = \{\};$/m, `const WORKERS = ${JSON.stringify(workers)};`);
if (!out.includes(version) || !out.includes('"./app') || !out.includes('worker_relaxed_bg.wasm')) {
  throw new Error('sw.js: the VERSION, SHELL and WORKERS placeholders were not found');
}
fs.writeFileSync(swPath, out);
fs.writeFileSync(path.join(dir, '.nojekyll'), '');
fs.writeFileSync(path.join(dir, 'sw-manifest.json'), JSON.stringify({ version, shell, workers }, null, 1));
console.log(`sw.js: shell of ${shell.length} files and ${Object.keys(workers).length} worker builds (${(bytes / 1e6).toFixed(2)} MB raw in all), version ${version}`);
