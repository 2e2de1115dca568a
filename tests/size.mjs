// Prints the gzip transfer size of the release app shell (wasm + JS + CSS + HTML, without
// data or weights) and fails when it is over the 3.5 MB budget.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dir = process.argv[2] ?? 'dist';
const BUDGET = 3.5e6;
let raw = 0;
let gz = 0;
for (const name of fs.readdirSync(dir)) {
  if (!/\.(wasm|js|css|html)$/.test(name)) continue;
  const body = fs.readFileSync(path.join(dir, name));
  const z = zlib.gzipSync(body, { level: 9 }).length;
  raw += body.length;
  gz += z;
  console.log(`${name.padEnd(40)} ${(body.length / 1e6).toFixed(2).padStart(7)} MB raw ${(z / 1e6).toFixed(2).padStart(6)} MB gzip`);
}
console.log(`app shell: ${(raw / 1e6).toFixed(2)} MB raw, ${(gz / 1e6).toFixed(2)} MB gzip (budget ${BUDGET / 1e6} MB gzip)`);
if (gz > BUDGET) {
  console.error('the app shell is over its size budget');
  process.exit(1);
}
