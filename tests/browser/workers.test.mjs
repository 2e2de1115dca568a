// The compute worker's two builds (index.html, src/ui/client.rs): the same models, with gemm's
// wasm micro-kernels in SIMD128 (`worker`) or with relaxed SIMD's fused multiply-add
// (`worker_relaxed`, vendor/gemm-f32). A module with one relaxed-SIMD instruction does not load
// in a browser without relaxed SIMD (Firefox and Safari today), so the page loads the relaxed
// build only where its probe validates, and the service worker caches only the build the page
// runs (hosting.test.mjs checks the first visit's transfer).
//
// Each check was seen failing without its protection: with the page always loading the
// relaxed build, the page whose browser refuses relaxed SIMD asked for worker_relaxed_bg.wasm;
// with sw.js caching both builds, the first visit fetched the other build's wasm.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launch, tid, weightsHeader, DIST } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEIGHTS = path.resolve(here, '../../public/weights/hybridsn.clw');
const manifest = () => JSON.parse(fs.readFileSync(path.join(DIST, 'sw-manifest.json'), 'utf8'));
const wasmOf = (build) => manifest().workers[build].find((f) => f.endsWith('_bg.wasm')).slice(2);

/// What each build's badge says (src/worker/mod.rs, FLEX_NAME).
const NAMES = { simd128: 'burn Flex backend, SIMD128', relaxed: 'burn Flex backend, relaxed SIMD' };

/// A browser without relaxed SIMD, as far as the page's probe can tell: WebAssembly.validate
/// refuses any module holding `f32x4.relaxed_madd` (0xfd 0x85 0x02), as such a browser does.
/// Chromium has no switch to turn relaxed SIMD off, so this is the one way to see the page's
/// choice there; the build it then loads is checked against a real engine without relaxed
/// SIMD (Node's V8) by the first test.
function refuseRelaxedSimd() {
  const validate = WebAssembly.validate;
  WebAssembly.validate = (bytes, ...rest) => {
    const b = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
    for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xfd && b[i + 1] === 0x85 && b[i + 2] === 0x02) return false;
    return validate(bytes, ...rest);
  };
}

describe('the worker builds', () => {
  test('the SIMD128 build loads in an engine without relaxed SIMD, the relaxed build only with it', () => {
    // Node 20's V8 has SIMD128 and ships relaxed SIMD only behind a flag: the engine of a
    // browser without relaxed SIMD, and with the flag, one with it.
    const validates = (file, flags) =>
      execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write(String(WebAssembly.validate(require("fs").readFileSync(process.argv[1]))))', file], {
        encoding: 'utf8',
      });
    const simd128 = path.join(DIST, wasmOf('simd128'));
    const relaxed = path.join(DIST, wasmOf('relaxed'));
    assert.equal(validates(simd128, []), 'true', `${simd128} without relaxed SIMD`);
    assert.equal(validates(relaxed, []), 'false', `${relaxed} must need relaxed SIMD (else it is not the relaxed build)`);
    assert.equal(validates(relaxed, ['--experimental-wasm-relaxed-simd']), 'true', `${relaxed} with relaxed SIMD`);
  });

  describe('in Chromium (CPU fallback)', () => {
    let env;
    before(async () => {
      env = await launch({ webgpu: false });
    });
    after(async () => {
      await env?.close();
    });

    /// Opens the Hyperspectral lab with `query` (after `init` runs in the page, if given), maps
    /// the scene with the shipped weights, and returns the OA shown, the build the page asked
    /// for and the badge.
    async function pretrainedMap(query, init) {
      const page = await env.browser.newPage();
      const errors = [];
      page.on('pageerror', (err) => errors.push(String(err)));
      page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
      const wasm = [];
      page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(new URL(r.url()).pathname.slice(1)));
      if (init) await page.addInitScript(init);
      await page.goto(`${env.base}?page=hyperspectral${query}`);
      const badge = page.locator(tid('backend-badge'));
      await badge.filter({ hasText: 'CPU (WebAssembly)' }).waitFor({ timeout: 120_000 });
      await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
      await page.locator(tid('pretrained')).click();
      await page.locator(tid('oa')).waitFor({ timeout: 600_000 });
      const oa = Number((await page.locator(tid('oa')).textContent()).match(/([\d.]+) %/)[1]);
      // The parameter is the page's own: no lab reads it as one of its settings.
      const notices = await page.locator(tid('url-notice')).count();
      const result = { oa, wasm, badge: await badge.textContent(), notices, errors };
      await page.close();
      return result;
    }

    for (const [label, query, init, build] of [
      ['a browser with relaxed SIMD runs the relaxed build', '', null, 'relaxed'],
      ['?worker=simd128 runs the SIMD128 build', '&worker=simd128', null, 'simd128'],
      ['a browser without relaxed SIMD runs the SIMD128 build', '', refuseRelaxedSimd, 'simd128'],
    ]) {
      test(`${label}, and maps Indian Pines as the native CLI scored it`, { timeout: 900_000 }, async () => {
        const other = build === 'relaxed' ? 'simd128' : 'relaxed';
        const r = await pretrainedMap(query, init);
        console.log(`# ${label}: OA ${r.oa} %, wasm ${r.wasm.join(', ')}; badge "${r.badge}"`);
        assert.ok(r.wasm.includes(wasmOf(build)), `asked for ${wasmOf(build)}: ${r.wasm.join(', ')}`);
        assert.ok(!r.wasm.includes(wasmOf(other)), `asked for the other build's ${wasmOf(other)}`);
        assert.ok(r.badge.includes(NAMES[build]), `badge: ${r.badge}`);
        // Either build's products score the shipped weights as the native CLI did.
        assert.equal(r.oa.toFixed(2), (100 * weightsHeader(WEIGHTS).metrics.oa).toFixed(2), 'OA as recorded in the weights file');
        assert.equal(r.notices, 0, 'a notice about the link');
        assert.deepEqual(r.errors, []);
      });
    }
  });
});
