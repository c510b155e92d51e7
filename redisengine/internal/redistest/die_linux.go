package redistest

import (
	"os/exec"
	"runtime"
	"syscall"
)

// dieWithUs makes the server die with the test binary, even when the
// binary is killed (a test timeout) before TestMain can stop it. The
// signal comes when the thread that started the server ends, so the
// calling thread stays locked.
func dieWithUs(cmd *exec.Cmd) {
	runtime.LockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
