// Prints the gzip transfer size of the release app shell (wasm + JS + CSS + HTML, without
// data or weights) as a visitor gets it: the common files and one of the compute worker
// builds (sw-manifest.json's lists; the page loads one, src/ui/client.rs). Fails when the
// larger of those visits is over the 3.5 MB budget.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = process.argv[2] ?? 'dist';
const BUDGET = 3.5e6;
const { workers } = JSON.parse(fs.readFileSync(path.join(dir, 'sw-manifest.json'), 'utf8'));
const owner = new Map();
for (const [id, files] of Object.entries(workers)) for (const f of files) owner.set(path.basename(f), id);
const common = { raw: 0, gz: 0 };
const builds = Object.fromEntries(Object.keys(workers).map((id) => [id, { raw: 0, gz: 0 }]));
for (const name of fs.readdirSync(dir).sort()) {
  if (!/\.(wasm|js|css|html)$/.test(name) || name === 'sw.js') continue;
  const body = fs.readFileSync(path.join(dir, name));
  const z = zlib.gzipSync(body, { level: 9 }).length;
  const sum = owner.has(name) ? builds[owner.get(name)] : common;
  sum.raw += body.length;
  sum.gz += z;
  const who = owner.has(name) ? `worker build ${owner.get(name)}` : 'every visit';
  console.log(`${name.padEnd(40)} ${(body.length / 1e6).toFixed(2).padStart(7)} MB raw ${(z / 1e6).toFixed(2).padStart(6)} MB gzip  (${who})`);
}
let worst = 0;
for (const [id, b] of Object.entries(builds)) {
  const raw = common.raw + b.raw;
  const gz = common.gz + b.gz;
  worst = Math.max(worst, gz);
  console.log(`app shell with the ${id} worker: ${(raw / 1e6).toFixed(2)} MB raw, ${(gz / 1e6).toFixed(2)} MB gzip (budget ${BUDGET / 1e6} MB gzip)`);
}
if (worst > BUDGET) {
  console.error('the app shell is over its size budget');
  process.exit(1);
}
