package claimq_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/claimq/claimq"
)

// A producer posts, a worker claims a batch, handles each message and
// deletes it with its claim.
func Example() {
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := claimq.New(claimq.Options[string]{Clock: clock})

	if _, err := q.Post(
		claimq.Post[string]{Body: "resize photo 1"},
		claimq.Post[string]{Body: "resize photo 2", TTL: 10 * time.Minute},
	); err != nil {
		panic(err)
	}

	c, err := q.Claim(claimq.ClaimOptions{Limit: 5, TTL: time.Minute})
	if err != nil {
		panic(err)
	}
	for _, m := range c.Messages {
		fmt.Println("handling", m.Body)
		if err := q.Delete(m.ID, c.ID); err != nil {
			panic(err)
		}
	}
	fmt.Println("left:", q.Len())
	// Output:
	// handling resize photo 1
	// handling resize photo 2
	// left: 0
}

// A worker that takes longer than its claim must not commit its work:
// another worker may get the message now. Delete tells it so with
// ErrClaimExpired, whether the message still waits for another claim or
// another worker holds it already (then also ErrClaimedByOther).
func Example_expiredClaim() {
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := claimq.New(claimq.Options[string]{Clock: clock})
	q.Post(claimq.Post[string]{Body: "charge card"})

	slow, _ := q.Claim(claimq.ClaimOptions{TTL: time.Minute})
	clock.Advance(61 * time.Second) // the slow worker stalls past its claim

	err := q.Delete(slow.Messages[0].ID, slow.ID)
	fmt.Println("slow worker rolls back:", errors.Is(err, claimq.ErrClaimExpired))

	fast, _ := q.Claim(claimq.ClaimOptions{TTL: time.Minute})
	fmt.Println("fast worker got:", fast.Messages[0].Body)
	err = q.Delete(slow.Messages[0].ID, slow.ID)
	fmt.Println("slow worker again:", errors.Is(err, claimq.ErrClaimExpired), errors.Is(err, claimq.ErrClaimedByOther))
	fmt.Println("fast worker deletes:", q.Delete(fast.Messages[0].ID, fast.ID))
	// Output:
	// slow worker rolls back: true
	// fast worker got: charge card
	// slow worker again: true true
	// fast worker deletes: <nil>
}

// A long job renews its claim before it runs out.
func ExampleQueue_Renew() {
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := claimq.New(claimq.Options[string]{Clock: clock})
	q.Post(claimq.Post[string]{Body: "transcode video"})

	c, _ := q.Claim(claimq.ClaimOptions{TTL: time.Minute})
	for range 3 {
		clock.Advance(50 * time.Second)
		if err := q.Renew(c.ID, claimq.RenewOptions{TTL: time.Minute, Grace: time.Minute}); err != nil {
			panic(err)
		}
	}
	got, _ := q.GetClaim(c.ID)
	fmt.Println("claim age after renewing:", got.Age(clock.Now()))
	fmt.Println("delete after 150s of work:", q.Delete(c.Messages[0].ID, c.ID))
	// Output:
	// claim age after renewing: 0s
	// delete after 150s of work: <nil>
}

// ClaimWait blocks until a message is claimable. With a FakeClock, moving
// the clock past a delay wakes it.
func ExampleQueue_ClaimWait() {
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := claimq.New(claimq.Options[string]{Clock: clock})
	q.Post(claimq.Post[string]{Body: "send reminder", Delay: 15 * time.Minute})

	// Whether the clock moves before ClaimWait starts waiting or while it
	// waits, ClaimWait returns the message once the delay has passed.
	go clock.Advance(15 * time.Minute)
	c, err := q.ClaimWait(context.Background(), claimq.ClaimOptions{})
	fmt.Println(c.Messages[0].Body, err)
	// Output:
	// send reminder <nil>
}

