// export.js — bootstrap of govae's export Web Worker (wasm/exportworker).
//
// The page starts it on its first export. It loads export.wasm (the picture
// code and the Go fonts, kept out of the page's own binary) and hands the
// page's messages to the Go program once it listens, in order. If the wasm
// cannot be loaded or stops, the page receives {fatal: reason}.
'use strict';
importScripts('wasm_exec.js');

let queue = [];
let deliver = null;

self.onmessage = (e) => {
  if (deliver) {
    deliver(e.data);
  } else {
    queue.push(e.data);
  }
};

// Called by the Go program once it listens.
self.govaeExportStarted = () => {
  deliver = self.govaeExportRun;
  for (const d of queue) deliver(d);
  queue = [];
};

(async () => {
  try {
    const r = await fetch('export.wasm');
    if (!r.ok) throw new Error('export.wasm: HTTP ' + r.status + ' ' + r.statusText);
    const go = new Go();
    const bytes = await r.arrayBuffer();
    const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
    await go.run(instance);
    self.postMessage({ fatal: 'the exporter stopped' });
  } catch (e) {
    self.postMessage({ fatal: 'the exporter could not start: ' + String((e && e.message) || e) });
  }
})();
