// Trunk post-build hook: lists every file of the build in sw-manifest.json, which the
// service worker (sw.js) caches on install so the app works offline after a first visit.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error('TRUNK_STAGING_DIR is not set (run as a Trunk hook)');
const files = [];
(function walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (!['sw.js', 'sw-manifest.json'].includes(e.name) && !e.name.endsWith('.txt')) {
      files.push('./' + path.relative(dir, p).split(path.sep).join('/'));
    }
  }
})(dir);
files.sort();
fs.writeFileSync(path.join(dir, 'sw-manifest.json'), JSON.stringify({ files }, null, 1));
console.log(`sw-manifest.json: ${files.length} files`);
