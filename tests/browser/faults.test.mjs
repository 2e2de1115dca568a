// Faults during work, driven in headless Chromium: a WebGPU device destroyed mid-training
// (GPUDevice.destroy() through the `test-hooks=1` hook), a batch too large for the device, a
// diverging loss, and many quick stop/restart/page-switch cycles. Each test asserts the
// message the visitor sees and the state that is kept. Training runs on a real 24×24 window
// of Indian Pines so that every map stays short.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, tid, canvasSig, setInput, loadCrop } from './harness.mjs';

async function openCrop(env, query = '') {
  const { page, errors } = await env.page(`?page=hyperspectral&test-hooks=1${query}`);
  await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
  await loadCrop(page);
  const set = (id, v) => setInput(page, id, v);
  return { page, errors, set };
}

const status = (page) => page.locator(tid('hsi-status')).textContent();

async function waitIdle(page, timeout = 600_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const s = await status(page);
    if (!/running|paused/.test(s)) {
      const err = page.locator(tid('error'));
      return (await err.count()) ? `${s} (${await err.textContent()})` : s;
    }
    assert.ok(Date.now() < deadline, `still busy: ${s}`);
    await page.waitForTimeout(200);
  }
}

async function workerStats(page) {
  await page.evaluate(() => {
    window.convlabLastStats = undefined;
    window.convlabStats();
  });
  await page.waitForFunction(() => window.convlabLastStats !== undefined, null, { timeout: 600_000 });
  return page.evaluate(() => window.convlabLastStats);
}

