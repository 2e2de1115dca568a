// Saved runs, kept in the browser's IndexedDB (database "convlab": store "runs", and "weights" for
// the weights files saved with them) so they survive a reload. The UI (Rust) calls these through
// `self.convlabRuns`; every function returns a Promise, rejected with the browser's error.
(function () {
  const DB = 'convlab';
  const STORE = 'runs';
  const WEIGHTS = 'weights';
  function open() {
    return new Promise((resolve, reject) => {
      if (!self.indexedDB) {
        reject(new Error('this browser keeps no saved runs (IndexedDB is unavailable)'));
        return;
      }
      // Version 2 keeps weights files in a store of their own, so listing runs never reads them.
      const r = indexedDB.open(DB, 2);
      r.onupgradeneeded = () => {
        const db = r.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'id' });
        if (!db.objectStoreNames.contains(WEIGHTS)) db.createObjectStore(WEIGHTS);
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  // One transaction over `stores`; `fn` gets the transaction and returns the request whose
  // result the promise resolves to.
  function tx(stores, mode, fn) {
    return open().then(
      (db) =>
        new Promise((resolve, reject) => {
          const t = db.transaction(stores, mode);
          const req = fn(t);
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
      tx([STORE, WEIGHTS], 'readwrite', (t) => {
        if (weights) t.objectStore(WEIGHTS).put(weights, id);
        return t.objectStore(STORE).put({ id, json });
      }).then(() => id),
    list: () => tx(STORE, 'readonly', (t) => t.objectStore(STORE).getAll()).then((rows) => rows.map((r) => r.json)),
    // Ids of the runs saved with their weights.
    withWeights: () => tx(WEIGHTS, 'readonly', (t) => t.objectStore(WEIGHTS).getAllKeys()),
    // A run's weights file (Uint8Array), or null.
    weights: (id) => tx(WEIGHTS, 'readonly', (t) => t.objectStore(WEIGHTS).get(id)).then((w) => w || null),
    remove: (id) =>
      tx([STORE, WEIGHTS], 'readwrite', (t) => {
        t.objectStore(WEIGHTS).delete(id);
        return t.objectStore(STORE).delete(id);
      }),
  };
})();
