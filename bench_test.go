package claimq

import (
	"strconv"
	"testing"
	"time"
)

// sizes names benchmark sizes as benchstat-friendly keys.
func sizeName(key string, n int) string {
	switch n {
	case 0:
		return key + "=0"
	case 1e3:
		return key + "=1e3"
	case 1e4:
		return key + "=1e4"
	case 1e5:
		return key + "=1e5"
	case 1e6:
		return key + "=1e6"
	}
	return key + "=" + strconv.Itoa(n)
}

// cycleQueue is what a cycle benchmark drives: the claimq queue or, for
// comparison, a baseline.
type cycleQueue interface {
	post(k int)
	claimDelete(k int) int
}

type claimqCycle struct {
	q     *Queue[int]
	posts []Post[int]
}

func newClaimqCycle(k int) *claimqCycle {
	return &claimqCycle{q: New(Options[int]{}), posts: make([]Post[int], max(k, 20))}
}

func (c *claimqCycle) post(k int) {
	if _, err := c.q.Post(c.posts[:k]...); err != nil {
		panic(err)
	}
}

func (c *claimqCycle) claimDelete(k int) int {
	cl, err := c.q.Claim(ClaimOptions{Limit: k})
	if err != nil {
		panic(err)
	}
	for i := range cl.Messages {
		if err := c.q.Delete(cl.Messages[i].ID, cl.ID); err != nil {
			panic(err)
		}
	}
	return len(cl.Messages)
}

// fill posts n messages in batches of 20.
func fill(c cycleQueue, n int) {
	for n > 0 {
		k := min(n, 20)
		c.post(k)
		n -= k
	}
}

// BenchmarkCycle measures post K → claim K → delete K with a standing
// backlog of claimable messages (Claim takes the oldest, so the backlog
// stays the same size). The ns/msg metric divides by K.
func BenchmarkCycle(b *testing.B) {
	for _, k := range []int{1, 10} {
		for _, backlog := range []int{0, 1e5} {
			b.Run("K="+strconv.Itoa(k)+"/"+sizeName("backlog", backlog), func(b *testing.B) {
				c := newClaimqCycle(k)
				fill(c, backlog)
				b.ReportAllocs()
				for b.Loop() {
					c.post(k)
					if c.claimDelete(k) != k {
						b.Fatal("claimed fewer than posted")
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k), "ns/msg")
			})
		}
	}
}

// BenchmarkClaimHeld measures the cycle of 10 with many messages held by
// live claims ahead of the claimable ones: Claim must not look at them.
func BenchmarkClaimHeld(b *testing.B) {
	for _, held := range []int{0, 1e5, 1e6} {
		b.Run(sizeName("held", held), func(b *testing.B) {
			c := newClaimqCycle(20)
			fill(c, held)
			for n := held; n > 0; n -= 20 {
				if _, err := c.q.Claim(ClaimOptions{Limit: 20, TTL: 12 * time.Hour}); err != nil {
					b.Fatal(err)
				}
			}
			if s := c.q.Stats(); s.Claimed != held {
				b.Fatalf("held %d, want %d", s.Claimed, held)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.post(10)
				if c.claimDelete(10) != 10 {
					b.Fatal("claimed fewer than posted")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10), "ns/msg")
		})
	}
}

// benchPending returns a queue whose n messages are all held, in claims
// of 20 that outlive any benchmark run.
func benchPending(b *testing.B, n int) (*Queue[int], []MessageID) {
	b.Helper()
	q := New(Options[int]{Clock: NewFakeClock(start)})
	posts := make([]Post[int], n)
	for i := range posts {
		posts[i] = Post[int]{Body: i, TTL: 14 * 24 * time.Hour}
	}
	ids, err := q.Post(posts...)
	if err != nil {
		b.Fatal(err)
	}
	for held := 0; held < n; {
		c, err := q.Claim(ClaimOptions{Limit: 20, TTL: 12 * time.Hour})
		if err != nil || len(c.Messages) == 0 {
			b.Fatalf("Claim: %v, %d messages", err, len(c.Messages))
		}
		held += len(c.Messages)
	}
	return q, ids
}

// pendingSizes are the lengths of the pending list in the pending
// family's benchmarks: their cost must not grow with it.
var pendingSizes = []int{1e3, 1e5}

// BenchmarkReclaim takes over 10 pending messages by ID, moving through
// the pending list window by window, and releases the claim that held
// the window before (empty by then), so that claims do not pile up.
func BenchmarkReclaim(b *testing.B) {
	const k = 10
	for _, n := range pendingSizes {
		b.Run(sizeName("pending", n), func(b *testing.B) {
			q, ids := benchPending(b, n)
			windows := n / k
			holders := make([]ClaimID, windows)
			opts := ReclaimOptions{TTL: 12 * time.Hour, ClientID: "bench"}
			w := 0
			b.ReportAllocs()
			for b.Loop() {
				c, err := q.Reclaim(ids[w*k:(w+1)*k], opts)
				if err != nil || len(c.Messages) != k {
					b.Fatalf("Reclaim: %v, %d messages", err, len(c.Messages))
				}
				if !holders[w].IsZero() {
					q.Release(holders[w])
				}
				holders[w] = c.ID
				w = (w + 1) % windows
			}
			b.ReportMetric(float64(b.N*k)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkAutoClaim walks the pending list with AutoClaim(Count 100)
// over and over, releasing the claim each call empties, as
// BenchmarkReclaim does.
func BenchmarkAutoClaim(b *testing.B) {
	const count = 100
	for _, n := range pendingSizes {
		b.Run(sizeName("pending", n), func(b *testing.B) {
			q, _ := benchPending(b, n)
			holders := make([]ClaimID, n/count)
			opts := AutoClaimOptions{Count: count, TTL: 12 * time.Hour, ClientID: "bench"}
			var cursor MessageID
			w := 0
			b.ReportAllocs()
			for b.Loop() {
				c, next, err := q.AutoClaim(cursor, opts)
				if err != nil || len(c.Messages) != count {
					b.Fatalf("AutoClaim: %v, %d messages", err, len(c.Messages))
				}
				if !holders[w].IsZero() {
					q.Release(holders[w])
				}
				holders[w] = c.ID
				w++
				if cursor = next; next == 0 {
					w = 0
				}
			}
			b.ReportMetric(float64(b.N*count)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkPending lists 10 entries from the middle of the pending list.
func BenchmarkPending(b *testing.B) {
	for _, n := range pendingSizes {
		b.Run(sizeName("pending", n), func(b *testing.B) {
			q, ids := benchPending(b, n)
			opts := PendingOptions{Start: ids[n/2], Count: 10}
			b.ReportAllocs()
			for b.Loop() {
				if got := q.Pending(opts); len(got) != 10 {
					b.Fatalf("Pending: %d entries", len(got))
				}
			}
		})
	}
}
