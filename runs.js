// Saved runs, kept in the browser's IndexedDB (database "convlab", store "runs") so they
// survive a reload. The UI (Rust) calls these through `self.convlabRuns`; every function
// returns a Promise, rejected with the browser's error (e.g. QuotaExceededError).
(function () {
  const DB = 'convlab';
  const STORE = 'runs';
  function open() {
    return new Promise((resolve, reject) => {
      if (!self.indexedDB) {
        reject(new Error('this browser keeps no saved runs (IndexedDB is unavailable)'));
        return;
      }
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: 'id' });
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  function tx(mode, fn) {
    return open().then(
      (db) =>
        new Promise((resolve, reject) => {
          const t = db.transaction(STORE, mode);
          const req = fn(t.objectStore(STORE));
          t.oncomplete = () => {
            db.close();
            resolve(req ? req.result : undefined);
          };
          t.onabort = t.onerror = () => {
            db.close();
            reject(t.error || new Error('the saved-runs store refused the change'));
          };
        }),
    );
  }
  self.convlabRuns = {
    // `weights` (optional): the run's weights file, a Uint8Array.
    put: (id, json, weights) =>
      tx('readwrite', (s) => s.put(weights ? { id, json, weights } : { id, json })).then(() => id),
    list: () => tx('readonly', (s) => s.getAll()).then((rows) => rows.map((r) => r.json)),
    // Ids of the runs saved with their weights.
    withWeights: () =>
      tx('readonly', (s) => s.getAll()).then((rows) => rows.filter((r) => r.weights).map((r) => r.id)),
    // A run's weights file (Uint8Array), or null.
    weights: (id) => tx('readonly', (s) => s.get(id)).then((r) => (r && r.weights) || null),
    remove: (id) => tx('readwrite', (s) => s.delete(id)),
  };
})();
