package bench

import "syscall"

// peakRSS returns the peak resident set size of the process, which Linux
// reports in KiB; 0 if it cannot tell.
func peakRSS() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return uint64(ru.Maxrss) * 1024
}
