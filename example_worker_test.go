package claimq_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/claimq/claimq"
)

// A pool of four handlers: a failed job comes back after a backoff, a
// poison one goes to a dead-letter queue, and Run returns once the queue
// is drained and every handler has finished.
func ExampleWorker() {
	q := claimq.New(claimq.Options[string]{})
	dlq := claimq.New(claimq.Options[string]{})
	for _, job := range []string{"resize 1", "resize 2", "flaky upload", "poison"} {
		q.Post(claimq.Post[string]{Body: job})
	}

	handle := func(ctx context.Context, m claimq.Delivery[string]) error {
		switch {
		case m.Body == "poison":
			return claimq.Permanent(errors.New("cannot parse"))
		case m.Body == "flaky upload" && m.Attempt < 3:
			return errors.New("timeout") // retried after 1 ms, then 2 ms (with jitter)
		}
		return nil
	}
	w, err := claimq.NewWorker(claimq.Local(q), handle, claimq.WorkerOptions[string]{
		Concurrency: 4,
		MaxAttempts: 5,
		Backoff:     claimq.ExponentialBackoff{Base: time.Millisecond}.Delay,
		DeadLetter:  claimq.DeadLetterTo(claimq.Local(dlq)),
	})
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	go func() { q.Drain(ctx); stop() }() // stop once every job is settled
	if err := w.Run(ctx); err != nil {
		panic(err)
	}

	c := w.Counters()
	fmt.Println("handled:", c.Handled, "retried:", c.Retried, "dead-lettered:", c.DeadLettered)
	for m := range dlq.All() {
		fmt.Println("dead letter:", m.Body)
	}
	// Output:
	// handled: 3 retried: 2 dead-lettered: 1
	// dead letter: poison
}

// partitioned is an engine cut off from its queue for renewals: the fault
// a test injects to see what its handler does when its claim runs out.
type partitioned struct{ claimq.Engine[string] }

func (partitioned) Renew(context.Context, string, time.Duration, time.Duration) error {
	return errors.New("network down")
}

// Testing a handler with a FakeClock: the worker cannot renew its claim.
// It tries at 20 s and again at 40 s, when no later try could come before
// the claim's end, so it cancels the handler's context with ErrLeaseLost;
// the claim expires a minute after it was taken, and the next worker gets
// the message at that very instant. Nothing sleeps.
func ExampleWorker_fakeClock() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := claimq.NewFakeClock(t0)
	q := claimq.New(claimq.Options[string]{Clock: clock})
	q.Post(claimq.Post[string]{Body: "export report"})

	handling := make(chan context.Context)
	returned := make(chan struct{})
	handler := func(ctx context.Context, m claimq.Delivery[string]) error {
		fmt.Printf("%v: handling %q, attempt %d\n", clock.Now().Sub(t0), m.Body, m.Attempt)
		handling <- ctx
		<-ctx.Done()
		defer close(returned)
		return ctx.Err()
	}
	opts := claimq.WorkerOptions[string]{ClaimTTL: time.Minute} // renewed every 20 s

	w1, _ := claimq.NewWorker(partitioned{claimq.Local(q)}, handler, opts)
	ctx1, stop1 := context.WithCancel(context.Background())
	done1 := make(chan error)
	go func() { done1 <- w1.Run(ctx1) }()
	ctx := <-handling
	clock.Advance(40 * time.Second) // both renewals fail
	fmt.Println("worker 1 cancelled, lease lost:", errors.Is(context.Cause(ctx), claimq.ErrLeaseLost))
	<-returned
	stop1()
	<-done1

	second := make(chan string, 1)
	w2, _ := claimq.NewWorker(claimq.Local(q), func(ctx context.Context, m claimq.Delivery[string]) error {
		second <- fmt.Sprintf("%v: worker 2 handles %q, attempt %d", clock.Now().Sub(t0), m.Body, m.Attempt)
		return nil
	}, opts)
	ctx2, stop2 := context.WithCancel(context.Background())
	done2 := make(chan error)
	go func() { done2 <- w2.Run(ctx2) }()
	clock.Advance(20 * time.Second) // the first claim expires at 1m0s
	fmt.Println(<-second)
	stop2()
	<-done2
	fmt.Println("left:", q.Len())
	// Output:
	// 0s: handling "export report", attempt 1
	// worker 1 cancelled, lease lost: true
	// 1m0s: worker 2 handles "export report", attempt 2
	// left: 0
}
