// Hosting: the built folder works under a sub-path (as a GitHub Pages project site serves
// it), a first visit transfers the app shell and nothing else, each page is a URL that Back,
// Forward and reload keep, and a click on a canvas that CSS has shrunk (a phone) picks the
// pixel under the finger.
//
// Each check was seen failing against a build without its protection: the build before
// relative URLs stays blank under /convlab/ (its index.html asks for /app-….js); with the old
// service worker, which precached every file of the build, the first visit transferred
// 42.68 MB (over the budget) and no per-version cache appeared; with one that cached both
// compute worker builds, 6.38 MB (the other build's wasm too); the old canvas divided a
// click by its drawing scale and picked another pixel at 390 px; the old app
// never put the page in the URL, so Back left it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, tid, setInput, waitForAsync, weightsHeader, DIST } from './harness.mjs';

/// The first visit's budget: the app shell (the UI's wasm, one worker build's wasm, JS, CSS,
/// HTML; 3.5 MB gzipped at most, tests/size.mjs) fetched once by the page and revalidated (304)
/// by the service worker, and the home page's pictures. Data and weights come later.
const FIRST_VISIT_BUDGET = 4e6;

describe('hosting under a sub-path', () => {
  let env;
  before(async () => {
    env = await launch({ webgpu: false, base: '/convlab/' });
  });
  after(async () => {
    await env?.close();
  });

  test('served at /convlab/: a lean first visit, the pretrained map, a share link and an offline reload', { timeout: 900_000 }, async () => {
    assert.match(env.base, /\/convlab\/$/);
    const { page, errors } = await env.page('');
    await page.locator(tid('home')).waitFor({ timeout: 60_000 });
    await page.locator(tid('backend-badge')).filter({ hasText: 'CPU (WebAssembly)' }).waitFor({ timeout: 120_000 });
    // The service worker controls the page and has cached this build's shell, under its version.
    const manifest = JSON.parse(fs.readFileSync(path.join(DIST, 'sw-manifest.json'), 'utf8'));
    await waitForAsync(
      page,
      async ({ version, files }) => {
        if (!navigator.serviceWorker.controller) return false;
        if (!(await caches.has(`convlab-${version}`))) return false;
        const keys = await (await caches.open(`convlab-${version}`)).keys();
        const have = new Set(keys.map((k) => new URL(k.url).pathname));
        return files.every((f) => have.has(new URL(f, location.href).pathname));
      },
      // The shell and the worker build this browser runs (Chromium has relaxed SIMD).
      { version: manifest.version, files: [...manifest.shell, ...manifest.workers.relaxed] },
      { timeout: 180_000 },
    );
    await page.waitForTimeout(1000);
    const bytes = env.server.bytesSent;
    const requests = env.server.requests.map(([u, s, n]) => `${u} ${s} ${n}`);
    console.log(`# first visit (home page, service worker installed): ${(bytes / 1e6).toFixed(2)} MB in ${requests.length} requests`);
    for (const r of requests) console.log(`#   ${r}`);
    assert.ok(bytes <= FIRST_VISIT_BUDGET, `first visit transferred ${bytes} bytes (budget ${FIRST_VISIT_BUDGET})`);
    // Nothing outside the sub-path was asked for, no data or weights before a lab opens, and
    // none of the other worker build's files (the page runs one build; sw.js caches that one).
    const otherBuild = new Set(manifest.workers.simd128.map((f) => '/convlab/' + f.slice(2)));
    for (const [u] of env.server.requests) {
      assert.ok(!otherBuild.has(u.split('?')[0]), `the build this browser does not run was fetched: ${u}`);
      assert.ok(u.startsWith('/convlab/'), `request outside the sub-path: ${u}`);
      assert.doesNotMatch(u, /\/public\/(data|weights)\//, `fetched before a lab was opened: ${u}`);
    }

    // A lab from its card: the page is in the URL, and the pretrained map scores as recorded.
    await page.locator(tid('home-open-hyperspectral')).click();
    await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
    assert.equal(new URL(page.url()).pathname, '/convlab/');
    assert.equal(new URL(page.url()).searchParams.get('page'), 'hyperspectral');
    await page.locator(tid('pretrained')).click();
    await page.locator(tid('oa')).waitFor({ timeout: 600_000 });
    // The data and weights the lab used are now in the offline cache (kept across builds).
    await waitForAsync(page, async () => {
      const keys = await (await caches.open('convlab-data')).keys();
      const names = keys.map((k) => new URL(k.url).pathname);
      return names.includes('/convlab/public/data/indian_pines.clhs') && names.includes('/convlab/public/weights/hybridsn.clw');
    });
    const oa = Number((await page.locator(tid('oa')).textContent()).match(/([\d.]+) %/)[1]);
    const header = weightsHeader(path.resolve(DIST, 'public/weights/hybridsn.clw'));
    assert.equal(oa.toFixed(2), (100 * header.metrics.oa).toFixed(2), 'OA as recorded in the weights file');

    // A share link keeps the sub-path and restores the settings in a fresh context.
    await setInput(page, 'seed', 7);
    await page.locator(tid('copy-link')).click();
    const link = await page.locator(tid('share-link')).inputValue();
    assert.ok(link.startsWith(env.base + '?'), link);
    const fresh = await env.page(link.slice(env.base.length));
    await fresh.page.locator(tid('hyperspectral')).waitFor({ timeout: 60_000 });
    assert.equal(await fresh.page.locator(`input${tid('seed')}`).inputValue(), '7');
    assert.deepEqual(fresh.errors, []);
    await fresh.page.close();

    // Offline: the server is gone; the page reloads from the cache, with the lab's data.
    await env.stopServer();
    await page.reload();
    await page.locator(tid('scene-summary')).filter({ hasText: /Indian Pines: 145×145 pixels/ }).waitFor({ timeout: 180_000 });
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('pages as URLs, and picking on a phone', () => {
  let env;
  before(async () => {
    env = await launch({ webgpu: false });
  });
  after(async () => {
    await env?.close();
  });

  test('Back and Forward move between pages and a reload stays on the page', async () => {
    const { page, errors } = await env.page('?presenter=1');
    await page.locator(tid('home')).waitFor({ timeout: 60_000 });
    const shown = async (id) => page.locator(tid(id)).waitFor({ timeout: 30_000 });
    const param = () => new URL(page.url()).searchParams.get('page');
    await page.locator(tid('nav-conv')).click();
    await shown('conv-lab');
    assert.equal(param(), 'conv');
    await page.locator(tid('nav-runs')).click();
    await shown('runs');
    assert.equal(param(), 'runs');
    // Other parameters ride along.
    assert.equal(new URL(page.url()).searchParams.get('presenter'), '1');
    await page.goBack();
    await shown('conv-lab');
    assert.equal(param(), 'conv');
    await page.goBack();
    await shown('home');
    assert.equal(param(), null);
    await page.goForward();
    await shown('conv-lab');
    await page.reload();
    await shown('conv-lab');
    assert.equal(param(), 'conv');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('on a 390-px-wide screen a click on the shrunk map picks the pixel under it', async () => {
    const page = await env.browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(env.base + '?page=hyperspectral');
    await page.locator(tid('scene-summary')).waitFor({ timeout: 180_000 });
    const canvas = page.locator(tid('rgb-canvas'));
    await page.waitForFunction((sel) => document.querySelector(sel)?.width === 145, tid('rgb-canvas'), { timeout: 60_000 });
    const box = await canvas.boundingBox();
    // CSS shows the 145×145 composite narrower than its 3× drawing scale (435 px).
    assert.ok(box.width < 400, `canvas shown ${box.width} px wide`);
    for (const [row, col] of [[40, 60], [120, 10]]) {
      // The centre of pixel (row, col) as displayed (the 1-px border included in the box).
      const inner = box.width - 2;
      await canvas.click({ position: { x: 1 + ((col + 0.5) * inner) / 145, y: 1 + ((row + 0.5) * inner) / 145 } });
      await page.locator(tid('spectrum-caption')).filter({ hasText: `row ${row}, col ${col}` }).waitFor({ timeout: 30_000 });
    }
    await page.close();
  });
});
