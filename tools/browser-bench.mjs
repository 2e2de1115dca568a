// The device check ("Will this machine do?") in headless Chromium, printed as one line:
// train and inference samples/s of each lab's model on the page's backend, the whole-scene map
// estimate. For A/B runs of two builds on one machine:
//   CONVLAB_DIST=/tmp/dist-a node tools/browser-bench.mjs [--webgpu] [query]
// (query default: '?page=bench&batch=8&c_batch=16'; the check times the labs' form settings).
import { launch, tid } from '../tests/browser/harness.mjs';

const webgpu = process.argv.includes('--webgpu');
const query = process.argv.slice(2).find((a) => a.startsWith('?')) ?? '?page=bench&batch=8&c_batch=16';
const env = await launch({ webgpu });
try {
  const { page } = await env.page(query);
  await page.locator(tid('backend-badge')).filter({ hasNotText: 'Loading' }).filter({ hasNotText: 'Starting' }).waitFor({ timeout: 120_000 });
  const t0 = Date.now();
  await page.locator(tid('check-start')).click();
  await page.locator(tid('check-map')).waitFor({ timeout: 1_800_000 });
  const rows = await page.locator(tid('check-row')).evaluateAll((els) =>
    els.map((e) => `${e.children[0].textContent} b${e.children[2].textContent} train ${e.querySelector('[data-testid="check-train"]').textContent} / infer ${e.querySelector('[data-testid="check-infer"]').textContent}`),
  );
  const mapS = Number(await page.locator(tid('check-map')).getAttribute('data-map-s'));
  console.log(`${process.env.CONVLAB_DIST ?? 'dist'} ${webgpu ? 'webgpu' : 'cpu'}: ${rows.join('; ')} samples/s; map ≈ ${mapS.toFixed(1)} s; check ${((Date.now() - t0) / 1000).toFixed(0)} s`);
} finally {
  await env.close();
}
