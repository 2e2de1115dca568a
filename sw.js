// convlab's service worker: after a first visit the app works without a network.
//
// - On install it caches the app shell only (HTML, JS, CSS, the UI's wasm: the SHELL list)
//   and the files of the one compute worker build the page runs (WORKERS, by the `worker`
//   parameter of this script's URL, which the page sets: src/ui/client.rs). Both lists and the
//   build's VERSION are written into this file by tools/sw-manifest.mjs, a Trunk post-build
//   hook. So a first visit transfers the shell and its worker, and nothing else.
// - Data and weights are cached when first used (the labs a visitor opened work offline).
// - Each build has its own shell cache (`convlab-<VERSION>`); on activate the old ones are
//   deleted. Data and weights live in one cache across builds (`convlab-data`; the compute
//   worker also puts what it downloads there, see src/worker/fetch.rs, since on a first
//   visit it starts before this worker controls it); each online fetch refreshes them.
// - Requests go to the network first (a new build is picked up at once) and fall back to the
//   cache when the network is down.
const VERSION = 'dev';
const SHELL = ['./'];
const WORKERS = {};
const CACHE = `convlab-${VERSION}`;
/// Data and weights (fetched when a lab needs them) and their cache, kept across builds.
const DATA_FILES = /\/public\//;
const DATA = 'convlab-data';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const worker = new URL(self.location.href).searchParams.get('worker');
      const files = [...SHELL, ...(WORKERS[worker] ?? WORKERS.simd128 ?? [])];
      // 'no-cache': revalidate with the server, so the page's own copies (just downloaded)
      // cost a 304 and not a second transfer, and a stale HTTP cache never enters this build.
      await Promise.all(
        files.map(async (f) => {
          try {
            const r = await fetch(f, { cache: 'no-cache' });
            if (r.ok) await cache.put(f, r);
          } catch (_) {
            // One missing file must not stop the others; the fetch handler fills gaps.
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('convlab') && name !== CACHE && name !== DATA) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      try {
        const r = await fetch(req);
        if (r.status === 200) {
          const copy = r.clone();
          const name = DATA_FILES.test(new URL(req.url).pathname) ? DATA : CACHE;
          caches.open(name).then((c) => c.put(req, copy)).catch(() => {});
        }
        return r;
      } catch (err) {
        const hit = await caches.match(req, { ignoreSearch: true });
        if (hit) return hit;
        throw err;
      }
    })(),
  );
});
