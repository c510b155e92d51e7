package claimq_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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
// another worker may get the message now. Delete tells it so, with
// ErrClaimExpired while the message waits for another claim and
// ErrClaimedByOther once another worker holds it.
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
	fmt.Println("slow worker again:", errors.Is(err, claimq.ErrClaimedByOther))
	fmt.Println("fast worker deletes:", q.Delete(fast.Messages[0].ID, fast.ID))
	// Output:
	// slow worker rolls back: true
	// fast worker got: charge card
	// slow worker again: true
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
		if err := q.Renew(c.ID, time.Minute, time.Minute); err != nil {
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

	got := make(chan claimq.Claim[string])
	go func() {
		c, err := q.ClaimWait(context.Background(), claimq.ClaimOptions{})
		if err != nil {
			panic(err)
		}
		got <- c
	}()
	for clock.PendingTimers() == 0 {
		// The waiter has not armed its wake-up yet; moving the clock now
		// would still work, as ClaimWait first looks at the current time.
		runtimeYield()
	}
	clock.Advance(15 * time.Minute)
	c := <-got
	fmt.Println(c.Messages[0].Body)
	// Output:
	// send reminder
}

// Limits can be widened for an in-process work queue that wants short
// claims.
func ExampleLimits() {
	l := claimq.ZaqarLimits()
	l.MinClaimTTL = time.Second
	q := claimq.New(claimq.Options[int]{Limits: l})

	_, err := q.Claim(claimq.ClaimOptions{TTL: 2 * time.Second})
	fmt.Println("2s claim:", err)
	_, err = q.Claim(claimq.ClaimOptions{TTL: 500 * time.Millisecond})
	fmt.Println(err)
	var le *claimq.LimitError
	fmt.Println(errors.As(err, &le), le.Field, errors.Is(err, claimq.ErrInvalid))
	// Output:
	// 2s claim: <nil>
	// claimq: ttl 500ms out of range [1s, 12h0m0s]
	// true ttl true
}

func runtimeYield() { runtime.Gosched() }
