package enginetest

import (
	"context"
	"testing"
	"time"

	"github.com/claimq/claimq"
)

// BenchCycle measures a message's whole life through eng, as a worker
// lives it: each iteration of b.Loop posts batch messages of body(i),
// claims them (Limit batch, a minute or the engine's MinClaimTTL, its
// MinGrace) and deletes them with the claim. It reports allocations and
// the cost per message as "ns/msg" and "msgs/s", so that engines measured
// in one run compare by these. It fails b when a claim does not return the
// whole batch: the engine's queue must be empty and used by nobody else.
func BenchCycle[T any](b *testing.B, eng claimq.Engine[T], batch int, body func(i int) T) {
	b.Helper()
	ctx := context.Background()
	posts := make([]claimq.Post[T], batch)
	for i := range posts {
		posts[i] = claimq.Post[T]{Body: body(i)}
	}
	caps := eng.Capabilities()
	req := claimq.ClaimRequest{Limit: batch, TTL: max(time.Minute, caps.MinClaimTTL), Grace: caps.MinGrace}
	ids := make([]string, 0, batch)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := eng.Post(ctx, posts...); err != nil {
			b.Fatalf("Post = %v", err)
		}
		l, err := eng.Claim(ctx, req)
		if err != nil || len(l.Messages) != batch {
			b.Fatalf("Claim = %d messages, %v; want %d", len(l.Messages), err, batch)
		}
		ids = ids[:0]
		for _, d := range l.Messages {
			ids = append(ids, d.ID)
		}
		if err := eng.Delete(ctx, l.ID, ids...); err != nil {
			b.Fatalf("Delete = %v", err)
		}
	}
	perMsg := float64(b.Elapsed().Nanoseconds()) / float64(b.N*batch)
	b.ReportMetric(perMsg, "ns/msg")
	b.ReportMetric(1e9/perMsg, "msgs/s")
}
