// Foundation: the app loads without console errors, the backend badge tells WebGPU from the
// CPU fallback, the Models page shows the real modules' numbers, and the worker smoke run
// streams finite losses while the page answers clicks.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, clickLatency, tid, assertResponsive } from './harness.mjs';

const EXPECTED = {
  PlainCNN: ['28,279,338', '397.26 M'],
  MobileNetV1: ['3,217,226', '46.35 M'],
  MobileNetV2: ['2,296,922', '91.15 M'],
  HybridSN: ['5,122,416', '247.68 M'],
};

for (const backend of ['webgpu', 'cpu']) {
  describe(`foundation on ${backend}`, () => {
    let env;
    before(async () => {
      env = await launch({ webgpu: backend === 'webgpu' });
    });
    after(async () => {
      await env?.close();
    });

    test('page loads without console errors and the badge names the backend', async () => {
      const { page, errors } = await env.page();
      const badge = page.locator(tid('backend-badge'));
      await badge.filter({ hasText: backend === 'webgpu' ? 'WebGPU' : 'CPU (WebAssembly)' }).waitFor({ timeout: 120_000 });
      const text = await badge.textContent();
      // The home page: the three labs, each with its picture, and the device check.
      for (const lab of ['conv', 'cifar', 'hyperspectral']) {
        const img = page.locator(`${tid(`home-card-${lab}`)} img`);
        await img.waitFor({ timeout: 30_000 });
        assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 100), `${lab} picture`);
      }
      await page.locator(tid('check-start')).waitFor({ timeout: 30_000 });
      if (backend === 'webgpu') {
        assert.match(text, /^WebGPU · .+/);
      } else {
        assert.match(text, /CPU \(WebAssembly\)/);
        const reason = await page.locator(tid('backend-reason')).textContent();
        assert.match(reason, /WebGPU|navigator\.gpu|adapter/);
      }
      assert.deepEqual(errors, []);
      await page.close();
    });

    test('the Models page shows parameters and MACs from the real modules', async () => {
      const { page, errors } = await env.page('?page=models');
      await page.locator(tid('models-summary')).waitFor({ timeout: 120_000 });
      for (const [model, [params, macs]] of Object.entries(EXPECTED)) {
        const row = page.locator(tid(`model-${model}`));
        assert.equal(await row.locator(tid('params')).textContent(), params, model);
        assert.equal(await row.locator(tid('macs')).textContent(), macs, model);
      }
      assert.deepEqual(errors, []);
      await page.close();
    });

    test('the device check times each lab\'s model and estimates its runs, the page responsive', async () => {
      // Batch 1 (set by link) keeps the check short on the software WebGPU adapter; the check
      // reads the labs' forms, so these are what it times. Its map strips are the default
      // HybridSN's across the whole 145-pixel width: the only full-size strips on WebGPU (the
      // hyperspectral suite maps the whole scene on the CPU only).
      const { page, errors } = await env.page('?page=bench&c_batch=1&c_width=0.25&batch=1');
      await page.locator(tid('backend-badge')).filter({ hasNotText: 'Loading' }).filter({ hasNotText: 'Starting' }).waitFor({ timeout: 120_000 });
      const t0 = Date.now();
      await page.locator(tid('check-start')).click();
      const latencies = [];
      const deadline = Date.now() + 600_000;
      while ((await page.locator(tid('check-map')).count()) === 0) {
        assert.ok(Date.now() < deadline, 'no device check result within 10 minutes');
        latencies.push(await clickLatency(page, tid('ping'), tid('ping-count')));
        await page.waitForTimeout(200);
      }
      assertResponsive(latencies, backend);
      const rows = await page.locator(tid('check-row')).evaluateAll((els) =>
        els.map((e) => ({
          model: e.children[0].textContent,
          batch: Number(e.children[2].textContent),
          train: Number(e.querySelector('[data-testid="check-train"]').textContent),
          infer: Number(e.querySelector('[data-testid="check-infer"]').textContent),
        })),
      );
      assert.deepEqual(rows.map((r) => [r.model, r.batch]), [['MobileNetV1', 1], ['HybridSN', 1]]);
      for (const r of rows) {
        assert.ok(Number.isFinite(r.train) && r.train > 0, `${r.model} train ${r.train}`);
        assert.ok(Number.isFinite(r.infer) && r.infer > 0, `${r.model} infer ${r.infer}`);
      }
      const runs = await page.locator(tid('check-estimate')).evaluateAll((els) => els.map((e) => Number(e.dataset.runS)));
      assert.equal(runs.length, 2);
      for (const s of runs) assert.ok(Number.isFinite(s) && s > 0, `estimate ${s}`);
      const mapS = Number(await page.locator(tid('check-map')).getAttribute('data-map-s'));
      assert.ok(Number.isFinite(mapS) && mapS > 0, `map estimate ${mapS}`);
      assert.ok((await page.locator(tid('check-table')).textContent()).includes('train samples/s'));
      assert.deepEqual(errors, []);
      console.log(
        `# ${backend}: device check in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
          rows.map((r) => `${r.model} b${r.batch} train ${r.train} / infer ${r.infer} samples/s`).join('; ') +
          `; map ≈ ${mapS.toFixed(1)} s; runs ≈ ${runs.map((s) => s.toFixed(0)).join(', ')} s`,
      );
      await page.close();
    });

    test('the worker smoke run streams finite losses while clicks are answered', async () => {
      const { page, errors } = await env.page('?page=bench');
      await page.locator(tid('backend-badge')).filter({ hasNotText: 'Loading' }).filter({ hasNotText: 'Starting' }).waitFor({ timeout: 120_000 });
      // Three steps of two images: the three losses the test needs, and the run's end (a
      // MobileNetV1 ×1 step takes half a minute on the software WebGPU adapter).
      await page.locator(tid('smoke-steps')).fill('3');
      await page.locator(tid('smoke-steps')).dispatchEvent('change');
      await page.locator(tid('smoke-batch')).fill('2');
      await page.locator(tid('smoke-batch')).dispatchEvent('change');
      await page.locator(tid('smoke-start')).click();
      // While the worker trains, the UI thread must answer a click quickly.
      const latencies = [];
      const deadline = Date.now() + 300_000;
      while ((await page.locator(tid('loss-row')).count()) < 3) {
        assert.ok(Date.now() < deadline, 'no 3 losses within 5 minutes');
        latencies.push(await clickLatency(page, tid('ping'), tid('ping-count')));
        await page.waitForTimeout(150);
      }
      assert.ok(latencies.length > 0);
      assertResponsive(latencies, backend);
      const losses = await page.locator(tid('loss-row')).evaluateAll((els) => els.map((e) => Number(e.dataset.loss)));
      assert.ok(losses.length >= 3);
      for (const l of losses) assert.ok(Number.isFinite(l) && l > 0, `loss ${l}`);
      assert.ok((await page.locator(tid('progress-text')).textContent()).includes('samples/s'));
      await page.locator(tid('job-status')).filter({ hasText: /done|stopped/ }).waitFor({ timeout: 300_000 });
      assert.deepEqual(errors, []);
      console.log(`# ${backend}: losses ${losses.map((l) => l.toFixed(3)).join(', ')}; max click latency ${Math.max(...latencies).toFixed(1)} ms`);
      await page.close();
    });
  });
}