describe('faults on WebGPU', () => {
  let env;
  before(async () => {
    env = await launch({ webgpu: true });
  });
  after(async () => {
    await env?.close();
  });

  // Seen failing with the protection switched off (train.rs's keep_checkpoint neither naming
  // the lost device nor keeping the last epoch, and worker::name_device_loss off): the banner
  // said only "reading a tensor back failed: … the staging buffer could not be mapped … No
  // epoch had completed; the model from before this run is unchanged." (not /WebGPU device
  // was lost/).
  test('the device lost mid-training: the run stops with a message, keeps its last epoch, and resumes on the CPU', { timeout: 1_500_000 }, async () => {
    // A smaller HybridSN (15 PCA components, 11×11 patches, set by link): a loss of the device
    // mid-run does not depend on the model's size, and the software adapter's epochs stay short.
    const { page, set } = await openCrop(env, '&pca=15&patch=11');
    assert.match(await page.locator(tid('backend-badge')).textContent(), /WebGPU/);
    // Two steps of 8 patches an epoch.
    await set('epochs', 3);
    await set('max-train', 16);
    await set('batch', 8);
    await page.locator(tid('train')).click();
    await page.locator(tid('epoch-row')).first().waitFor({ timeout: 900_000 });
    await page.evaluate(() => window.convlabFault('device-lost'));
    const err = page.locator(tid('error'));
    await err.waitFor({ timeout: 600_000 });
    const message = await err.textContent();
    assert.match(message, /WebGPU device was lost/);
    const kept = Number(message.match(/weights of epoch (\d+) are kept/)[1]);
    assert.ok(kept >= 1 && kept < 3, message);
    // The kept epochs' metrics stay on screen; the badge says why the CPU is in use.
    assert.equal(await page.locator(tid('epoch-row')).count(), kept);
    await page.locator(tid('backend-badge')).filter({ hasText: /CPU/ }).waitFor({ timeout: 30_000 });
    assert.match(await page.locator(tid('backend-reason')).textContent(), /lost/);
    // Resume on the CPU: the remaining epochs run and the final map and metrics arrive.
    const resume = page.locator(tid('resume-training'));
    assert.match(await resume.textContent(), new RegExp(`epoch ${kept + 1} of 3`));
    await page.locator(`${tid('error')} button`).click();
    await resume.click();
    await page.locator(tid('metrics')).filter({ hasText: 'your run' }).waitFor({ timeout: 900_000 });
    const epochs = await page.locator(`${tid('epoch-row')} td:first-child`).allTextContents();
    assert.deepEqual(epochs.map(Number), [1, 2, 3]);
    assert.match(await page.locator(tid('oa')).textContent(), /OA [\d.]+ %/);
    await page.close();
  });

  // Seen failing with the fit switched off (the worker trained with the batch asked, no
  // fit_batch): the run ended ("train done") with no notice, and the wait for it timed out. On
  // 2 training pixels every batch is one step of 2, so this checks the notice and its numbers,
  // not the smaller batch itself.
  test('a batch too large for a WebGPU buffer is made smaller, with a notice', { timeout: 900_000 }, async () => {
    const { page, set } = await openCrop(env);
    // The default HybridSN (whose Conv3d outputs set the fitted batch) on 2 training pixels:
    // the run only has to start.
    await set('epochs', 1);
    await set('max-train', 2);
    await set('batch', 4096);
    await page.locator(tid('train')).click();
    const notice = page.locator(tid('notice'));
    await notice.waitFor({ timeout: 300_000 });
    const text = await notice.textContent();
    assert.match(text, /Batch 4096 would make one Conv3d output of \d+ MiB, more than WebGPU's 128 MiB/);
    const fitted = Number(text.match(/training with batch (\d+) instead/)[1]);
    assert.ok(fitted >= 32 && fitted < 4096, text);
    // The run goes on (no crash); stop it.
    await page.locator(tid('progress-text')).waitFor({ timeout: 600_000 });
    await page.locator(tid('stop')).click();
    assert.match(await waitIdle(page), /stopped|done/);
    assert.equal(await page.locator(tid('error')).count(), 0);
    await page.close();
  });
});

describe('faults on the CPU backend', () => {
  let env;
  before(async () => {
    env = await launch({ webgpu: false });
  });
  after(async () => {
    await env?.close();
  });

  // Seen failing with each protection switched off: with a failed save not reported
  // (runs::save_in_background dropping the error), the wait for the banner timed out (60 s);
  // with the finite checks off (train::hsi's loss and end-of-epoch weights checks) and the
  // quota half skipped, the NaN loss reached the page as "malformed response: invalid type:
  // null, expected f32 …" while the run went on, which is not /loss became NaN at epoch 1/.
  test('a full storage quota is reported and the run stays; a diverging loss stops training naming epoch and step, and the previous model, map and metrics stay', { timeout: 1_200_000 }, async () => {
    const { page, set } = await openCrop(env);
    // A real quota error: Chromium's storage quota for this origin set to one byte.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin, quotaSize: 1 });
    await set('epochs', 1);
    await set('max-train', 24);
    await set('batch', 8);
    await page.locator(tid('train')).click();
    await page.locator(tid('metrics')).filter({ hasText: 'your run' }).waitFor({ timeout: 900_000 });
    const err = page.locator(tid('error'));
    await err.waitFor({ timeout: 60_000 });
    assert.match(await err.textContent(), /could not be saved in the browser: .+ It stays on screen/);
    await page.locator(`${tid('error')} button`).click();
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(page.url()).origin });
    const metrics = await page.locator(tid('metrics')).textContent();
    assert.match(metrics, /your run/);
    const map = await canvasSig(page, 'map-canvas');
    // A huge learning rate: the loss leaves the floats within a step or two.
    await set('lr', 1e12);
    await set('epochs', 2);
    await page.locator(tid('train')).click();
    await err.waitFor({ timeout: 600_000 });
    const message = await err.textContent();
    assert.match(message, /loss became (NaN|inf|-inf) at epoch 1, step \d+ of \d+/);
    assert.match(message, /smaller learning rate/);
    assert.match(message, /model from before this run is unchanged/);
    assert.equal(await page.locator(tid('metrics')).textContent(), metrics);
    assert.equal(await canvasSig(page, 'map-canvas'), map);
    assert.ok(await page.locator(tid('export-weights')).isEnabled());
    assert.ok(await page.locator(tid('train')).isEnabled());
    await page.close();
  });

  test('twenty quick stop/restart/model-switch/page-switch cycles leak no worker or memory and paint no stale run', { timeout: 1_500_000 }, async () => {
    const { page, set } = await openCrop(env);
    await set('epochs', 2);
    await set('max-train', 40);
    await set('batch', 8);
    // Memory is compared from cycle 5 on: the first cycles raise the high-water mark once (each
    // model variant's first runs allocate their largest buffers; measured: 111 MiB after cycle
    // 1, 184 MiB from cycle 4 to 20, flat), while a leak grows with every cycle.
    const WARM = 5;
    let start;
    let first;
    for (let i = 0; i < 20; i++) {
      // Switch the model too: HybridSN with batch norm, then the paper's, and back.
      await page.locator(tid('paper')).setChecked(i % 2 === 1);
      await page.locator(tid('train')).click();
      await page.waitForTimeout(150 + 40 * (i % 5));
      await page.locator(tid('stop')).click();
      assert.match(await waitIdle(page), /stopped|done/, `cycle ${i + 1}`);
      await page.locator(tid('nav-cifar')).click();
      await page.locator(tid('nav-conv')).click();
      await page.locator(tid('nav-hyperspectral')).click();
      await page.locator(tid('scene-summary')).filter({ hasText: '24×24 pixels' }).waitFor({ timeout: 30_000 });
      if (i === 0) start = await workerStats(page);
      if (i === WARM - 1) first = await workerStats(page);
    }
    const last = await workerStats(page);
    assert.equal(page.workers().length, 1, 'one worker, however many runs');
    const grown = (last.wasmBytes - first.wasmBytes) / 2 ** 20;
    const mib = (stats) => (stats.wasmBytes / 2 ** 20).toFixed(1);
    console.log(`# worker wasm memory after cycle 1: ${mib(start)} MiB, after ${WARM}: ${mib(first)} MiB, after 20: ${mib(last)} MiB (${last.jobs} jobs)`);
    assert.ok(grown <= 32, `worker memory grew by ${grown.toFixed(1)} MiB over the last ${20 - WARM} cycles`);
    // A run that ends, so that the page has epoch rows of an earlier run (the cycles above stop
    // too early to leave any)...
    await set('epochs', 1);
    await page.locator(tid('train')).click();
    assert.match(await waitIdle(page), /done/);
    assert.equal(await page.locator(tid('epoch-row')).count(), 1, 'a finished run shows its epoch');
    // ...then a last run, stopped before its first epoch can end: half of the crop's labelled
    // pixels at batch 1 make epoch 1 hundreds of steps (seconds), and the stop follows the
    // start at once. No epoch of this run finished, so any row on screen is a stale one from
    // the run before (accepting a row "1" here would let exactly that pass). Seen failing
    // against a build whose Train button kept the earlier rows (one row right after Train);
    // without the finished run above, that build passed, since no earlier rows existed.
    await set('train-fraction', 0.5);
    await set('max-train', 0);
    await set('batch', 1);
    await page.locator(tid('train')).click();
    assert.equal(await page.locator(tid('epoch-row')).count(), 0);
    await page.locator(tid('stop')).click();
    assert.match(await waitIdle(page), /stopped/);
    const rows = await page.locator(`${tid('epoch-row')} td:first-child`).allTextContents();
    assert.deepEqual(rows, [], `rows after a run stopped before its first epoch: ${rows}`);
    assert.equal(page.workers().length, 1);
    await page.close();
  });
});
