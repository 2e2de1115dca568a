// Trunk post-build hook: writes the app shell's file list and the build's version into the
// service worker (sw.js), and sw-manifest.json with the same (read by the tests). The shell
// is what a first visit needs (HTML, JS, CSS, both wasm files); data and weights are cached
// when a lab first uses them. The version is a hash of the shell files' contents, so each
// build gets its own cache and a changed sw.js (which is how browsers notice a new build).
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
// index.html is the page at './' (and './index.html' is not asked for).
const shell = ['./', ...shellFiles.filter((f) => f !== 'index.html').map((f) => './' + f)];
const swPath = path.join(dir, 'sw.js');
const sw = fs.readFileSync(swPath, 'utf8');
const out = sw
  .replace(/^const VERSION = 'dev';$/m, `const VERSION = '${version}';`)
  .replace(/^const SHELL = \['\.\/'\];$/m, `const SHELL = ${JSON.stringify(shell)};`);
if (out === sw || !out.includes(version) || !out.includes('worker_bg.wasm')) {
  throw new Error('sw.js: the VERSION and SHELL placeholders were not found');
}
fs.writeFileSync(swPath, out);
fs.writeFileSync(path.join(dir, '.nojekyll'), '');
fs.writeFileSync(path.join(dir, 'sw-manifest.json'), JSON.stringify({ version, shell }, null, 1));
console.log(`sw.js: shell of ${shell.length} files (${(bytes / 1e6).toFixed(2)} MB raw), version ${version}`);
