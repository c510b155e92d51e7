package redisengine_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/claimq/claimq"
	"github.com/claimq/claimq/redisengine"
	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// armClock is a FakeClock that reports each timer set on it, so that a
// test knows a Claim has started to wait before it moves the clock or
// posts.
type armClock struct {
	*claimq.FakeClock
	armed chan time.Duration
}

func newArmClock() armClock {
	return armClock{claimq.NewFakeClock(epoch), make(chan time.Duration, 1024)}
}

func (c armClock) AfterFunc(d time.Duration, f func()) claimq.Timer {
	t := c.FakeClock.AfterFunc(d, f)
	c.armed <- d
	return t
}

var queues atomic.Int64

// queueName gives each test queues of its own on the shared server; the
// number keeps apart the runs of one test under -count.
func queueName(t testing.TB, suffix string) string {
	return strings.NewReplacer("/", ".", " ", "_").Replace(t.Name()) + "." + strconv.FormatInt(queues.Add(1), 10) + suffix
}

// newEngine returns an engine of []byte bodies on a queue of the test's
// own, on clock, with opts' other fields.
func newEngine(t testing.TB, clock claimq.Clock, opts redisengine.Options[[]byte]) *redisengine.Engine[[]byte] {
	t.Helper()
	opts.Client = server
	if opts.Queue == "" {
		opts.Queue = queueName(t, "")
	}
	opts.Clock = clock
	e, err := redisengine.New(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func post(t testing.TB, e *redisengine.Engine[[]byte], bodies ...string) []string {
	t.Helper()
	msgs := make([]claimq.Post[[]byte], len(bodies))
	for i, b := range bodies {
		msgs[i] = claimq.Post[[]byte]{Body: []byte(b)}
	}
	ids, err := e.Post(context.Background(), msgs...)
	require.NoError(t, err)
	require.Len(t, ids, len(bodies))
	return ids
}

func claim(t testing.TB, e *redisengine.Engine[[]byte], req claimq.ClaimRequest) claimq.Lease[[]byte] {
	t.Helper()
	if req.Limit == 0 {
		req.Limit = 10
	}
	if req.TTL == 0 {
		req.TTL = 30 * time.Second
	}
	l, err := e.Claim(context.Background(), req)
	require.NoError(t, err)
	return l
}

func bodies(l claimq.Lease[[]byte]) []string {
	var out []string
	for _, m := range l.Messages {
		out = append(out, string(m.Body))
	}
	return out
}

func attempts(l claimq.Lease[[]byte]) []int {
	var out []int
	for _, m := range l.Messages {
		out = append(out, m.Attempt)
	}
	return out
}

func ids(l claimq.Lease[[]byte]) []string {
	var out []string
	for _, m := range l.Messages {
		out = append(out, m.ID)
	}
	return out
}

// recv returns the next value from ch. It gives up, failing the test,
// after ten seconds of real time: a bound only a broken engine reaches,
// which turns a hang into a failure that names its line.
func recv[V any](t testing.TB, ch <-chan V) V {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing received from a %T in 10 s", ch)
		panic("unreachable")
	}
}
