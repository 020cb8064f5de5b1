package view

import (
	"os/exec"
	"strings"
	"testing"
)

// TestSIMDDetection runs wasm/simd.js in node (whose V8 has WebAssembly
// SIMD, as every current browser): its module must validate there, and be
// refused once its SIMD opcode is replaced by one that does not exist; the
// file chosen and the Go release must follow.
func TestSIMDDetection(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	const script = `
const fs = require('fs');
globalThis.self = globalThis;
const src = fs.readFileSync('../simd.js', 'utf8');
eval(src);
const real = [self.govaeWasmSIMD, self.govaeWasmFile('govae'), self.govaeWasmFile('worker'),
  self.govaeGoRelease('go1.27.3-X:simd'), self.govaeGoRelease('go1.27.3')];
// The same module with f32x4.splat (0xfd 0x13) replaced by 0xfd 0x7f 0x7f
// (LEB128 16383: no such SIMD opcode) must not validate.
eval(src.replace('0xfd, 0x13, // f32x4.splat', '0xfd, 0xff, 0x7f, // no such opcode')
  .replace('0x0a, 0x0b, 0x01, 0x09', '0x0a, 0x0c, 0x01, 0x0a'));
console.log(JSON.stringify(real.concat([self.govaeWasmSIMD, self.govaeWasmFile('govae')])));
`
	cmd := exec.Command(node, "-e", script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	want := `[true,"govae-simd.wasm","worker-simd.wasm","go1.27.3","go1.27.3",false,"govae.wasm"]`
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("simd.js in node: %s, want %s", got, want)
	}
}
