// Links: a copied link restores the configured view in a fresh browser context, and
// malformed parameters give the default view and a notice (never a crash or markup).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, tid, canvasSig, setInput, loadCrop } from './harness.mjs';



describe('links that restore a view', () => {
  let env;
  before(async () => {
    env = await launch({ webgpu: false });
  });
  after(async () => {
    await env?.close();
  });

  test('a copied hyperspectral link restores the settings in a fresh context', async () => {
    const { page, errors } = await env.page('?page=hyperspectral');
    await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
    const set = (id, v) => setInput(page, id, v);
    await set('pca', 20);
    await set('patch', 21);
    await set('seed', 7);
    await set('train-fraction', 0.05);
    await set('min-per-class', 24);
    await set('val-fraction', 0.2);
    await page.locator(tid('spatial')).check();
    await page.locator(tid('guard')).selectOption('labels-apart');
    await page.locator(tid('map-view')).selectOption('errors');
    await page.locator(tid('copy-link')).click();
    const link = await page.locator(tid('share-link')).inputValue();
    assert.match(link, /page=hyperspectral/);
    assert.match(link, /pca=20/);
    assert.deepEqual(errors, []);
    await page.close();

    // env.page opens a new browser context: nothing is shared but the link.
    const fresh = await env.page(link.slice(env.base.length));
    const p = fresh.page;
    await p.locator(tid('hyperspectral')).waitFor({ timeout: 60_000 });
    const val = (id) => p.locator(`input${tid(id)}`).inputValue();
    assert.equal(await val('pca'), '20');
    assert.equal(await val('patch'), '21');
    assert.equal(await val('seed'), '7');
    assert.equal(await val('train-fraction'), '0.05');
    assert.equal(await val('min-per-class'), '24');
    assert.equal(await val('val-fraction'), '0.2');
    assert.ok(await p.locator(tid('spatial')).isChecked());
    assert.equal(await p.locator(tid('guard')).inputValue(), 'labels-apart');
    assert.equal(await p.locator(tid('map-view')).inputValue(), 'errors');
    assert.equal(await p.locator(tid('url-notice')).count(), 0);
    assert.deepEqual(fresh.errors, []);
    await p.close();
  });

  test('a copied conv lab link restores the settings in a fresh context', async () => {
    const { page, errors } = await env.page('?page=conv');
    await page.locator(tid('cost-headline')).waitFor({ timeout: 120_000 });
    const set = (id, v) => setInput(page, id, v);
    // Range inputs cannot be filled: set the value and fire the events a drag would.
    const setRange = (id, v) =>
      page.locator(tid(id)).evaluate((el, value) => {
        el.value = String(value);
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
      }, v);
    await set('cost-in', 32);
    await set('cost-kernel', 5);
    await set('cost-height', 16);
    await set('cost-width', 24);
    await set('cost-stride', 2);
    await set('cost-padding', 2);
    // Option 3 of 1, 2, 4, 8, 16, 32 (32 → 64 channels) is g = 8.
    await setRange('cost-groups', 3);
    await page.locator(tid('cost-groups-value')).filter({ hasText: 'g = 8 ' }).waitFor({ timeout: 30_000 });
    await set('maps-out', 12);
    await set('maps-seed', 5);
    await page.locator(tid('kernel-source')).selectOption('random');
    await page.locator(tid('sample-select')).selectOption('catdog-1');
    await setRange('depth-slider', 24);
    await page.locator(tid('copy-link')).click();
    const link = await page.locator(tid('share-link')).inputValue();
    for (const p of ['page=conv', 'cin=32', 'k=5', 'groups=8', 'img=catdog-1', 'kernels=random', 'depth=24']) {
      assert.match(link, new RegExp(`[?&]${p}(&|$)`), link);
    }
    assert.deepEqual(errors, []);
    await page.close();

    const fresh = await env.page(link.slice(env.base.length));
    const p = fresh.page;
    await p.locator(tid('cost-headline')).waitFor({ timeout: 120_000 });
    const val = (id) => p.locator(tid(id)).inputValue();
    assert.equal(await val('cost-in'), '32');
    assert.equal(await val('cost-out'), '64');
    assert.equal(await val('cost-kernel'), '5');
    assert.equal(await val('cost-height'), '16');
    assert.equal(await val('cost-width'), '24');
    assert.equal(await val('cost-stride'), '2');
    assert.equal(await val('cost-padding'), '2');
    assert.match(await p.locator(tid('cost-groups-value')).textContent(), /g = 8 /);
    assert.equal(await val('maps-out'), '12');
    assert.equal(await val('maps-seed'), '5');
    assert.equal(await val('kernel-source'), 'random');
    assert.equal(await val('sample-select'), 'catdog-1');
    assert.equal(await val('depth-slider'), '24');
    assert.match(await p.locator(tid('depth-value')).textContent(), /d = 24/);
    // The maps were computed for the restored settings, not the defaults.
    await p.locator(tid('maps-summary')).filter({ hasText: /cat\.1 at 64×64, random kernels, 12 output/ }).waitFor({ timeout: 180_000 });
    assert.equal(await p.locator(tid('url-notice')).count(), 0);
    assert.deepEqual(fresh.errors, []);
    await p.close();
  });

  test('a copied CIFAR-10 link restores the training form in a fresh context', async () => {
    const { page, errors } = await env.page('?page=cifar');
    await page.locator(tid('cifar')).waitFor({ timeout: 60_000 });
    const set = (id, v) => setInput(page, id, v);
    await page.locator(tid('cifar-model')).selectOption('plaincnn');
    await set('cifar-width', 0.75);
    await set('cifar-epochs', 3);
    await set('cifar-batch', 16);
    await set('cifar-lr', 0.0005);
    await page.locator(tid('cifar-cosine')).uncheck();
    await set('cifar-warmup', 2);
    await set('cifar-smoothing', 0.05);
    await set('cifar-wd', 0.001);
    await page.locator(tid('cifar-augment')).uncheck();
    await set('cifar-seed', 42);
    await set('cifar-max-train', 300);
    await set('cifar-max-test', 100);
    await page.locator(`${tid('cifar-dataset')}:not([disabled])`).waitFor({ timeout: 60_000 });
    await page.locator(tid('cifar-dataset')).selectOption('cats-dogs');
    await page.locator(`${tid('cifar-data')}[data-dataset="cats-dogs"]`).waitFor({ timeout: 180_000 });
    await page.locator(tid('copy-link')).click();
    const link = await page.locator(tid('share-link')).inputValue();
    for (const p of ['page=cifar', 'c_model=plaincnn', 'c_lr=0.0005', 'c_augment=0', 'c_seed=42', 'c_data=cats-dogs']) {
      assert.match(link, new RegExp(`[?&]${p}(&|$)`), link);
    }
    assert.deepEqual(errors, []);
    await page.close();

    const fresh = await env.page(link.slice(env.base.length));
    const p = fresh.page;
    await p.locator(tid('cifar')).waitFor({ timeout: 60_000 });
    const val = (id) => p.locator(`:is(input, select)${tid(id)}`).inputValue();
    assert.equal(await val('cifar-model'), 'plaincnn');
    assert.equal(await val('cifar-width'), '0.75');
    assert.equal(await val('cifar-epochs'), '3');
    assert.equal(await val('cifar-batch'), '16');
    assert.equal(await val('cifar-lr'), '0.0005');
    assert.equal(await p.locator(tid('cifar-cosine')).isChecked(), false);
    assert.equal(await val('cifar-warmup'), '2');
    assert.equal(await val('cifar-smoothing'), '0.05');
    assert.equal(await val('cifar-wd'), '0.001');
    assert.equal(await p.locator(tid('cifar-augment')).isChecked(), false);
    assert.equal(await val('cifar-seed'), '42');
    assert.equal(await val('cifar-max-train'), '300');
    assert.equal(await val('cifar-max-test'), '100');
    // The lab loads the data set the link names: the cats and dogs photos.
    await p.locator(`${tid('cifar-data')}[data-dataset="cats-dogs"]`).waitFor({ timeout: 180_000 });
    assert.equal(await val('cifar-dataset'), 'cats-dogs');
    assert.equal(await p.locator(tid('cifar-data')).getAttribute('data-train'), '320');
    assert.equal(await p.locator(tid('url-notice')).count(), 0);
    assert.deepEqual(fresh.errors, []);
    await p.close();
  });

  // Seen failing with the fallbacks switched off (Query's range checks off for the Conv lab's
  // and CIFAR-10 lab's parameters, and read_conv_spec keeping a spec its calculator refuses):
  // k=99 was kept without a word, so the notice (on cin, img and kernels only) failed
  // /Ignored k=/. A copy that went on saw each part fail: depth=0 and maps_out=65 were kept
  // too (the fields showed 1 and 65); pad=5 with k=3 came with no notice at all (the wait for
  // it timed out, padding 5 on screen); c_width=9, c_epochs=0 and c_smoothing=1 were kept
  // (9, 0, 1 on the form). With the notice rendered as markup (below), img=<b>x</b> became a
  // bold x, which the count of <b> here refuses.
  test('bad conv and CIFAR-10 parameters fall back to the defaults with a notice', async () => {
    const open = async (query, section) => {
      const { page, errors } = await env.page(query);
      const notice = page.locator(tid('url-notice'));
      await notice.waitFor({ timeout: 30_000 });
      await page.locator(tid(section)).waitFor({ timeout: 60_000 });
      return { page, errors, notice, text: await notice.textContent() };
    };

    // Conv lab: each bad value names itself; markup in a value stays text.
    const conv = await open('?page=conv&k=99&cin=abc&img=%3Cb%3Ex%3C%2Fb%3E&kernels=sobel&depth=0&maps_out=65', 'conv-lab');
    for (const key of ['k', 'cin', 'img', 'kernels', 'depth', 'maps_out']) {
      assert.match(conv.text, new RegExp(`Ignored ${key}=`), conv.text);
    }
    assert.match(conv.text, /Ignored k="99" in the link \(not between 1 and 15\); using 3\./);
    assert.equal(await conv.notice.locator('b').count(), 0);
    const cval = (id) => conv.page.locator(tid(id)).inputValue();
    assert.equal(await cval('cost-kernel'), '3');
    assert.equal(await cval('cost-in'), '3');
    assert.equal(await cval('sample-select'), 'cifar-0');
    assert.equal(await cval('kernel-source'), 'handmade');
    assert.equal(await cval('depth-slider'), '7');
    assert.equal(await cval('maps-out'), '8');
    assert.deepEqual(conv.errors, []);
    await conv.page.close();

    // Values each in range but together impossible (padding ≥ kernel): the calculator's defaults.
    const pad = await open('?page=conv&k=3&pad=5&cin=16', 'conv-lab');
    assert.match(pad.text, /Ignored the calculator settings in the link \(padding 5 must be smaller than the kernel \(3\)\)/);
    assert.equal(await pad.page.locator(tid('cost-padding')).inputValue(), '1');
    assert.equal(await pad.page.locator(tid('cost-in')).inputValue(), '3');
    assert.deepEqual(pad.errors, []);
    await pad.page.close();

    // CIFAR-10 lab.
    const cifar = await open('?page=cifar&c_model=resnet&c_width=9&c_epochs=0&c_seed=-1&c_smoothing=1&c_augment=maybe', 'cifar');
    for (const key of ['c_model', 'c_width', 'c_epochs', 'c_seed', 'c_smoothing', 'c_augment']) {
      assert.match(cifar.text, new RegExp(`Ignored ${key}=`), cifar.text);
    }
    const fval = (id) => cifar.page.locator(`:is(input, select)${tid(id)}`).inputValue();
    assert.equal(await fval('cifar-model'), 'mobilenetv1');
    assert.equal(await fval('cifar-width'), '0.5');
    assert.equal(await fval('cifar-epochs'), '10');
    assert.equal(await fval('cifar-seed'), '0');
    assert.equal(await fval('cifar-smoothing'), '0.1');
    assert.ok(await cifar.page.locator(tid('cifar-augment')).isChecked());
    assert.deepEqual(cifar.errors, []);
    await cifar.page.close();
  });

  test('a trained run survives a reload on the Runs page, with its weights; its exported weights import with the same predictions', async () => {
    const { page, errors } = await env.page('?page=hyperspectral');
    await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
    // A 24×24 window of Indian Pines keeps both maps (trained, imported) short.
    await loadCrop(page);
    const set = (id, v) => setInput(page, id, v);
    await set('epochs', 1);
    await set('max-train', 32);
    await set('batch', 16);
    await page.locator(tid('keep-weights')).check();
    await page.locator(tid('train')).click();
    await page.locator(tid('metrics')).filter({ hasText: 'your run' }).waitFor({ timeout: 900_000 });
    const metrics = await page.locator(tid('metrics')).textContent();
    const oa = metrics.match(/OA ([\d.]+) %/)[1];
    const map = await canvasSig(page, 'map-canvas');

    // The training curves download as a PNG of the expected size.
    const [curves] = await Promise.all([page.waitForEvent('download'), page.locator(tid('curves-png')).click()]);
    const png = fs.readFileSync(await curves.path());
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const [pw, ph] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    assert.ok(pw >= 640 + 32 && ph >= 320 + 32, `curves PNG ${pw}×${ph}`);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator(tid('epochs-csv')).click()]);
    const lines = fs.readFileSync(await csv.path(), 'utf8').trim().split(/\r?\n/);
    assert.equal(lines[0], 'epoch,loss,train_acc,val_oa,seconds');
    assert.equal(lines.length, 2);

    // Export, then import the file: the same map and scores.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(tid('export-weights')).click()]);
    const file = path.join(os.tmpdir(), 'convlab-hsi-weights.clw');
    await download.saveAs(file);
    assert.ok(fs.statSync(file).size > 1_000_000, 'a weights file of a few MB');
    await page.locator(tid('import-weights')).setInputFiles(file);
    await page.locator(tid('metrics')).filter({ hasText: 'imported weights' }).waitFor({ timeout: 900_000 });
    assert.equal((await page.locator(tid('metrics')).textContent()).match(/OA ([\d.]+) %/)[1], oa);
    assert.equal(await canvasSig(page, 'map-canvas'), map);

    // The run is on the Runs page, and still there after a reload.
    await page.locator(tid('nav-runs')).click();
    await page.locator(tid('run-row')).first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator(tid('run-row')).count(), 1);
    assert.match(await page.locator(tid('run-model')).textContent(), /HybridSN/);
    assert.match(await page.locator(tid('run-metrics')).textContent(), new RegExp(`OA ${oa} %`));
    await page.goto(env.base + '?page=runs');
    await page.locator(tid('run-row')).first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator(tid('run-row')).count(), 1);
    assert.equal(await page.locator(tid('run-curve')).count(), 1);
    // It was saved with its weights: the same file as the one exported above.
    const [saved] = await Promise.all([page.waitForEvent('download'), page.locator(tid('run-weights')).click()]);
    assert.ok(fs.readFileSync(await saved.path()).equals(fs.readFileSync(file)), 'the saved weights are the exported ones');
    // Deleting it empties the list.
    await page.locator(tid('run-delete')).click();
    await page.locator(tid('runs-empty')).waitFor({ timeout: 30_000 });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('presenter mode: large type, shortcuts, and layouts for a phone and a projector', async () => {
    const { page, errors } = await env.page('?page=hyperspectral');
    await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
    const fontSize = () => page.evaluate(() => getComputedStyle(document.body).fontSize);
    assert.equal(await fontSize(), '16px');
    await page.locator('body').press('p');
    assert.equal(await fontSize(), '22px');
    assert.match(await page.locator(tid('presenter')).textContent(), /on/);
    await page.locator('body').press('?');
    await page.locator(tid('shortcuts')).waitFor({ timeout: 5_000 });
    // The link carries presenter mode.
    await page.locator(tid('copy-link')).click();
    assert.match(await page.locator(tid('share-link')).inputValue(), /presenter=1/);
    // → goes to the next page (Models), ← back.
    await page.locator('body').press('ArrowRight');
    await page.locator(tid('nav-models')).and(page.locator('.active')).waitFor({ timeout: 5_000 });
    await page.locator('body').press('ArrowLeft');
    await page.locator(tid('hyperspectral')).waitFor({ timeout: 5_000 });
    // Neither a phone nor a projector needs sideways scrolling.
    for (const [w, h] of [[375, 740], [1920, 1080]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(200);
      const sw = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(sw <= w + 1, `page ${sw}px wide in a ${w}px window`);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  // Seen failing with the refusal switched off (load_hybridsn's model check, and
  // weights::load's check that the tensors fit): the file got as far as its config and was
  // refused as "cifar_mobilenetv1_w025.clw: The weights' model config is malformed: missing
  // field `bands`", which does not name MobileNetV1.
  test("another model's weights file is refused in words and the lab keeps its state", async () => {
    const { page, errors } = await env.page('?page=hyperspectral');
    await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
    const summary = await page.locator(tid('scene-summary')).textContent();
    const foreign = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../public/weights/cifar_mobilenetv1_w025.clw');
    assert.ok(fs.existsSync(foreign), 'the shipped CIFAR-10 weights');
    await page.locator(tid('import-weights')).setInputFiles(foreign);
    const err = page.locator(tid('error'));
    await err.waitFor({ timeout: 60_000 });
    assert.match(await err.textContent(), /MobileNetV1/);
    assert.equal(await page.locator(tid('scene-summary')).textContent(), summary);
    assert.equal(await page.locator(tid('metrics')).count(), 0, 'no scores appeared');
    assert.deepEqual(errors, []);
    await page.close();
  });

  // Seen failing with the protection switched off (the notice set as inner_html, and echo()
  // neither cutting nor cleaning a value): the <img src=x onerror=alert(1)> of view= became
  // an image on the page (1 !== 0 for img[src="x"]) and its alert fired.
  test('malformed parameters show the default view and a notice, and inject nothing', async () => {
    let dialogs = 0;
    const query =
      '?page=nowhere&pca=abc&patch=24&lr=1e999&view=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&backend=quantum';
    const { page, errors } = await env.page(query);
    page.on('dialog', async (d) => {
      dialogs += 1;
      await d.dismiss();
    });
    const notice = page.locator(tid('url-notice'));
    await notice.waitFor({ timeout: 30_000 });
    const text = await notice.textContent();
    for (const key of ['page', 'pca', 'patch', 'lr', 'view', 'backend']) {
      assert.match(text, new RegExp(`Ignored ${key}=`), text);
    }
    // The default page (home) is shown, and the markup stayed text.
    await page.locator(tid('home')).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(dialogs, 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

});
