//go:build unix

package core

import "syscall"

// cpuSeconds returns the CPU time consumed by the process so far (all its
// threads). Benchmarks report work per CPU-second too, which stays
// meaningful when the machine is shared with other work.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
