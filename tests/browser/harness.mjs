// Shared set-up for the browser tests: the built app served on 127.0.0.1, and Debian's
// chromium driven by playwright-core, with WebGPU (software adapter) or without (CPU fallback).
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DIST = process.env.CONVLAB_DIST ? path.resolve(process.env.CONVLAB_DIST) : path.resolve(here, '../../dist');

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM, '/usr/lib/chromium/chromium', '/usr/bin/chromium'];
  const found = candidates.find((p) => p && fs.existsSync(p));
  if (!found) throw new Error('chromium not found: install Debian chromium (make tools)');
  return found;
}

/// Starts the server and a browser. `webgpu`: pass --enable-unsafe-webgpu. `base`: the URL
/// path the app is served under ("/", or a sub-path such as "/convlab/").
export async function launch({ webgpu, base: basePath = '/' }) {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error('dist/ is missing: run trunk build --release');
  const server = await startServer(DIST, 0, basePath);
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader');
  else args.push('--disable-gpu');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args });
  const base = `http://127.0.0.1:${server.address().port}${basePath}`;
  return {
    base,
    browser,
    server,
    async page(query = '') {
      const page = await browser.newPage();
      const errors = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (err) => errors.push(String(err)));
      page.on('response', (resp) => {
        if (resp.status() >= 400) errors.push(`HTTP ${resp.status()} for ${resp.url()}`);
      });
      await page.goto(base + query);
      return { page, errors };
    },
    /// Stops the static server (as if the network were gone); the browser stays.
    async stopServer() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
    async close() {
      await browser.close();
      if (server.listening) await new Promise((r) => server.close(r));
    },
  };
}

/// Longest wait for a click's answer that still counts as responsive. Work on the page's own
/// thread (training, a map) would block it for whole steps, seconds at a time; a loaded CI
/// machine delays an answer by a few hundred milliseconds at worst. Tests never fail on a
/// timing finer than that: the latencies are printed instead.
export const FROZEN_MS = 2000;

/// Checks that every click of a run was answered without the page freezing, and prints the
/// median and largest latency (ms) under `label` (the backend).
export function assertResponsive(latencies, label) {
  if (latencies.length === 0) throw new Error('no click latency was measured');
  const sorted = [...latencies].sort((a, b) => a - b);
  const max = sorted[sorted.length - 1];
  const median = sorted[Math.floor(sorted.length / 2)];
  if (!(max < FROZEN_MS)) {
    throw new Error(`the page froze: a click waited ${max.toFixed(0)} ms (median ${median.toFixed(0)} ms over ${latencies.length} clicks)`);
  }
  console.log(`# ${label}: click latency median ${median.toFixed(0)} ms, max ${max.toFixed(0)} ms over ${latencies.length} clicks`);
}

/// Milliseconds from a click on `button` until the DOM under `watched` changes (the UI's
/// answer), measured in the page.
export async function clickLatency(page, button, watched) {
  return page.evaluate(
    ([b, w]) =>
      new Promise((resolve) => {
        const el = document.querySelector(w);
        const t0 = performance.now();
        const obs = new MutationObserver(() => {
          obs.disconnect();
          resolve(performance.now() - t0);
        });
        obs.observe(el, { childList: true, subtree: true, characterData: true, attributes: true });
        document.querySelector(b).click();
      }),
    [button, watched],
  );
}

export const tid = (id) => `[data-testid="${id}"]`;

/// The JSON header of a convlab weights file (`.clw`: its length at byte 16, the JSON from
/// byte 20), with the metrics the native CLI recorded when it saved the file.
export function weightsHeader(file) {
  const b = fs.readFileSync(file);
  return JSON.parse(b.subarray(20, 20 + b.readUInt32LE(16)).toString('utf8'));
}

/// Waits until the async `fn(arg)`, run in the page, resolves truthy (polling every
/// `interval` ms). Playwright's waitForFunction does not await a promise: an async predicate
/// would pass at once.
export async function waitForAsync(page, fn, arg, { timeout = 60_000, interval = 500 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > deadline) throw new Error(`waitForAsync: not true after ${timeout} ms`);
    await page.waitForTimeout(interval);
  }
}

/// A signature of a canvas's pixels (size and a hash), read in the page; null before drawing.
export function canvasSig(page, id) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    if (!c || !c.width) return null;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 3) h = (Math.imul(h, 31) + d[i]) >>> 0;
    return `${c.width}x${c.height}:${h}`;
  }, tid(id));
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/// Clicks `button`, takes the PNG it downloads, checks its signature and IHDR, and decodes it
/// in the page (createImageBitmap): its file name and size (the IHDR's, which the decoded
/// image matches).
export async function downloadPng(page, button) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
  const bytes = fs.readFileSync(await d.path());
  if (PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error(`${button}: not a PNG`);
  if (bytes.subarray(12, 16).toString() !== 'IHDR') throw new Error(`${button}: no IHDR first`);
  const [w, h] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  const size = await page.evaluate(async (b64) => {
    const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bin], { type: 'image/png' }));
    return { w: bmp.width, h: bmp.height };
  }, bytes.toString('base64'));
  if (size.w !== w || size.h !== h) throw new Error(`${button}: IHDR ${w}×${h}, decoded ${size.w}×${size.h}`);
  return { name: d.suggestedFilename(), w, h };
}

/// Types `v` into the number input `id` and fires its change event (what the labs listen to).
export async function setInput(page, id, v) {
  await page.locator(`input${tid(id)}`).fill(String(v));
  await page.locator(`input${tid(id)}`).dispatchEvent('change');
}

/// The small real fixtures (tests/fixtures/data).
export const FIXTURES = path.resolve(here, '../fixtures/data');

/// Loads a real 24×24 window of Indian Pines (all 200 bands, its own labels) into the
/// hyperspectral lab: short maps for training tests.
export async function loadCrop(page) {
  await page.locator(tid('upload-scene')).setInputFiles(path.join(FIXTURES, 'ip_crop_24.npy'));
  await page.locator(tid('upload-gt')).setInputFiles(path.join(FIXTURES, 'ip_crop_24_gt.npy'));
  await page.waitForTimeout(300);
  await page.locator(tid('upload-load')).click();
  await page.locator(tid('scene-summary')).filter({ hasText: '24×24 pixels, 200 bands' }).waitFor({ timeout: 60_000 });
}
