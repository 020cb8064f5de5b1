// simd.js — which build of govae's wasm this browser should run.
//
// make build writes two builds of each WebAssembly program: govae-simd.wasm
// and worker-simd.wasm multiply matrices with WebAssembly 128-bit SIMD
// (Go's GOEXPERIMENT=simd, core/kernels/simd_wasm.go); govae.wasm and
// worker.wasm are the scalar builds, for browsers without wasm SIMD (before
// Chrome 91, Firefox 89, Safari 16.4). A browser that cannot compile SIMD
// fails the whole module, so the page must choose before it fetches one.
//
// govaeWasmSIMD is true when WebAssembly.validate accepts this module of one
// function, (func (result v128) (f32x4.splat (f32.const 0))), the smallest
// use of the v128 type and a SIMD opcode (0xfd 0x13, f32x4.splat).
// govaeWasmFile(name) maps 'govae' or 'worker' to the file to fetch.
// A Go program built with GOEXPERIMENT=simd reports runtime.Version() as
// e.g. 'go1.27.3-X:simd'; govaeGoRelease strips that suffix for comparing
// with version.json's "go" (the experiment does not change wasm_exec.js).
'use strict';
self.govaeWasmSIMD = (() => {
  try {
    return WebAssembly.validate(new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
      0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
      0x0a, 0x0b, 0x01, 0x09, 0x00, // code section: one body of 9 bytes, no locals
      0x43, 0x00, 0x00, 0x00, 0x00, // f32.const 0
      0xfd, 0x13, // f32x4.splat
      0x0b, // end
    ]));
  } catch (e) {
    return false;
  }
})();
self.govaeWasmFile = (name) => name + (self.govaeWasmSIMD ? '-simd' : '') + '.wasm';
self.govaeGoRelease = (v) => String(v).replace(/-X:.*$/, '');
