// Tests of loader.js's pure functions under node (run by e2e/loader_test.go:
// node loader_test.js path/to/loader.js). Exits non-zero on the first
// failed assertion.
'use strict';
const assert = require('node:assert/strict');
const zlib = require('node:zlib');
const loader = require(require('node:path').resolve(process.argv[2]));

let checks = 0;
function check(name, fn) {
  return Promise.resolve().then(fn).then(() => { checks++; }, (e) => {
    console.error('FAIL ' + name + ': ' + (e && e.stack || e));
    process.exit(1);
  });
}

// A fetch that answers every URL with the given body and headers, recording the URLs.
function stubFetch(body, init) {
  const urls = [];
  globalThis.fetch = async (url) => { urls.push(url); return new Response(body, init); };
  return urls;
}

(async () => {
  await check('mb', () => {
    assert.equal(loader.mb(0), '0.0 MB');
    assert.equal(loader.mb(1234567), '1.2 MB');
    assert.equal(loader.mb(3.46e6), '3.5 MB');
  });

  await check('loadingProgress counts the wasm and the preview', () => {
    const p = loader.loadingProgress({ wasmGot: 1e6, wasmTotal: 3e6, previewOK: true, previewGot: 0.5e6, previewTotal: 1e6,
      weightsGot: 0, weightsTotal: 2e6 });
    assert.equal(p.text, 'Loading govae.wasm and the weights: 1.5 MB of 4.0 MB');
    assert.equal(p.fraction, 1.5 / 4);
  });
  await check('loadingProgress counts the full weights without a preview', () => {
    const p = loader.loadingProgress({ wasmGot: 1e6, wasmTotal: 3e6, previewOK: false, previewGot: 0.5e6, previewTotal: 1e6,
      weightsGot: 1e6, weightsTotal: 2e6 });
    assert.equal(p.text, 'Loading govae.wasm and the weights: 2.0 MB of 5.0 MB');
    assert.equal(p.fraction, 2 / 5);
  });
  await check('loadingProgress with an unknown total', () => {
    for (const s of [{ wasmTotal: 0, previewTotal: 1e6 }, { wasmTotal: 3e6, previewTotal: 0 }]) {
      const p = loader.loadingProgress({ wasmGot: 2e6, previewOK: true, previewGot: 0, weightsGot: 0, weightsTotal: 0, ...s });
      assert.equal(p.text, 'Loading govae.wasm and the weights: 2.0 MB');
      assert.equal(p.fraction, null);
    }
  });
  await check('loadingProgress never passes 1', () => {
    const p = loader.loadingProgress({ wasmGot: 5e6, wasmTotal: 3e6, previewOK: true, previewGot: 1e6, previewTotal: 1e6,
      weightsGot: 0, weightsTotal: 0 });
    assert.equal(p.fraction, 1);
  });

  await check('crashReport quotes the last panic', () => {
    const r = loader.crashReport('started\npanic: old\n\npanic: runtime error: index out of range [3]\ngoroutine 1 [running]:\nmain.main()', 2);
    assert.equal(r, 'panic: runtime error: index out of range [3]\ngoroutine 1 [running]:\nmain.main()\nReload the page to start again.');
  });
  await check('crashReport prefers a later fatal error', () => {
    const r = loader.crashReport('panic: a\nfatal error: all goroutines are asleep - deadlock!\n', 2);
    assert.ok(r.startsWith('fatal error: all goroutines are asleep'), r);
  });
  await check('crashReport keeps 1500 characters of a long trace', () => {
    const r = loader.crashReport('panic: x\n' + 'frame\n'.repeat(1000), 2);
    assert.equal(r.length, 1500 + '\nReload the page to start again.'.length);
  });
  await check('crashReport without stderr gives the exit code', () => {
    assert.equal(loader.crashReport('', 3), 'The Go program exited with code 3.\nReload the page to start again.');
    assert.equal(loader.crashReport('  \n', 0), 'The Go program exited with code 0.\nReload the page to start again.');
  });

  await check('fetchOK rejects an HTTP error with the URL and status', async () => {
    stubFetch('gone', { status: 404, statusText: 'Not Found' });
    await assert.rejects(loader.fetchOK('assets/vae.bin'),
      { message: 'assets/vae.bin: HTTP 404 Not Found', url: 'assets/vae.bin', status: 404 });
  });
  await check('fetchOK tells a network failure (status 0) from an HTTP error', async () => {
    globalThis.fetch = async () => { throw new TypeError('Failed to fetch'); };
    await assert.rejects(loader.fetchOK('data/t10k-images-idx3-ubyte.gz'),
      { message: 'data/t10k-images-idx3-ubyte.gz: the network failed (Failed to fetch)', status: 0 });
  });
  await check('fetchData carries the HTTP status of a missing file', async () => {
    stubFetch('', { status: 404, statusText: 'Not Found' });
    await assert.rejects(loader.fetchData('data/fashion/t10k-images-idx3-ubyte.gz', () => {}),
      { url: 'data/fashion/t10k-images-idx3-ubyte.gz', status: 404 });
  });
  await check('fetchData reports a body cut off as status 0', async () => {
    const body = new ReadableStream({
      start(ctl) { ctl.enqueue(new Uint8Array(100)); ctl.error(new TypeError('network error')); },
    });
    globalThis.fetch = async () => new Response(body, { headers: { 'Content-Length': '5000' } });
    await assert.rejects(loader.fetchData('data/train-images-idx3-ubyte.gz', () => {}),
      { message: 'data/train-images-idx3-ubyte.gz: the download failed (network error)', status: 0 });
  });
  await check('fetchData gunzips .gz files and counts the bytes received', async () => {
    const raw = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
    const gz = zlib.gzipSync(raw);
    const urls = stubFetch(gz, { headers: { 'Content-Length': String(gz.length) } });
    const seen = [];
    const got = await loader.fetchData('data/t10k-images-idx3-ubyte.gz', (n, total) => seen.push([n, total]));
    assert.deepEqual(urls, ['data/t10k-images-idx3-ubyte.gz']);
    assert.ok(got instanceof Uint8Array);
    assert.deepEqual(Buffer.from(got), raw);
    assert.deepEqual(seen[seen.length - 1], [gz.length, gz.length]);
  });
  await check('fetchData leaves other files as they are, total 0 when unknown', async () => {
    const gz = zlib.gzipSync(Buffer.from('not to be unpacked'));
    stubFetch(gz, {});
    const seen = [];
    const got = await loader.fetchData('assets/vae.bin', (n, total) => seen.push([n, total]));
    assert.deepEqual(Buffer.from(got), gz);
    assert.deepEqual(seen[seen.length - 1], [gz.length, 0]);
  });
  await check('fetchData rejects a corrupt .gz', async () => {
    stubFetch(Buffer.from('this is not gzip'), {});
    await assert.rejects(loader.fetchData('data/train-labels-idx1-ubyte.gz', () => {}), { status: 0 });
  });
  await check('fetchCounted reports progress and returns the bytes', async () => {
    const body = Buffer.alloc(70000, 9);
    stubFetch(body, {});
    const seen = [];
    const got = await loader.fetchCounted('assets/vae.preview.bin', (n) => seen.push(n));
    assert.equal(got.length, body.length);
    assert.equal(seen[seen.length - 1], body.length);
    assert.ok(seen.every((n, i) => i === 0 || n > seen[i - 1]), 'progress must grow');
  });
  await check('fetchCounted rejects an HTTP error', async () => {
    stubFetch('', { status: 500, statusText: 'Internal Server Error' });
    await assert.rejects(loader.fetchCounted('assets/vae.bin', () => {}), /assets\/vae\.bin: HTTP 500/);
  });

  console.log('ok: ' + checks + ' checks');
})();
