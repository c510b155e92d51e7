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
