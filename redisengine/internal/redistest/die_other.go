//go:build !linux

package redistest

import "os/exec"

// dieWithUs does nothing where there is no parent-death signal: a killed
// test binary leaves its server running.
func dieWithUs(*exec.Cmd) {}
