// CIFAR-10 lab: the bundled subset loads with progress; one short epoch on a few hundred
// images finishes with finite metrics while the UI answers clicks; the comparison table lists
// the shipped runs; an uploaded valid binary batch adds its images; a wrong-size file (and a
// bad label) is refused with a message and the loaded data stays.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, clickLatency, tid, downloadPng, setInput, assertResponsive } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIX = path.resolve(here, '../fixtures/cifar');
const INDEX = path.resolve(here, '../../public/weights/cifar_index.json');
const SHIPPED = fs.existsSync(INDEX) ? JSON.parse(fs.readFileSync(INDEX, 'utf8')) : [];
const NO_WEIGHTS = SHIPPED.length > 0 ? false : 'no CIFAR-10 weights shipped yet (public/weights/cifar_index.json is empty)';

async function openLab(env) {
  const { page, errors } = await env.page('?page=cifar');
  await page.locator(tid('cifar-data')).waitFor({ timeout: 180_000 });
  return { page, errors };
}

/** Opens the lab and starts MobileNetV1 ×0.25 on `maxTrain` training images, batch 32. */
async function startSmallRun(env, { epochs, maxTrain = 256, maxTest }) {
  const { page, errors } = await openLab(env);
  const set = (id, v) => setInput(page, id, v);
  await page.locator(tid('cifar-model')).selectOption('mobilenetv1');
  await set('cifar-width', 0.25);
  await set('cifar-epochs', epochs);
  await set('cifar-max-train', maxTrain);
  await set('cifar-max-test', maxTest);
  await set('cifar-batch', 32);
  await page.locator(`${tid('cifar-train')}:not([disabled])`).waitFor({ timeout: 60_000 });
  await page.locator(tid('cifar-train')).click();
  return { page, errors };
}

const trainCount = async (page) => Number(await page.locator(tid('cifar-data')).getAttribute('data-train'));

