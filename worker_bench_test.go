package claimq

import (
	"context"
	"testing"
)

// BenchmarkWorker measures what a Worker costs per message over the loop
// a user would write by hand, on the same queue and system clock: post k
// messages, then, as impl=bare, claim them, call the handler on each and
// Complete the claim, or, as impl=worker, let a running Worker with k
// handlers do it and wait for the queue to drain. Compare the two with
//
//	go test -run '^$' -bench Worker -count 5 . > w.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl w.txt
func BenchmarkWorker(b *testing.B) {
	for _, k := range []int{1, 10} {
		b.Run(sizeName("k", k)+"/impl=bare", func(b *testing.B) {
			q := New(Options[int]{})
			posts := make([]Post[int], k)
			handle := func(context.Context, Delivery[int]) error { return nil }
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := q.Post(posts...); err != nil {
					b.Fatal(err)
				}
				c, err := q.Claim(ClaimOptions{Limit: k})
				if err != nil {
					b.Fatal(err)
				}
				for _, m := range c.Messages {
					if err := handle(ctx, Delivery[int]{ID: m.ID.String(), Body: m.Body, Attempt: m.ClaimCount}); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := q.Complete(c.ID); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k), "ns/msg")
		})
		b.Run(sizeName("k", k)+"/impl=worker", func(b *testing.B) {
			q := New(Options[int]{})
			posts := make([]Post[int], k)
			w, err := NewWorker(Local(q), func(context.Context, Delivery[int]) error { return nil },
				WorkerOptions[int]{Concurrency: k})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- w.Run(ctx) }()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := q.Post(posts...); err != nil {
					b.Fatal(err)
				}
				if err := q.Drain(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k), "ns/msg")
			b.StopTimer()
			cancel()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			if c := w.Counters(); c.Handled != int64(b.N*k) {
				b.Fatalf("handled %d of %d", c.Handled, b.N*k)
			}
		})
	}
}