// Limits can be widened for an in-process work queue that wants short
// claims.
func ExampleLimits() {
	// The zero Limits accept any positive duration.
	q := claimq.New(claimq.Options[int]{})
	_, err := q.Claim(claimq.ClaimOptions{TTL: 500 * time.Millisecond})
	fmt.Println("in process, 500ms claim:", err)

	// Behind the HTTP front, or to test against Zaqar's ranges.
	z := claimq.New(claimq.Options[int]{Limits: claimq.ZaqarLimits()})
	_, err = z.Claim(claimq.ClaimOptions{TTL: 500 * time.Millisecond})
	fmt.Println(err)
	var le *claimq.LimitError
	fmt.Println(errors.As(err, &le), le.Field, errors.Is(err, claimq.ErrInvalid))
	// Output:
	// in process, 500ms claim: <nil>
	// claimq: claim ttl 500ms out of range [1m0s, 12h0m0s]
	// true claim ttl true
}

// A worker dies holding messages; a supervisor sweeps the stale pending
// entries with AutoClaim instead of waiting for the claim to expire, and
// sets aside a message whose delivery count shows it kills every worker
// that takes it.
func ExampleQueue_AutoClaim() {
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := claimq.New(claimq.Options[string]{Clock: clock})
	q.Post(
		claimq.Post[string]{Body: "resize 1.jpg"},
		claimq.Post[string]{Body: "resize bad.jpg"},
		claimq.Post[string]{Body: "resize 2.jpg"},
	)
	const maxDeliveries = 2

	// worker-a takes everything, then hangs.
	claimed, _ := q.Claim(claimq.ClaimOptions{ClientID: "worker-a"})
	fmt.Println("worker-a claimed", len(claimed.Messages))

	// sweep runs as a periodic job: messages idle for a minute belong to
	// a stuck worker.
	sweep := func(worker string) {
		var cursor claimq.MessageID
		for {
			c, next, err := q.AutoClaim(cursor, claimq.AutoClaimOptions{MinIdle: time.Minute, ClientID: worker})
			if err != nil {
				fmt.Println(err)
				return
			}
			for _, m := range c.Messages {
				switch {
				case m.ClaimCount > maxDeliveries:
					fmt.Printf("%s: %q delivered %d times, setting it aside\n", worker, m.Body, m.ClaimCount)
					q.Delete(m.ID, c.ID)
				case m.Body == "resize bad.jpg":
					fmt.Printf("%s: %q (delivery %d) hangs this worker too\n", worker, m.Body, m.ClaimCount)
				default:
					fmt.Printf("%s: %q done (delivery %d)\n", worker, m.Body, m.ClaimCount)
					q.Delete(m.ID, c.ID)
				}
			}
			if next == 0 {
				return
			}
			cursor = next
		}
	}

	clock.Advance(90 * time.Second)
	for _, e := range q.Pending(claimq.PendingOptions{MinIdle: time.Minute, Count: 10}) {
		fmt.Printf("pending: %s idle %v, %d deliveries\n", e.Consumer, e.Idle, e.ClaimCount)
	}
	sweep("worker-b")
	clock.Advance(90 * time.Second)
	sweep("worker-c")
	fmt.Println("left in the queue:", q.Len())

	// Output:
	// worker-a claimed 3
	// pending: worker-a idle 1m30s, 1 deliveries
	// pending: worker-a idle 1m30s, 1 deliveries
	// pending: worker-a idle 1m30s, 1 deliveries
	// worker-b: "resize 1.jpg" done (delivery 2)
	// worker-b: "resize bad.jpg" (delivery 2) hangs this worker too
	// worker-b: "resize 2.jpg" done (delivery 2)
	// worker-c: "resize bad.jpg" delivered 3 times, setting it aside
	// left in the queue: 0
}

