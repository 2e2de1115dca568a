// A worker that dies (a panic aborts a release worker, as an out-of-memory or a wgpu error
// does) is replaced: the page says so in words, starts a new worker on the same backend,
// keeps everything on screen (metrics, map, epochs, the backend badge comes back), names
// what it could not keep, and the next training run works. Driven by the `test-hooks=1`
// hook `convlabFault('panic')` on both backends.
//
// Seen failing without the protection: against a build whose UI only reported the dead
// worker (the restart switched off), the test failed on both backends at the banner, which
// said "The compute worker failed: …" and nothing about a new worker.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, tid, canvasSig, setInput, loadCrop } from './harness.mjs';

for (const backend of ['webgpu', 'cpu']) {
  describe(`worker restart on ${backend}`, () => {
    let env;
    before(async () => {
      env = await launch({ webgpu: backend === 'webgpu' });
    });
    after(async () => {
      await env?.close();
    });

    test('a dead worker is replaced, the page keeps its state, and the next run trains', { timeout: 1_500_000 }, async () => {
      // On WebGPU a smaller HybridSN keeps the software adapter's epochs short.
      const small = backend === 'webgpu' ? '&pca=15&patch=11' : '';
      const { page } = await env.page(`?page=hyperspectral&test-hooks=1${small}`);
      await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
      const badge = page.locator(tid('backend-badge'));
      const name = backend === 'webgpu' ? 'WebGPU' : 'CPU (WebAssembly)';
      await badge.filter({ hasText: name }).waitFor({ timeout: 120_000 });
      await loadCrop(page);
      const set = (id, v) => setInput(page, id, v);
      await set('epochs', 1);
      await set('max-train', 24);
      await set('batch', 8);
      const train = async () => {
        await page.locator(tid('train')).click();
        await page.locator(tid('metrics')).filter({ hasText: 'your run' }).waitFor({ timeout: 900_000 });
      };
      await train();
      const metrics = await page.locator(tid('metrics')).textContent();
      const map = await canvasSig(page, 'map-canvas');
      const epochs = await page.locator(tid('epoch-row')).count();
      assert.ok(map && epochs >= 1);

      await page.evaluate(() => window.convlabFault('panic'));
      const err = page.locator(tid('error'));
      await err.filter({ hasText: 'The compute worker stopped' }).waitFor({ timeout: 60_000 });
      const message = await err.textContent();
      assert.match(message, /A new one has started on the same backend and everything on this page is kept/);
      // The uploaded window lived in the dead worker: named, not silently dropped.
      assert.match(message, /could not keep the hyperspectral scene you loaded/);
      assert.equal(await page.locator(tid('metrics')).textContent(), metrics);
      assert.equal(await canvasSig(page, 'map-canvas'), map);
      assert.equal(await page.locator(tid('epoch-row')).count(), epochs);
      await badge.filter({ hasText: name }).waitFor({ timeout: 120_000 });
      assert.ok(await page.locator(tid('train')).isEnabled());
      await page.locator(`${tid('error')} button`).click();

      // The next run: load the window again and train on the new worker.
      await loadCrop(page);
      await set('epochs', 1);
      await train();
      assert.match(await page.locator(tid('metrics')).textContent(), /OA [\d.]+ %/);
      assert.equal(await err.count(), 0, 'no error after the restart');
      await page.close();
    });
  });
}
