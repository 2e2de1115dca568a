// The WebGPU device lost outside HybridSN training (faults.test.mjs covers that): during a
// CIFAR-10 training run, between Conv lab requests, and while idle. Each ends in words with
// the page's state kept, and the next request runs on the CPU. Uses the `test-hooks=1` hook
// `convlabFault('device-lost')` (GPUDevice.destroy() on the worker's device).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, tid } from './harness.mjs';

const lost = (page) => page.evaluate(() => window.convlabFault('device-lost'));

async function onWebGpu(page) {
  await page.locator(tid('backend-badge')).filter({ hasText: 'WebGPU' }).waitFor({ timeout: 120_000 });
}

async function onCpuBecauseLost(page) {
  await page.locator(tid('backend-badge')).filter({ hasText: /CPU/ }).waitFor({ timeout: 120_000 });
  assert.match(await page.locator(tid('backend-reason')).textContent(), /WebGPU device was lost/);
}

describe('the WebGPU device lost outside HybridSN training', () => {
  let env;
  before(async () => {
    env = await launch({ webgpu: true });
  });
  after(async () => {
    await env?.close();
  });

  test('while idle: the badge switches to the CPU at once and the next request runs there', { timeout: 600_000 }, async () => {
    const { page } = await env.page('?page=conv&test-hooks=1');
    await onWebGpu(page);
    const summary = page.locator(tid('maps-summary'));
    await summary.waitFor({ timeout: 300_000 });
    await lost(page);
    // No request is running: the worker notices the loss by itself.
    await onCpuBecauseLost(page);
    // The next Conv lab request answers on the CPU, and the maps already shown stay.
    const before = await summary.textContent();
    await page.locator(tid('maps-seed')).fill('5');
    await page.locator(tid('maps-seed')).dispatchEvent('change');
    await page.locator(tid('kernel-source')).selectOption('random');
    await summary.filter({ hasNotText: before }).waitFor({ timeout: 300_000 });
    assert.equal(await page.locator(tid('error')).count(), 0);
    await page.close();
  });

  test('during a CIFAR-10 run: the run stops in words, the lab goes on on the CPU and the next run trains there', { timeout: 1_200_000 }, async () => {
    const { page } = await env.page('?page=cifar&test-hooks=1&c_model=plaincnn&c_width=0.25&c_epochs=2&c_batch=8&c_max_train=64&c_max_test=16');
    await onWebGpu(page);
    await page.locator(tid('cifar-data')).waitFor({ timeout: 300_000 });
    await page.locator(tid('cifar-train')).click();
    await page.locator(tid('progress-text')).filter({ hasText: /^cifar \d+\/\d+ · / }).waitFor({ timeout: 600_000 });
    await lost(page);
    const err = page.locator(tid('error'));
    await err.waitFor({ timeout: 600_000 });
    assert.match(await err.textContent(), /WebGPU device was lost/);
    await onCpuBecauseLost(page);
    assert.ok(await page.locator(tid('cifar-data')).isVisible(), 'the data summary stays');
    await page.locator(`${tid('error')} button`).click();
    await page.locator(tid('cifar-train')).click();
    await page.locator(tid('cifar-epoch-row')).first().waitFor({ timeout: 900_000 });
    await page.locator(tid('cifar-status')).filter({ hasText: /done/i }).waitFor({ timeout: 900_000 });
    assert.equal(await err.count(), 0, 'the run on the CPU ends without an error');
    await page.close();
  });
});
