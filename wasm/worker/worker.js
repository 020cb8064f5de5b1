// worker.js — bootstrap of govae's Web Workers: the training workers
// (wasm/worker) and the import worker (wasm/importworker).
//
// The page sends {boot: {id, n, module, ports}} first: module is worker.wasm,
// compiled once by the page, and ports are MessagePorts to the other workers
// (null at the worker's own index). The import worker's boot has url instead
// of module (importer.wasm, fetched here) and its name for messages. Messages that arrive before the Go
// program has started are queued and handed to it in order.
'use strict';
importScripts('wasm_exec.js');

let queue = [];
let deliver = null;

self.onmessage = (e) => {
  const d = e.data;
  if (d && d.boot) {
    start(d.boot);
  } else if (deliver) {
    deliver(d);
  } else {
    queue.push(d);
  }
};

// Called by the Go program once it listens.
self.govaeStarted = () => {
  deliver = self.govaeReceive;
  for (const d of queue) deliver(d);
  queue = [];
};

function fatal(message) {
  self.postMessage({ fatal: message });
}

// govaeFetch downloads url, reporting (bytes received, total or 0), and
// gunzips .gz files with the browser's DecompressionStream when there is
// one (Go parses either form). It resolves to a Uint8Array, or to an Error
// (never rejects) whose status is the HTTP status the server answered (404:
// the site does not have the file) or 0 when no answer came or the body
// broke off (a network failure), as the page's loader.js reports them.
self.govaeFetch = async (url, onProgress) => {
  const fail = (status, why) => Object.assign(new Error(url + ': ' + why), { url, status });
  let r;
  try {
    r = await fetch(url);
  } catch (e) {
    return fail(0, 'the network failed (' + String(e && e.message || e) + ')');
  }
  if (!r.ok) return fail(r.status, 'HTTP ' + r.status + ' ' + r.statusText);
  try {
    const total = Number(r.headers.get('Content-Length')) || 0;
    let got = 0;
    let stream = r.body.pipeThrough(new TransformStream({
      transform(chunk, ctl) { got += chunk.byteLength; onProgress(got, total); ctl.enqueue(chunk); },
    }));
    if (url.endsWith('.gz') && typeof DecompressionStream === 'function') {
      stream = stream.pipeThrough(new DecompressionStream('gzip'));
    }
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    return fail(0, 'the download failed (' + String(e && e.message || e) + ')');
  }
};

async function start(boot) {
  // Keep the tail of Go's stderr: a crash's message goes to the page.
  let stderr = '';
  const write = globalThis.fs.writeSync.bind(globalThis.fs);
  globalThis.fs.writeSync = (fd, buf) => {
    if (fd === 2) stderr = (stderr + new TextDecoder().decode(buf)).slice(-2000);
    return write(fd, buf);
  };
  try {
    self.govaeBoot = boot;
    const go = new Go();
    let module = boot.module;
    if (boot.url) {
      const r = await fetch(boot.url);
      if (!r.ok) throw new Error(boot.url + ': HTTP ' + r.status + ' ' + r.statusText);
      module = await WebAssembly.compile(await r.arrayBuffer());
    }
    const instance = await WebAssembly.instantiate(module, go.importObject);
    await go.run(instance);
    fatal((boot.name || 'worker ' + boot.id) + ' stopped: ' + (stderr.trim() || 'the Go program exited'));
  } catch (e) {
    fatal((boot.name || 'worker ' + boot.id) + ' could not start: ' + String(e && e.message || e));
  }
}
