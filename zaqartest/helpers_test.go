package zaqartest_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that records the failures reported to it
// instead of failing the test, so that a test proves an assertion fails
// when it should, and says what. Everything else (Cleanup, Context,
// Helper) goes to the real test.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failures []string
}

func record(t testing.TB) *recorder { return &recorder{TB: t} }

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// Fatalf records the failure and ends the goroutine, as testing.T's
// does; call what may reach it through r.fatal.
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf("FATAL: "+format, args...)
	runtime.Goexit()
}

// fatal runs f in a goroutine of its own, where Fatalf may end it, and
// reports whether f returned normally.
func (r *recorder) fatal(f func()) (returned bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
		returned = true
	}()
	<-done
	return returned
}

// take returns the failures recorded since the last call, joined.
func (r *recorder) take() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := strings.Join(r.failures, "\n")
	r.failures = nil
	return s
}