for (const backend of ['webgpu', 'cpu']) {
  // Training images of the one-epoch runs: the software WebGPU adapter trains 1–2 images a
  // second on 2 shared cores, so it takes 3 steps of 32 (and 100 test images); the CPU the
  // few hundred.
  const small = backend === 'webgpu' ? { train: 96, test: 100 } : { train: 256, test: 200 };
  describe(`CIFAR-10 lab on ${backend}`, () => {
    let env;
    before(async () => {
      env = await launch({ webgpu: backend === 'webgpu' });
    });
    after(async () => {
      await env?.close();
    });

    test('the bundled subset loads: 4,000 training and 1,000 test images', async () => {
      const { page, errors } = await openLab(env);
      assert.equal(await trainCount(page), 4000);
      assert.equal(await page.locator(tid('cifar-data')).getAttribute('data-test'), '1000');
      assert.match(await page.locator(tid('cifar-data-note')).textContent(), /Bundled subset: 4000 training and 1000 test images/);
      // The nav entry exists and names the lab.
      assert.match(await page.locator(tid('nav-cifar')).textContent(), /CIFAR-10 lab/);
      assert.deepEqual(errors, []);
      await page.close();
    });

    test('one epoch on a few hundred images gives finite metrics while the UI stays responsive', async () => {
      const { page, errors } = await startSmallRun(env, { epochs: 1, maxTrain: small.train, maxTest: small.test });
      const seen = new Set();
      const latencies = [];
      const deadline = Date.now() + 900_000;
      while ((await page.locator(tid('cifar-accuracy')).count()) < 1) {
        assert.ok(Date.now() < deadline, 'the run did not finish within 15 minutes');
        const t = await page.locator(tid('progress-text')).textContent().catch(() => '');
        if (t) seen.add(t);
        latencies.push(await clickLatency(page, tid('cifar-ping'), tid('cifar-ping-count')));
        if (await page.locator(tid('error')).isVisible()) assert.fail(await page.locator(tid('error')).textContent());
        await page.waitForTimeout(400);
      }
      assert.ok(seen.size >= 2, `the progress text moved: ${[...seen].join(' | ')}`);
      assert.ok([...seen].some((s) => /samples\/s · ETA/.test(s)), [...seen].join(' | '));
      assertResponsive(latencies, backend);
      const row = page.locator(tid('cifar-epoch-row')).first();
      const loss = Number(await row.getAttribute('data-loss'));
      // The epoch is scored on the validation images held out of the training images, never
      // on the test images (those are scored once, below).
      const val = Number(await row.getAttribute('data-val-acc'));
      assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
      assert.ok(Number.isFinite(val) && val >= 0 && val <= 1, `validation accuracy ${val}`);
      const text = await page.locator(tid('cifar-accuracy')).textContent();
      const m = text.match(new RegExp(`MobileNetV1 ×0\\.25: test accuracy ([\\d.]+) % on ${small.test} images after 1 epoch`));
      assert.ok(m, text);
      assert.equal(await page.locator(`${tid('cifar-per-class')} tbody tr`).count(), 10);
      const shown = await page.locator(tid('cifar-example')).count();
      assert.ok(shown >= 24 && shown <= 36, `${shown} example images`);
      // Misclassified images come first.
      const wrong = await page.locator(tid('cifar-example')).evaluateAll((els) => els.map((e) => e.dataset.wrong));
      assert.ok(wrong.indexOf('false') === -1 || wrong.lastIndexOf('true') < wrong.indexOf('false'), wrong.join(','));
      // The run joined the comparison table and its curve is drawn.
      const mine = page.locator(`${tid('cifar-run-row')}[data-source="your run"]`);
      assert.equal(await mine.count(), 1);
      const acc = Number(await mine.getAttribute('data-acc'));
      // The table's test accuracy is the one the result line prints (to its precision).
      assert.equal((100 * acc).toFixed((m[1].split('.')[1] ?? '').length), m[1]);
      // The run's validation score is its last epoch's, on images it did not train on: 10 % of
      // each class of the images used.
      assert.equal(Number(await mine.getAttribute('data-val-acc')), val);
      const held = Number(await mine.getAttribute('data-val-images'));
      const trained = Number(await mine.getAttribute('data-train-images'));
      assert.equal(held + trained, small.train);
      assert.ok(held >= small.train * 0.05 && held <= small.train * 0.15, `${held} validation images of ${small.train}`);
      assert.ok((await page.locator(tid('cifar-curve')).count()) >= 1);
      // Both charts download as PNGs that decode: the 640×320 plot with legend and caption, and
      // the 10×10 confusion heatmap under its title.
      const curves = await downloadPng(page, tid('cifar-curves-png'));
      assert.ok(curves.w >= 640 && curves.h >= 320, `curves ${curves.w}×${curves.h}`);
      assert.equal(curves.name, 'convlab-cifar-curves.png');
      const confusion = await downloadPng(page, tid('cifar-confusion-png'));
      assert.ok(confusion.w >= 240 && confusion.h >= 240, `confusion ${confusion.w}×${confusion.h}`);
      assert.equal(confusion.name, 'convlab-cifar-confusion.png');
      console.log(`# ${backend}: 1 epoch on ${trained} images: loss ${loss.toFixed(3)}, validation acc ${(100 * val).toFixed(1)} % (${held} images), test acc ${(100 * acc).toFixed(1)} % (${small.test} images); ${[...seen].pop()}`);
      assert.deepEqual(errors, []);
      await page.close();
    });

    test('the layer walkthrough answers while a training run goes; the run carries on and stops on request', async () => {
      const { page, errors } = await startSmallRun(env, { epochs: 30, maxTest: 100 });
      await page.locator(tid('progress-text')).filter({ hasText: /^cifar / }).waitFor({ timeout: 120_000 });
      // On the Models page the walkthrough loads its model and shows a layer while the run goes
      // (the worker's second queue); before, it waited for the run to end.
      const t0 = Date.now();
      await page.locator(tid('nav-models')).click();
      await page.locator(tid('walk-layer-stem')).waitFor({ timeout: 120_000 });
      await page.locator(tid('walk-layer-stem')).click();
      await page.locator(tid('walk-summary')).filter({ hasText: /^stem: output 8×32×32/ }).waitFor({ timeout: 120_000 });
      const waited = Date.now() - t0;
      // The header says a run goes on another page, and leads back to it.
      assert.match(await page.locator(tid('job-indicator')).textContent(), /^CIFAR-10 training (running|paused)/);
      await page.locator(tid('job-indicator')).click();
      await page.locator(tid('cifar-status')).waitFor();
      assert.match(await page.locator(tid('cifar-status')).textContent(), /cifar (running|paused)/);
      assert.equal(await page.locator(tid('cifar-accuracy')).count(), 0, 'the 30-epoch run had not finished');
      // The run's progress bar is its own again (the walkthrough's download reports none).
      await page.locator(tid('progress-text')).filter({ hasText: /^cifar \d+\/\d+ · / }).waitFor({ timeout: 120_000 });
      await page.locator(tid('cifar-stop')).click();
      await page.locator(tid('cifar-status')).filter({ hasText: /stopped|done/ }).waitFor({ timeout: 300_000 });
      console.log(`# ${backend}: walkthrough answered after ${waited} ms beside a running training job`);
      assert.deepEqual(errors, []);
      await page.close();
    });

    // Seen failing with the refusal switched off (worker::cifar's Upload without its
    // cats-and-dogs check), on both backends: no banner came and the wait for the error
    // timed out (60 s); the batch went silently into the hidden CIFAR-10 data, the photos
    // still 320.
    test('cats and dogs: 400 photos decoded and resized in the worker, trained one epoch; an upload is refused there', async () => {
      const { page, errors } = await openLab(env);
      await page.locator(`${tid('cifar-dataset')}:not([disabled])`).waitFor({ timeout: 60_000 });
      await page.locator(tid('cifar-dataset')).selectOption('cats-dogs');
      const data = page.locator(`${tid('cifar-data')}[data-dataset="cats-dogs"]`);
      await data.waitFor({ timeout: 180_000 });
      assert.equal(await data.getAttribute('data-train'), '320');
      assert.equal(await data.getAttribute('data-test'), '80');
      assert.equal(await page.locator(tid('cifar-counts')).textContent(), 'cat 160 · dog 160');
      // CIFAR-10 batches do not mix into the photos.
      await page.locator(tid('cifar-upload')).setInputFiles(path.join(FIX, 'tiny_batch.bin'));
      await page.locator(tid('error')).waitFor({ timeout: 60_000 });
      assert.match(await page.locator(tid('error')).textContent(), /choose the CIFAR-10 data set first/);
      assert.equal(await data.getAttribute('data-train'), '320');
      await page.locator(`${tid('error')} button`).click();

      const set = (id, v) => setInput(page, id, v);
      await page.locator(tid('cifar-model')).selectOption('mobilenetv1');
      await set('cifar-width', 0.25);
      await set('cifar-epochs', 1);
      // All 320 training photos on the CPU, 64 of them on the software WebGPU adapter; all 80
      // test photos on both.
      await set('cifar-max-train', backend === 'webgpu' ? 64 : 0);
      await set('cifar-max-test', 0);
      await set('cifar-batch', 32);
      await page.locator(`${tid('cifar-train')}:not([disabled])`).waitFor({ timeout: 60_000 });
      await page.locator(tid('cifar-train')).click();
      await page.locator(tid('cifar-accuracy')).waitFor({ timeout: 900_000 });
      assert.match(await page.locator(tid('cifar-accuracy')).textContent(), /test accuracy [\d.]+ % on 80 images after 1 epoch/);
      const row = page.locator(tid('cifar-epoch-row')).first();
      assert.ok(Number.isFinite(Number(await row.getAttribute('data-loss'))));
      const mine = page.locator(`${tid('cifar-run-row')}[data-source="your run"]`).last();
      assert.match(await mine.textContent(), /cats & dogs/);
      // Only cat and dog are ever true labels of the test photos.
      const labels = await page.locator(tid('cifar-example')).evaluateAll((els) => [...new Set(els.map((e) => e.dataset.label))]);
      assert.ok(labels.length >= 1 && labels.every((l) => l === 'cat' || l === 'dog'), labels.join(','));
      // Back to CIFAR-10: its 4,000 images are still there.
      await page.locator(tid('cifar-dataset')).selectOption('cifar10');
      await page.locator(`${tid('cifar-data')}[data-dataset="cifar10"]`).waitFor({ timeout: 180_000 });
      assert.equal(await trainCount(page), 4000);
      assert.deepEqual(errors, []);
      await page.close();
    });

    test('the comparison table lists the shipped runs', { skip: NO_WEIGHTS }, async () => {
      const { page, errors } = await openLab(env);
      const rows = page.locator(`${tid('cifar-run-row')}[data-source="pretrained"]`);
      await rows.first().waitFor({ timeout: 120_000 });
      assert.equal(await rows.count(), SHIPPED.length);
      for (let i = 0; i < SHIPPED.length; i++) {
        const acc = Number(await rows.nth(i).getAttribute('data-acc'));
        assert.ok(acc > 0.3 && acc <= 1, `shipped accuracy ${acc}`);
      }
      await page.locator(tid('cifar-compare-all')).click();
      assert.ok((await page.locator(tid('cifar-curve')).count()) >= 1);
      assert.deepEqual(errors, []);
      await page.close();
    });

    // Seen failing with the refusals switched off (read_cifar_bin's size and label checks),
    // on both backends, at its first file: no banner came for bad_size.bin and the wait for
    // the error timed out (30 s). A copy that went on case by case saw each fail: bad_size.bin
    // added 5 images and bad_label.bin 6 (label 11 among them), each without a word. With the
    // worker adding each file as it read it (not checking all first), a valid file with a
    // refused one (an empty file, that refusal left on) added the valid one's 6 images behind
    // the banner: the page still said 4,000, but the valid batch then made 4,012, not 4,006,
    // which the last wait here would not find.
    test('an uploaded binary batch adds its images; wrong sizes and labels are refused in words', async () => {
      const { page } = await openLab(env);
      const before = await trainCount(page);
      const cases = [
        ['bad_size.bin', /whole number of 3073-byte records.*18437 bytes/],
        ['bad_label.bin', /Record 2 .* label 11/],
      ];
      for (const [file, pattern] of cases) {
        assert.ok(fs.existsSync(path.join(FIX, file)), `fixture missing: ${file}`);
        if (await page.locator(tid('error')).isVisible()) await page.locator(`${tid('error')} button`).click();
        await page.locator(tid('cifar-upload')).setInputFiles(path.join(FIX, file));
        const err = page.locator(tid('error'));
        await err.waitFor({ timeout: 30_000 });
        const text = await err.textContent();
        assert.match(text, pattern, file);
        assert.match(text, new RegExp(file.replace('.', '\\.')));
        assert.equal(await trainCount(page), before, 'the loaded data changed');
        await err.locator('button').click();
      }
      // A valid file together with a bad one: nothing is added.
      await page.locator(tid('cifar-upload')).setInputFiles([path.join(FIX, 'tiny_batch.bin'), path.join(FIX, 'bad_size.bin')]);
      await page.locator(tid('error')).waitFor({ timeout: 30_000 });
      assert.equal(await trainCount(page), before);
      await page.locator(`${tid('error')} button`).click();
      // The valid batch alone adds its 6 records.
      await page.locator(tid('cifar-upload')).setInputFiles(path.join(FIX, 'tiny_batch.bin'));
      await page.locator(`${tid('cifar-data')}[data-train="${before + 6}"]`).waitFor({ timeout: 30_000 });
      assert.match(await page.locator(tid('cifar-data-note')).textContent(), /tiny_batch\.bin: 6 images added/);
      assert.match(await page.locator(tid('cifar-data')).textContent(), /\(6 uploaded\)/);
      await page.close();
    });
  });
}
