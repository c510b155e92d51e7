package redisengine_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// server is the redis-server every test of the package talks to, started
// by TestMain on a free loopback port without persistence. Tests keep
// apart by queue name (see newQueueName).
var server *redis.Client

// serverAddr is the server's address, for examples that make their own
// client.
var serverAddr string

func TestMain(m *testing.M) {
	stop, err := startServer()
	if err != nil {
		fmt.Fprintf(os.Stderr, "redisengine tests need redis-server (Debian package redis-server; .ci/run installs it): %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// startServer runs redis-server in a temporary directory and returns a
// function that stops it and removes the directory.
func startServer() (stop func(), err error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "redisengine-test")
	if err != nil {
		return nil, err
	}
	var log strings.Builder
	// A port found free may be taken before the server binds it: try a
	// few.
	for try := 0; try < 3; try++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir)
		dieWithUs(cmd)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err = cmd.Start(); err != nil {
			return nil, err
		}
		if ready(out, &log) {
			// The server logs on; its output is drained so that it never
			// blocks on a full pipe.
			go func() { _, _ = io.Copy(io.Discard, out) }()
			serverAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			server = redis.NewClient(&redis.Options{Addr: serverAddr, PoolSize: 64})
			return func() {
				_ = server.Close()
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				_ = os.RemoveAll(dir)
			}, nil
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	_ = os.RemoveAll(dir)
	return nil, fmt.Errorf("redis-server did not start; its output:\n%s", log.String())
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

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
