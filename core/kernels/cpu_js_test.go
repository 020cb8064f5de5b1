//go:build js && wasm

package kernels

import "syscall/js"

// cpuSeconds returns the CPU time consumed by the JavaScript host process so
// far (node's process.cpuUsage), or 0 where that is not available (browsers).
func cpuSeconds() float64 {
	proc := js.Global().Get("process")
	if proc.Type() != js.TypeObject || proc.Get("cpuUsage").Type() != js.TypeFunction {
		return 0
	}
	u := proc.Call("cpuUsage")
	return (u.Get("user").Float() + u.Get("system").Float()) / 1e6
}