// Reclaim takes over chosen pending messages by ID, here the ones Pending
// shows idle for longer than a worker should need.
func ExampleQueue_Reclaim() {
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := claimq.New(claimq.Options[string]{Clock: clock})
	q.Post(claimq.Post[string]{Body: "a"}, claimq.Post[string]{Body: "b"})
	slow, _ := q.Claim(claimq.ClaimOptions{ClientID: "slow"})
	clock.Advance(2 * time.Minute)

	var stale []claimq.MessageID
	for _, e := range q.Pending(claimq.PendingOptions{Consumer: "slow", MinIdle: time.Minute, Count: 10}) {
		stale = append(stale, e.MessageID)
	}
	mine, _ := q.Reclaim(stale, claimq.ReclaimOptions{MinIdle: time.Minute, ClientID: "fast"})
	for _, m := range mine.Messages {
		fmt.Println("fast took", m.Body, "delivery", m.ClaimCount)
	}
	err := q.Delete(mine.Messages[0].ID, slow.ID)
	fmt.Println("slow deletes a taken message:", errors.Is(err, claimq.ErrClaimedByOther))
	fmt.Println(q.PendingSummary().Consumers)

	// Output:
	// fast took a delivery 2
	// fast took b delivery 2
	// slow deletes a taken message: true
	// map[fast:2]
}

// PendingSummary is the cheap overview: how much is in flight and with whom.
func ExampleQueue_PendingSummary() {
	q := claimq.New(claimq.Options[string]{})
	q.Post(claimq.Post[string]{Body: "a"}, claimq.Post[string]{Body: "b"}, claimq.Post[string]{Body: "c"})
	q.Claim(claimq.ClaimOptions{Limit: 2, ClientID: "w1"})
	q.Claim(claimq.ClaimOptions{Limit: 1, ClientID: "w2"})
	s := q.PendingSummary()
	fmt.Println(s.Count, s.Consumers, s.Lowest < s.Highest)
	// Output: 3 map[w1:2 w2:1] true
}

// A worker that handled its whole batch finishes the claim in one call.
func ExampleQueue_Complete() {
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := claimq.New(claimq.Options[int]{Clock: clock})
	q.Post(claimq.Post[int]{Body: 1}, claimq.Post[int]{Body: 2}, claimq.Post[int]{Body: 3})

	c, _ := q.Claim(claimq.ClaimOptions{Limit: 2})
	sum := 0
	for _, m := range c.Messages {
		sum += m.Body
	}
	n, err := q.Complete(c.ID)
	fmt.Println("handled", sum, "deleted", n, err)
	_, err = q.GetClaim(c.ID)
	fmt.Println("claim gone:", errors.Is(err, claimq.ErrClaimNotFound), "left:", q.Len())
	// Output:
	// handled 3 deleted 2 <nil>
	// claim gone: true left: 1
}

// A worker hands back a message it cannot handle yet, to be tried again
// after a delay, and keeps the rest of its claim.
func ExampleQueue_Retry() {
	clock := claimq.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := claimq.New(claimq.Options[string]{Clock: clock})
	ids, _ := q.Post(claimq.Post[string]{Body: "charge card"}, claimq.Post[string]{Body: "send receipt"})
	c, _ := q.Claim(claimq.ClaimOptions{})

	fmt.Println("retry:", q.Retry(c.ID, time.Minute, ids[0])) // the card service is down
	fmt.Println("done:", q.Delete(ids[1], c.ID))

	clock.Advance(time.Minute)
	again, _ := q.Claim(claimq.ClaimOptions{})
	fmt.Println(again.Messages[0].Body, "delivery", again.Messages[0].ClaimCount)
	// Output:
	// retry: <nil>
	// done: <nil>
	// charge card delivery 2
}

// Drain waits for the holders of claims to finish after Close, bounded
// by a context.
func ExampleQueue_Drain() {
	q := claimq.New(claimq.Options[string]{})
	ids, _ := q.Post(claimq.Post[string]{Body: "last job"})
	c, _ := q.Claim(claimq.ClaimOptions{})

	q.Close() // no new work
	go q.Delete(ids[0], c.ID)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fmt.Println("drained:", q.Drain(ctx), "left:", q.Len())
	// Output:
	// drained: <nil> left: 0
}
