// One epoch of each lab's default run, timed in the browser and printed (issue 17): the
// CIFAR-10 lab's (MobileNetV1 ×0.5 on the bundled subset, batch 32) and the hyperspectral
// lab's (HybridSN on 10 % of Indian Pines, batch 32), each set by link to 1 epoch and
// otherwise left at its defaults. Each is timed from the click on Train to its epoch row, on
// the page's clock, while the page answers clicks. CPU fallback only: on the software WebGPU
// adapter (2 shared cores) one such epoch takes far longer than a CI run can give it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, clickLatency, tid, assertResponsive } from './harness.mjs';

const n = (x) => x.toLocaleString('en-US');

/// Clicks `button` in the page and notes, on the page's clock, how many ms after the click
/// `row` first shows (`window.convlabRowMs`), so that the time does not depend on how often
/// the test polls.
function clickTimed(page, button, row) {
  return page.evaluate(
    ([b, r]) => {
      window.convlabRowMs = null;
      const t0 = performance.now();
      const obs = new MutationObserver(() => {
        if (document.querySelector(r)) {
          window.convlabRowMs = performance.now() - t0;
          obs.disconnect();
        }
      });
      obs.observe(document.body, { childList: true, subtree: true });
      const button = document.querySelector(b);
      if (button.disabled) throw new Error(`${b} is disabled`);
      button.click();
    },
    [button, row],
  );
}

/// Waits for the row `clickTimed` watches, clicking `ping` (its answer shows under `watched`)
/// meanwhile; returns the ms from the click to the row, the click latencies and the progress
/// texts seen.
async function waitTimed(page, { ping, watched, what }) {
  const latencies = [];
  const seen = new Set();
  const deadline = Date.now() + 900_000;
  for (;;) {
    // The progress text is read first: a text read before the row is the epoch's (after it
    // may come the run's final map).
    const t = await page.locator(tid('progress-text')).textContent({ timeout: 200 }).catch(() => '');
    const ms = await page.evaluate(() => window.convlabRowMs);
    if (ms !== null) return { ms, latencies, seen };
    if (t) seen.add(t);
    assert.ok(Date.now() < deadline, `${what}: no epoch row within 15 minutes`);
    if (await page.locator(tid('error')).isVisible()) assert.fail(await page.locator(tid('error')).textContent());
    latencies.push(await clickLatency(page, ping, watched));
    await page.waitForTimeout(500);
  }
}

/// The samples per epoch the progress bar counted (`job done/total · …`), the same in every
/// text seen.
function epochTotal(seen, job) {
  const totals = [...seen].map((t) => t.match(new RegExp(`^${job} \\d+/(\\d+) · `))).filter(Boolean).map((m) => Number(m[1]));
  assert.ok(totals.length > 0, `no ${job} progress seen: ${[...seen].join(' | ')}`);
  assert.ok(totals.every((x) => x === totals[0]), totals.join(', '));
  return totals[0];
}

