package claimq

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// start is the fake clock's first reading in every test.
var start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// wideLimits allows the short TTLs and zero grace that the storage tests of
// Zaqar use below its transport minimums.
func wideLimits() Limits {
	l := ZaqarLimits()
	l.MinMessageTTL = time.Second
	l.MinClaimTTL = time.Second
	l.MinGrace = 0
	return l
}

// newTestQueue returns a queue on a fake clock at start. Its limits are
// Zaqar's unless opts says otherwise, since most tests replay Zaqar's
// scenarios; DefaultLimits has tests of its own.
func newTestQueue(t testing.TB, opts Options[string]) (*Queue[string], *FakeClock) {
	t.Helper()
	clock := NewFakeClock(start)
	opts.Clock = clock
	if opts.Limits == (Limits{}) {
		opts.Limits = ZaqarLimits()
	}
	q := New(opts)
	t.Cleanup(func() {
		if err := q.checkInvariants(); err != nil {
			t.Errorf("checkInvariants after test: %v", err)
		}
	})
	return q, clock
}

// postN posts n messages with bodies "m0", "m1", … and the given TTL.
func postN(t testing.TB, q *Queue[string], n int, ttl time.Duration) []MessageID {
	t.Helper()
	ps := make([]Post[string], n)
	for i := range ps {
		ps[i] = Post[string]{Body: "m" + strconv.Itoa(i), TTL: ttl}
	}
	ids, err := q.Post(ps...)
	require.NoError(t, err)
	require.Len(t, ids, n)
	return ids
}

func idsOf[T any](msgs []Message[T]) []MessageID {
	ids := make([]MessageID, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	return ids
}

func mustClaim(t testing.TB, q *Queue[string], opts ClaimOptions) Claim[string] {
	t.Helper()
	c, err := q.Claim(opts)
	require.NoError(t, err)
	return c
}
