// Links: a copied link restores the configured view in a fresh browser context, and
// malformed parameters give the default view and a notice (never a crash or markup).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, tid } from './harness.mjs';

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
    const set = async (id, v) => {
      await page.locator(`input${tid(id)}`).fill(String(v));
      await page.locator(`input${tid(id)}`).dispatchEvent('change');
    };
    await set('pca', 20);
    await set('patch', 21);
    await set('seed', 7);
    await set('train-fraction', 0.05);
    await page.locator(tid('spatial')).check();
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
    assert.ok(await p.locator(tid('spatial')).isChecked());
    assert.equal(await p.locator(tid('map-view')).inputValue(), 'errors');
    assert.equal(await p.locator(tid('url-notice')).count(), 0);
    assert.deepEqual(fresh.errors, []);
    await p.close();
  });

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
    // The default page (the lab bench) is shown, and the markup stayed text.
    await page.locator(tid('smoke-start')).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(dialogs, 0);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('after a first visit the app reloads and loads its data with the server stopped', async () => {
    const own = await launch({ webgpu: false });
    try {
      const { page } = await own.page('?page=hyperspectral');
      await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
      // The service worker has taken the page and cached every file of the build.
      await page.waitForFunction(
        async () => {
          if (!navigator.serviceWorker.controller) return false;
          const m = await (await fetch('./sw-manifest.json')).json();
          const keys = await (await caches.open('convlab')).keys();
          const have = new Set(keys.map((k) => new URL(k.url).pathname));
          return m.files.every((f) => have.has(new URL(f, location.href).pathname));
        },
        null,
        { timeout: 180_000, polling: 1000 },
      );
      await own.stopServer();
      await page.reload();
      await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
      assert.match(await page.locator(tid('scene-summary')).textContent(), /Indian Pines: 145×145 pixels/);
      await page.close();
    } finally {
      await own.close();
    }
  });
});
