// govae's page loader (served beside index.html, which runs it after
// wasm_exec.js; make build copies both). It sets up window.govae (the test
// hook) and window.govaeHost (the functions the Go side calls), starts the
// downloads the first picture needs, checks WebGL2 and the Go version,
// runs govae.wasm, and explains in the page whatever goes wrong.
//
// Under node (no document) it only exports its pure functions, for
// e2e/testdata/loader_test.js; nothing in it runs there.
(function () {
  'use strict';

  const MISMATCH = 'wasm_exec.js does not match the Go version that built govae.wasm — rebuild with make build';

  // mb formats a byte count in MB with one decimal.
  function mb(n) { return (n / 1e6).toFixed(1) + ' MB'; }

  // countBytes passes a stream through, reporting the bytes seen so far.
  function countBytes(onProgress) {
    let got = 0;
    return new TransformStream({
      transform(chunk, ctl) { got += chunk.byteLength; onProgress(got); ctl.enqueue(chunk); },
    });
  }

  // fetchError is a failed download as the page reports it: an Error whose
  // message names url, with url and status properties — the HTTP status the
  // server answered (404: the site does not have the file), or 0 when no
  // answer came (a network failure: worth retrying).
  function fetchError(url, status, why) {
    const e = new Error(url + ': ' + why);
    e.url = url;
    e.status = status;
    return e;
  }

  // fetchOK fetches url and rejects on an HTTP error or a network failure,
  // naming url and the status (fetchError).
  async function fetchOK(url) {
    let r;
    try {
      r = await fetch(url);
    } catch (e) {
      throw fetchError(url, 0, 'the network failed (' + String(e && e.message || e) + ')');
    }
    if (!r.ok) throw fetchError(url, r.status, 'HTTP ' + r.status + ' ' + r.statusText);
    return r;
  }

  // fetchData downloads a file with progress (bytes received, total or 0)
  // and, for .gz, decompresses it with the browser's native gunzip when
  // there is one (Go's inflate in WebAssembly is far slower); Go parses
  // either form. A failure while the body arrives (a lost connection, or a body that is
  // not gzip) has no HTTP status to tell: it is reported with status 0, so
  // the page offers Retry.
  async function fetchData(url, onProgress) {
    const r = await fetchOK(url);
    const total = Number(r.headers.get('Content-Length')) || 0;
    let stream = r.body.pipeThrough(countBytes((got) => onProgress(got, total)));
    if (url.endsWith('.gz') && typeof DecompressionStream === 'function') {
      stream = stream.pipeThrough(new DecompressionStream('gzip'));
    }
    try {
      return new Uint8Array(await new Response(stream).arrayBuffer());
    } catch (e) {
      throw fetchError(url, 0, 'the download failed (' + String(e && e.message || e) + ')');
    }
  }

  // fetchCounted downloads url into a Uint8Array, calling onProgress with
  // the bytes received so far.
  function fetchCounted(url, onProgress) {
    return fetchOK(url)
      .then((r) => new Response(r.body.pipeThrough(countBytes(onProgress))).arrayBuffer())
      .then((b) => new Uint8Array(b));
  }

  // loadingProgress is the loading screen's line and bar (a fraction, or
  // null when the total is unknown) before the first picture, which waits
  // for the wasm and the weights' preview — or the full weights when there
  // is no usable preview. Sizes in bytes; a total of 0 is unknown.
  function loadingProgress(s) {
    const extra = s.previewOK ? s.previewTotal : s.weightsTotal;
    const total = s.wasmTotal && extra ? s.wasmTotal + extra : 0;
    const got = s.wasmGot + (s.previewOK ? s.previewGot : s.weightsGot);
    return {
      text: 'Loading govae.wasm and the weights: ' + mb(got) + (total ? ' of ' + mb(total) : ''),
      fraction: total ? Math.min(got / total, 1) : null,
    };
  }

  // crashReport is what the page says when the Go program stops: the last
  // panic or fatal error in its stderr and the start of the stack trace,
  // else its exit code.
  function crashReport(stderr, exitCode) {
    const crash = Math.max(stderr.lastIndexOf('panic:'), stderr.lastIndexOf('fatal error:'), 0);
    return (stderr.slice(crash, crash + 1500).trim() || 'The Go program exited with code ' + exitCode + '.') +
      '\nReload the page to start again.';
  }

  if (typeof document === 'undefined') {
    module.exports = { MISMATCH, mb, countBytes, fetchError, fetchOK, fetchData, fetchCounted, loadingProgress, crashReport };
    return;
  }

  const $ = (id) => document.getElementById(id);

  // window.govae is the test hook. Go replaces status and lastSample once it runs.
  // firstPaint resolves when the first manifold is on screen (drawn from the
  // weights' preview when there is one), ready when the full weights are in
  // and everything works.
  let resolveReady, rejectReady, resolveFirstPaint, rejectFirstPaint;
  const ready = new Promise((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });
  const firstPaint = new Promise((resolve, reject) => { resolveFirstPaint = resolve; rejectFirstPaint = reject; });
  ready.catch(() => {}); // failures are shown in the page
  firstPaint.catch(() => {});
  window.govae = {
    ready,
    firstPaint,
    status: () => JSON.stringify({ phase: 'loading' }),
    lastSample: () => 'null',
  };

  // Errors are inserted as text, never as HTML.
  function addError(title, detail) {
    const box = document.createElement('div');
    box.className = 'error';
    const t = document.createElement('strong');
    t.textContent = title;
    box.append(t);
    if (detail) {
      const d = document.createElement('pre');
      d.textContent = detail;
      box.append(d);
    }
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = '×';
    close.setAttribute('aria-label', 'Dismiss');
    close.onclick = () => box.remove();
    box.append(close);
    $('errors').append(box);
  }

  function fail(title, detail) {
    addError(title, detail);
    $('loading-text').textContent = title;
    $('loading-bar').hidden = true;
    rejectReady(new Error(title + (detail ? ': ' + detail : '')));
    rejectFirstPaint(new Error(title + (detail ? ': ' + detail : '')));
  }

  // The first picture needs the wasm and the weights' preview (the decoder
  // in 8 bits, an eighth of the weights): both start at once, with the
  // version file and the WebGL check below. The full weights are fetched
  // when Go asks (fullWeights): after the first manifold is on screen, or
  // at once when there is no usable preview. The loading bar counts what
  // the first picture waits for (showProgress, set by start).
  let wasmGot = 0, previewGot = 0, weightsGot = 0, previewOK = true, painted = false, showProgress = () => {};
  const preview = fetchCounted('assets/vae.preview.bin', (n) => { previewGot = n; showProgress(); });
  preview.catch(() => { previewOK = false; }); // Go says why in status()
  let weights = null;
  function fullWeights() {
    if (!painted) previewOK = false; // asked for before a first picture: no usable preview
    if (!weights) {
      weights = fetchCounted('assets/vae.bin', (n) => { weightsGot = n; showProgress(); });
      weights.catch(() => {}); // Go reports the error
      showProgress();
    }
    return weights;
  }
  // The SIMD build when the browser runs wasm SIMD (simd.js), else the scalar one.
  const simd = !!self.govaeWasmSIMD;
  const wasmFile = self.govaeWasmFile ? self.govaeWasmFile('govae') : 'govae.wasm';
  const wasm = fetchOK(wasmFile);
  wasm.catch(() => {}); // start reports it
  const versionP = fetch('version.json').then((r) => (r.ok ? r.json() : null)).catch(() => null);

  // DOM helpers the Go side calls in one go (each call from Go costs code in
  // govae.wasm, which every visitor downloads before the first picture).

  // setOptions fills the <select> id with options [value, text, disabled]
  // and selects value.
  function setOptions(id, options, value) {
    const sel = $(id);
    sel.replaceChildren(...options.map(([v, text, off]) => {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = text;
      o.disabled = !!off;
      return o;
    }));
    sel.value = value;
  }

  // setItems fills the list id with one <li> of text per item.
  function setItems(id, items) {
    $(id).replaceChildren(...items.map((text) => {
      const li = document.createElement('li');
      li.textContent = text;
      return li;
    }));
  }

  // putPixels draws a w×h RGBA picture on the canvas id, one canvas pixel
  // per picture pixel; the stylesheet scales the canvas.
  function putPixels(id, w, h, rgba) {
    const c = $(id);
    if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    c.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length), w, h), 0, 0);
  }

  // canShow reports whether the page's font has a glyph for every
  // character of text: each is drawn and compared with U+0378, a code
  // point no font has, which browsers draw as their missing-glyph box.
  function canShow(text) {
    const c = document.createElement('canvas');
    c.width = c.height = 32;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    if (!ctx) return false;
    const draw = (ch) => {
      ctx.clearRect(0, 0, 32, 32);
      ctx.font = '20px ' + getComputedStyle(document.body).fontFamily;
      ctx.fillStyle = '#fff';
      ctx.textBaseline = 'middle';
      ctx.fillText(ch, 4, 16);
      return ctx.getImageData(0, 0, 32, 32).data.join(',');
    };
    const missing = draw('\u0378');
    const blank = new Uint8ClampedArray(32 * 32 * 4).join(',');
    return [...text].every((ch) => ch === ' ' || ((px) => px !== missing && px !== blank)(draw(ch)));
  }

  // Functions and values the Go side uses.
  window.govaeHost = {
    setOptions,
    setItems,
    putPixels,
    canShow,
    preview,
    fullWeights,
    fetchData,
    error: addError,
    fail,
    firstPaint() { painted = true; $('loading').hidden = true; showProgress(); resolveFirstPaint(); },
    ready() { $('loading').hidden = true; resolveFirstPaint(); resolveReady(); },
  };

  // On narrow screens the controls are a bottom sheet that can be folded
  // away to see the whole canvas; the Go side follows the panel's size.
  $('panel-toggle').onclick = () => {
    const folded = $('panel').classList.toggle('collapsed');
    $('panel-toggle').textContent = folded ? 'Show controls' : 'Hide controls';
    $('panel-toggle').setAttribute('aria-expanded', String(!folded));
  };

  function hasWebGL2() {
    try { return !!document.createElement('canvas').getContext('webgl2'); } catch (e) { return false; }
  }

  async function start() {
    if (!hasWebGL2()) {
      return fail('This page needs WebGL2, which this browser did not provide',
        'Turn on hardware acceleration in the browser settings, or use a current Firefox, Chrome, Edge or Safari.');
    }
    if (typeof Go !== 'function') {
      return fail('wasm_exec.js did not load', 'The Go WebAssembly support script is missing; rebuild the site with make build.');
    }
    let resp;
    try {
      resp = await wasm;
    } catch (e) {
      return fail('Could not download ' + wasmFile, String(e.message || e));
    }
    const version = await versionP;
    const wasmTotal = (version && (simd ? version.simdWasmBytes : version.wasmBytes)) || Number(resp.headers.get('Content-Length')) || 0;
    const weightsTotal = (version && version.weightsBytes) || 0;
    const previewTotal = (version && version.previewBytes) || 0;
    const bar = $('loading-bar');
    const text = $('loading-text');
    showProgress = () => {
      if (painted) { // the preview is on screen: the panel shows the rest
        if (!weights) return;
        $('stat-weights').textContent = 'pretrained, 8-bit preview; loading the full weights: ' + mb(weightsGot) +
          (weightsTotal ? ' of ' + mb(weightsTotal) : '');
        return;
      }
      const p = loadingProgress({ wasmGot, wasmTotal, previewOK, previewGot, previewTotal, weightsGot, weightsTotal });
      text.textContent = p.text;
      if (p.fraction !== null) bar.value = p.fraction;
    };
    const progress = (got) => { wasmGot = got; showProgress(); };
    progress(0);

    // Keep Go's stderr, so that a panic's message ends up in the page.
    let stderr = '';
    const write = globalThis.fs.writeSync.bind(globalThis.fs);
    globalThis.fs.writeSync = (fd, buf) => {
      if (fd === 2) stderr = (stderr + new TextDecoder().decode(buf)).slice(-20000);
      return write(fd, buf);
    };

    const go = new Go();
    let exitCode = null;
    go.exit = (code) => { exitCode = code; };
    let instance;
    try {
      const body = new Response(resp.body.pipeThrough(countBytes(progress)),
        { headers: { 'Content-Type': 'application/wasm' } });
      instance = WebAssembly.instantiateStreaming
        ? (await WebAssembly.instantiateStreaming(body, go.importObject)).instance
        : (await WebAssembly.instantiate(await body.arrayBuffer(), go.importObject)).instance;
    } catch (e) {
      if (e instanceof WebAssembly.LinkError) return fail(MISMATCH, String(e.message));
      return fail(wasmFile + ' could not be started', String(e.message || e));
    }
    text.textContent = 'Starting…';
    // For the browser soak: the page's WebAssembly memory never shrinks, so
    // its size over time shows whether anything leaks.
    window.govaeWasmMemoryBytes = () => instance.exports.mem.buffer.byteLength;
    const exited = go.run(instance);
    // main sets govaeGoVersion before anything else. The Go release is
    // what wasm_exec.js must match; a GOEXPERIMENT suffix (-X:simd) is not.
    const release = self.govaeGoRelease || ((v) => String(v).replace(/-X:.*$/, ''));
    if (version && version.go && window.govaeGoVersion && release(version.go) !== release(window.govaeGoVersion)) {
      addError(MISMATCH, wasmFile + ' was built by ' + window.govaeGoVersion +
        ' but version.json (written with wasm_exec.js) says ' + version.go + '.');
    }
    await exited;
    fail('govae stopped', crashReport(stderr, exitCode));
  }

  start().catch((e) => fail('govae could not start', String(e && e.stack || e)));
})();
