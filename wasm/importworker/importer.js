// importer.js — bootstrap of govae's import worker (wasm/importworker).
//
// The page starts it on the first import. It loads wasm_exec.js and
// importer.wasm and hands the page's messages to the Go program in order
// (queued until it has started). When importer.wasm cannot be fetched or
// started, or stops, it posts {fatal: message} and the page says so.
'use strict';
importScripts('wasm_exec.js');

let queue = [];
let deliver = null;

self.onmessage = (e) => {
  if (deliver) deliver(e.data);
  else queue.push(e.data);
};

// Called by the Go program once it listens.
self.govaeImporterStarted = () => {
  deliver = self.govaeImport;
  for (const d of queue) deliver(d);
  queue = [];
};

(async () => {
  let stderr = '';
  const write = globalThis.fs.writeSync.bind(globalThis.fs);
  globalThis.fs.writeSync = (fd, buf) => {
    if (fd === 2) stderr = (stderr + new TextDecoder().decode(buf)).slice(-2000);
    return write(fd, buf);
  };
  try {
    const r = await fetch('importer.wasm');
    if (!r.ok) throw new Error('importer.wasm: HTTP ' + r.status + ' ' + r.statusText);
    const go = new Go();
    const instance = (await WebAssembly.instantiate(await r.arrayBuffer(), go.importObject)).instance;
    await go.run(instance);
    self.postMessage({ fatal: 'the import worker stopped: ' + (stderr.trim() || 'the Go program exited') });
  } catch (e) {
    self.postMessage({ fatal: 'the import worker could not start: ' + String(e && e.message || e) });
  }
})();