for (const backend of ['webgpu', 'cpu']) {
  // The software WebGPU adapter trains MobileNetV1 at 1–2 images a second on 2 shared cores
  // (cifar.test.mjs): the CIFAR-10 lab's 3,600 images alone would take most of an hour.
  const skip = backend === 'webgpu' && 'a default epoch takes far too long on the software WebGPU adapter: timed on the CPU fallback only';
  describe(`one default epoch of each lab, timed, on ${backend}`, () => {
    let env;
    before(async () => {
      if (!skip) env = await launch({ webgpu: false });
    });
    after(async () => {
      await env?.close();
    });

    test('CIFAR-10 lab: one epoch of the default run', { skip, timeout: 1_200_000 }, async () => {
      const { page, errors } = await env.page('?page=cifar&c_epochs=1');
      await page.locator(tid('backend-badge')).filter({ hasText: 'CPU (WebAssembly)' }).waitFor({ timeout: 120_000 });
      await page.locator(tid('cifar-data')).waitFor({ timeout: 180_000 });
      assert.equal(await page.locator(tid('cifar-data')).getAttribute('data-train'), '4000');
      // The form is the default run's, but for its one epoch.
      const val = (id) => page.locator(`:is(input, select)${tid(id)}`).inputValue();
      assert.equal(await val('cifar-model'), 'mobilenetv1');
      assert.deepEqual(
        [await val('cifar-width'), await val('cifar-batch'), await val('cifar-epochs'), await val('cifar-max-train'), await val('cifar-max-test')],
        ['0.5', '32', '1', '0', '0'],
      );
      // The lab's first jobs, one after the other in the worker: the bundled subset, then the
      // shipped runs' weights. Train is enabled between the two, and disabled again while the
      // second goes: the run starts after both.
      await page.locator(tid('cifar-status')).filter({ hasText: /cifar-weights done/ }).waitFor({ timeout: 180_000 });
      await page.locator(`${tid('cifar-train')}:not([disabled])`).waitFor({ timeout: 120_000 });
      await clickTimed(page, tid('cifar-train'), tid('cifar-epoch-row'));
      const { ms, latencies, seen } = await waitTimed(page, { ping: tid('cifar-ping'), watched: tid('cifar-ping-count'), what: 'CIFAR-10' });
      assertResponsive(latencies, `${backend}: CIFAR-10 default epoch`);
      const images = epochTotal(seen, 'cifar');
      const row = page.locator(tid('cifar-epoch-row')).first();
      const loss = Number(await row.getAttribute('data-loss'));
      assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
      // The row's own seconds and rate: the training steps alone. The last epoch's row comes
      // with the run's result, after the validation and test images are scored, so the one
      // epoch of a one-epoch run is finished here (nothing left to stop).
      const cells = await row.locator('td').allTextContents();
      const [trainS, trainRate] = [Number(cells[4]), Number(cells[5])];
      assert.ok(trainS > 0 && trainS <= ms / 1000, `the row's ${trainS} s within ${ms} ms`);
      await page.locator(tid('cifar-status')).filter({ hasText: /cifar done/ }).waitFor({ timeout: 120_000 });
      const mine = page.locator(`${tid('cifar-run-row')}[data-source="your run"]`);
      assert.equal(Number(await mine.getAttribute('data-train-images')), images);
      const held = Number(await mine.getAttribute('data-val-images'));
      assert.equal(images + held, 4000);
      const tested = Number((await page.locator(tid('cifar-accuracy')).textContent()).match(/on (\d+) images after 1 epoch/)[1]);
      const s = ms / 1000;
      console.log(
        `# ${backend}: CIFAR-10 lab, one default epoch (MobileNetV1 ×0.5, ${n(images)} images, batch 32): ` +
          `${s.toFixed(1)} s (${(images / s).toFixed(1)} images/s) from Train to the epoch row; ` +
          `the training steps ${trainS.toFixed(1)} s (${trainRate.toFixed(1)} images/s), the rest scoring ${n(held)} validation and ${n(tested)} test images; loss ${loss.toFixed(3)}`,
      );
      assert.deepEqual(errors, []);
      await page.close();
    });

    test('hyperspectral lab: one epoch of the default run', { skip, timeout: 1_200_000 }, async () => {
      const { page, errors } = await env.page('?page=hyperspectral&epochs=1');
      await page.locator(tid('scene-summary')).filter({ hasText: /Indian Pines: 145×145 pixels, 200 bands/ }).waitFor({ timeout: 180_000 });
      const val = (id) => page.locator(`:is(input, select)${tid(id)}`).inputValue();
      assert.deepEqual(
        [await val('pca'), await val('patch'), await val('train-fraction'), await val('batch'), await val('epochs'), await val('max-train'), await val('min-per-class')],
        ['30', '25', '0.1', '32', '1', '0', '0'],
      );
      assert.equal(await page.locator(tid('spatial')).isChecked(), false);
      assert.equal(await page.locator(tid('paper')).isChecked(), false);
      // PCA and the split first (the run would do them itself), so that the time is the
      // epoch's: training and the validation pixels' score.
      await page.locator(`${tid('prepare')}:not([disabled])`).waitFor({ timeout: 120_000 });
      const p0 = Date.now();
      await page.locator(tid('prepare')).click();
      const explained = page.locator(tid('explained'));
      await explained.waitFor({ timeout: 300_000 });
      const prepS = (Date.now() - p0) / 1000;
      const split = (await explained.textContent()).match(/Split: (\d+) training, (\d+) test pixels/);
      assert.ok(split, await explained.textContent());
      await page.locator(`${tid('train')}:not([disabled])`).waitFor({ timeout: 60_000 });
      await clickTimed(page, tid('train'), tid('epoch-row'));
      // Toggling the split option shows or hides its explanation: answered by the UI thread.
      const { ms, latencies, seen } = await waitTimed(page, { ping: tid('spatial'), watched: tid('hyperspectral'), what: 'hyperspectral' });
      // The run's final whole-scene map is not the epoch's: stopped.
      if (await page.locator(tid('stop')).isEnabled()) await page.locator(tid('stop')).click();
      assertResponsive(latencies, `${backend}: hyperspectral default epoch`);
      const patches = epochTotal(seen, 'train');
      assert.equal(patches, Number(split[1]), 'every training pixel once');
      const cells = await page.locator(tid('epoch-row')).first().locator('td').allTextContents();
      assert.equal(cells[0], '1');
      const loss = Number(cells[1]);
      assert.ok(Number.isFinite(loss) && loss > 0, `loss ${cells[1]}`);
      const rowS = Number(cells[4].replace(/ s$/, ''));
      assert.ok(rowS > 0 && rowS <= ms / 1000, `the row's ${cells[4]} within ${ms} ms`);
      await page.waitForFunction(() => !/running|paused/.test(document.querySelector('[data-testid="hsi-status"]').textContent), null, { timeout: 300_000 });
      assert.match(await page.locator(tid('hsi-status')).textContent(), /stopped|done/);
      if (await page.locator(tid('spatial')).isChecked()) await page.locator(tid('spatial')).click();
      const s = ms / 1000;
      console.log(
        `# ${backend}: hyperspectral lab, one default epoch (HybridSN, ${n(patches)} patches of 25×25×30, batch 32): ` +
          `${s.toFixed(1)} s (${(patches / s).toFixed(1)} patches/s) from Train to the epoch row (the row: ${cells[4]}, validation included); ` +
          `PCA and split before it ${prepS.toFixed(1)} s; loss ${loss.toFixed(3)}`,
      );
      assert.deepEqual(errors, []);
      await page.close();
    });
  });
}
