//go:build !unix

package core

// cpuSeconds is not implemented on this platform (nor under js/wasm).
func cpuSeconds() float64 { return 0 }
