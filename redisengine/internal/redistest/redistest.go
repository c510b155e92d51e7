// Package redistest starts a throwaway redis-server for the tests of the
// Redis engine's module: on a free loopback port, without persistence, in
// a temporary directory, dying with the test binary where the system
// allows it.
package redistest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Start runs redis-server and returns its address and a function that
// stops it and removes its directory. It fails when redis-server is not
// installed (the Debian package redis-server; .ci/run installs it) or does
// not come up. Call it from TestMain: on Linux the server is tied to the
// calling thread, which Start locks, so that a killed test binary takes
// its server with it.
func Start() (addr string, stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "redistest")
	if err != nil {
		return "", nil, err
	}
	var log strings.Builder
	// A port found free may be taken before the server binds it: try a
	// few.
	for range 3 {
		port, err := FreePort()
		if err != nil {
			return "", nil, err
		}
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir)
		dieWithUs(cmd)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return "", nil, err
		}
		if err = cmd.Start(); err != nil {
			return "", nil, err
		}
		if ready(out, &log) {
			// The server logs on; its output is drained so that it never
			// blocks on a full pipe.
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), func() {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				_ = os.RemoveAll(dir)
			}, nil
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	_ = os.RemoveAll(dir)
	return "", nil, fmt.Errorf("redis-server did not start; its output:\n%s", log.String())
}

// ready reads the server's log until it says it accepts connections
// (true) or ends, as it does when the port is taken (false).
func ready(out io.Reader, log *strings.Builder) bool {
	s := bufio.NewScanner(out)
	for s.Scan() {
		log.WriteString(s.Text())
		log.WriteByte('\n')
		if strings.Contains(s.Text(), "Ready to accept connections") {
			return true
		}
	}
	return false
}

// FreePort returns a loopback port that was free a moment ago, for a
// test that needs an address where nothing listens.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
