// convlab's service worker: after a first visit the app works without a network.
// On install it caches every file of the build (listed in sw-manifest.json, written by
// tools/sw-manifest.mjs as a Trunk post-build hook): app shell, worker, data and weights.
// Requests go to the network first (so a new build is picked up at once) and fall back to
// the cache when the network is down.
const CACHE = 'convlab';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      let files = ['./'];
      try {
        const r = await fetch('./sw-manifest.json', { cache: 'no-store' });
        if (r.ok) files = files.concat((await r.json()).files);
      } catch (_) {
        // No manifest: cache what is fetched from now on.
      }
      await Promise.all(
        files.map(async (f) => {
          try {
            const r = await fetch(f, { cache: 'no-store' });
            if (r.ok) await cache.put(f, r);
          } catch (_) {
            // One missing file must not stop the others.
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      try {
        const r = await fetch(req);
        if (r.ok) {
          const copy = r.clone();
          caches.open(CACHE).then((c) => c.put(req, copy)).catch(() => {});
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
