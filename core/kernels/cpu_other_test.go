//go:build !unix && !(js && wasm)

package kernels

// cpuSeconds is not implemented on this platform.
func cpuSeconds() float64 { return 0 }
