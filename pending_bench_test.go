package claimq

import (
	"testing"
	"time"
)

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

var pendingSizes = []struct {
	name string
	n    int
}{{"pending=1e3", 1e3}, {"pending=1e5", 1e5}}

// BenchmarkReclaim takes over 10 pending messages by ID, moving through
// the pending list window by window, and releases the claim that held
// the window before (empty by then), so that claims do not pile up.
func BenchmarkReclaim(b *testing.B) {
	const k = 10
	for _, size := range pendingSizes {
		b.Run(size.name, func(b *testing.B) {
			q, ids := benchPending(b, size.n)
			windows := size.n / k
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
	for _, size := range pendingSizes {
		b.Run(size.name, func(b *testing.B) {
			q, _ := benchPending(b, size.n)
			holders := make([]ClaimID, size.n/count)
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
	for _, size := range pendingSizes {
		b.Run(size.name, func(b *testing.B) {
			q, ids := benchPending(b, size.n)
			opts := PendingOptions{Start: ids[size.n/2], Count: 10}
			b.ReportAllocs()
			for b.Loop() {
				if got := q.Pending(opts); len(got) != 10 {
					b.Fatalf("Pending: %d entries", len(got))
				}
			}
		})
	}
}
